// The table alone, without Lua: read and build an rbldnsd file, then time
// parseQueryAddress and CidrTable::lookup over 1 024 addresses (taken from
// argv[2], one per line), 2 000 000 times each. Prints one JSON line.
// Built and run by bench/cidr/run.ts (g++ -O2, as the addon's Release).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "../../native/cidr/rbldnsd_file.hpp"

using namespace scriptlet::cidr;
using Clock = std::chrono::steady_clock;

static double nsSince(Clock::time_point t0, int n) {
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / n;
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  CidrTable table;
  std::string error;
  Clock::time_point t0 = Clock::now();
  if (!loadRbldnsdFile(argv[1], ValueKind::Txt, &table, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  double buildMs = nsSince(t0, 1) / 1e6;
  std::vector<std::string> text;
  std::ifstream in(argv[2]);
  for (std::string line; std::getline(in, line);) text.push_back(line);
  std::vector<IpAddress> parsed(text.size());
  for (size_t i = 0; i < text.size(); i++) parseQueryAddress(text[i].data(), text[i].size(), &parsed[i]);
  const int n = 2000000;
  size_t mask = text.size() - 1, hits = 0;  // a power of two
  t0 = Clock::now();
  for (int i = 0; i < n; i++) hits += parseQueryAddress(text[i & mask].data(), text[i & mask].size(), &parsed[i & mask]);
  double parseNs = nsSince(t0, n);
  t0 = Clock::now();
  for (int i = 0; i < n; i++) hits += table.lookup(parsed[(i * 7) & mask]) != nullptr;
  double lookupNs = nsSince(t0, n);
  std::printf("{\"buildMs\": %.1f, \"intervals\": %zu, \"parseNs\": %.1f, \"lookupNs\": %.1f, \"checksum\": %zu}\n", buildMs,
              table.intervalCount(), parseNs, lookupNs, hits);
  return 0;
}
