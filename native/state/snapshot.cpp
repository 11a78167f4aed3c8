// Persistence of msys.audit_series with persist = true: one snapshot file,
// <state_dir>/audit_series.snapshot, written whole every snapshot interval
// and when the last master closes (temp file, fsync, rename: a reader sees
// the old file or the new one, never half of one), read once, when the
// first persisted series is defined. Its text:
//
//   scriptlet-state 1
//   series <name, hex> <type> <interval> <windows>
//   k <key, hex> <bucket>:<count> ...      (per key of that series)
//   end <lines before this one> <FNV-1a 64 of the bytes before this line>
//
// A file that does not parse, or whose check does not match, is reported
// (the define that reads it logs the line), renamed to *.corrupt and
// ignored: the series start empty. Never a crash.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "shared_store.hpp"

namespace scriptlet {

namespace {

constexpr const char* kMagic = "scriptlet-state 1";
constexpr size_t kMaxSnapshotBytes = 1u << 30;

uint64_t fnv1a(const char* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ static_cast<unsigned char>(p[i])) * 1099511628211ull;
  return h;
}

std::string hexOf(const std::string& s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

bool unhex(const std::string& s, std::string* out) {
  if (s.empty() || s.size() % 2) return false;
  out->clear();
  for (size_t i = 0; i < s.size(); i += 2) {
    unsigned v;
    if (std::sscanf(s.c_str() + i, "%2x", &v) != 1) return false;
    *out += static_cast<char>(v);
  }
  return true;
}

bool readWhole(const std::string& path, std::string* out, int* err) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    *err = errno;
    return false;
  }
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && out->size() < kMaxSnapshotBytes) out->append(buf, n);
  std::fclose(f);
  return true;
}

bool writeAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t w = ::write(fd, s.data() + done, s.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    done += static_cast<size_t>(w);
  }
  return true;
}

using Pending = std::unordered_map<std::string, std::pair<SeriesParams, std::vector<std::string>>>;

// Parses text into out; "" or why it is not a snapshot.
std::string parseSnapshot(const std::string& text, Pending* out) {
  size_t endAt = text.rfind("\nend ");
  if (text.compare(0, std::strlen(kMagic), kMagic) != 0) return "not a scriptlet state file";
  if (endAt == std::string::npos) return "truncated (no end line)";
  unsigned long long lines = 0, sum = 0;
  if (std::sscanf(text.c_str() + endAt + 5, "%llu %llx", &lines, &sum) != 2) return "bad end line";
  if (fnv1a(text.data(), endAt + 1) != sum) return "checksum mismatch";
  std::vector<std::string>* keys = nullptr;
  size_t count = 0;
  for (size_t at = 0; at <= endAt;) {
    size_t nl = text.find('\n', at);
    std::string line = text.substr(at, nl - at);
    at = nl + 1;
    count++;
    if (count == 1) continue;  // the magic line
    if (line.compare(0, 7, "series ") == 0) {
      char name[1024], type[32];
      long long interval;
      int windows;
      if (std::sscanf(line.c_str() + 7, "%1023s %31s %lld %d", name, type, &interval, &windows) != 4) return "bad series line";
      SeriesParams p;
      std::string decoded;
      if (!unhex(name, &decoded) || !seriesTypeFromName(type, &p.type) || interval < 1 || windows < 1) return "bad series line";
      p.interval = interval;
      p.windows = windows;
      p.persist = true;
      auto& slot = (*out)[decoded];
      slot.first = p;
      keys = &slot.second;
    } else if (line.compare(0, 2, "k ") == 0 && keys) {
      keys->push_back(line);
    } else {
      return "unexpected line " + std::to_string(count);
    }
  }
  if (count != lines) return "line count mismatch";
  return "";
}

}  // namespace

void SharedStore::configurePersistence(const std::string& dir, int64_t intervalSeconds) {
  {
    std::lock_guard<std::mutex> lock(registryMu_);
    stateDir_ = dir;
    snapshotInterval_ = intervalSeconds;
  }
  {
    std::lock_guard<std::mutex> lock(timerMu_);
    timerKick_ = true;  // a running timer waits the new interval from now
  }
  timerCv_.notify_all();
}

