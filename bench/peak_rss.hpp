// The benchmark programs' peak RSS, shared by the C driver and the floor.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

// The process's peak RSS in KB (VmHWM): unlike getrusage's ru_maxrss, it
// starts afresh at exec, so a large parent (Node) does not show through.
inline long peakRssKb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}