std::string SharedStore::snapshotPath() {
  std::lock_guard<std::mutex> lock(registryMu_);
  return stateDir_.empty() ? "" : stateDir_ + "/audit_series.snapshot";
}

std::string SharedStore::lastSnapshotProblem() {
  std::lock_guard<std::mutex> lock(registryMu_);
  return snapshotProblem_;
}

void SharedStore::readSnapshotOnce() {
  if (snapshotRead_) return;
  snapshotRead_ = true;
  std::string path = stateDir_ + "/audit_series.snapshot";
  std::string text;
  int err = 0;
  if (!readWhole(path, &text, &err)) {
    if (err != ENOENT) snapshotProblem_ = "could not read the snapshot " + path + ": " + std::strerror(err);
    return;
  }
  Pending parsed;
  std::string why = parseSnapshot(text, &parsed);
  if (!why.empty()) {
    std::string aside = path + ".corrupt";
    std::rename(path.c_str(), aside.c_str());
    snapshotProblem_ = "ignored the corrupt snapshot " + path + " (" + why + "), kept as " + aside;
    return;
  }
  pending_ = std::move(parsed);
}

bool SharedStore::writeSnapshot(std::string* error) {
  std::lock_guard<std::mutex> writing(writeMu_);
  std::vector<std::pair<std::string, Series*>> persisted;
  std::string dir;
  Pending pending;
  {
    std::lock_guard<std::mutex> lock(registryMu_);
    dir = stateDir_;
    for (const auto& [name, s] : series_)
      if (s->params().persist) persisted.emplace_back(name, s);
    pending = pending_;
  }
  if (dir.empty() || (persisted.empty() && pending.empty())) return true;
  std::string text = std::string(kMagic) + "\n";
  int64_t t = now();
  char head[128];
  auto seriesLine = [&](const std::string& name, const SeriesParams& p) {
    std::snprintf(head, sizeof head, " %s %lld %d\n", seriesTypeName(p.type), static_cast<long long>(p.interval), p.windows);
    text += "series " + hexOf(name) + head;
  };
  for (const auto& [name, s] : persisted) {
    seriesLine(name, s->params());
    s->appendImage(&text, t);
  }
  for (const auto& [name, image] : pending) {  // read but not defined (yet): kept
    seriesLine(name, image.first);
    for (const std::string& line : image.second) text += line + "\n";
  }
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  std::snprintf(head, sizeof head, "end %zu %016llx\n", lines, static_cast<unsigned long long>(fnv1a(text.data(), text.size())));
  text += head;
  std::string path = dir + "/audit_series.snapshot";
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && writeAll(fd, text) && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  ok = ok && std::rename(tmp.c_str(), path.c_str()) == 0;
  (ok ? snapshotWrites_ : snapshotErrors_).fetch_add(1, std::memory_order_relaxed);
  if (!ok) {
    *error = "could not write the snapshot " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
  }
  return ok;
}

void SharedStore::startTimerLocked() {
  std::lock_guard<std::mutex> lock(timerMu_);
  if (timer_.joinable() || snapshotInterval_ <= 0) return;
  timerStop_ = false;
  timer_ = std::thread([this] { timerLoop(); });
}

void SharedStore::stopTimer() {
  std::thread t;
  {
    std::lock_guard<std::mutex> lock(timerMu_);
    timerStop_ = true;
    t = std::move(timer_);
  }
  timerCv_.notify_all();
  if (t.joinable()) t.join();
}

void SharedStore::timerLoop() {
  std::unique_lock<std::mutex> lock(timerMu_);
  for (;;) {
    int64_t interval = snapshotInterval_.load();
    timerKick_ = false;
    bool woken = timerCv_.wait_for(lock, std::chrono::seconds(interval), [this] { return timerStop_ || timerKick_; });
    if (timerStop_) return;
    if (woken) continue;  // kicked: the interval changed
    lock.unlock();
    std::string error;
    if (!writeSnapshot(&error)) std::fprintf(stderr, "scriptlet: %s\n", error.c_str());
    lock.lock();
  }
}

}  // namespace scriptlet
