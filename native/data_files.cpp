#include "data_files.hpp"

#include <cstdlib>
#include <cstring>
#include <vector>

#include "master_state.hpp"

namespace scriptlet {

namespace {

bool realPath(const std::string& path, std::string* real) {
  char* r = realpath(path.c_str(), nullptr);
  if (r) *real = r;
  std::free(r);
  return r != nullptr;
}

// Whether real (a real path) is below one of dirs.
bool insideAny(const std::string& real, const std::vector<std::string>& dirs) {
  for (const std::string& dir : dirs) {
    std::string realDir;
    if (!realPath(dir, &realDir)) continue;
    size_t n = realDir.size();
    if (real.compare(0, n, realDir) == 0 && real.size() > n && real[n] == '/') return true;
  }
  return false;
}

}  // namespace

bool resolveDataFile(const MasterState* master, const char* name, std::string* real, const char** why) {
  if (std::strncmp(name, "file://", 7) == 0) name += 7;
  if (std::strstr(name, "://")) return *why = "only files can be read (no URI scheme but file://)", false;
  const std::vector<std::string>& searchPath = master->searchPath();
  const std::vector<std::string>& dataDirs = master->options().dataDirs;
  real->clear();
  if (name[0] == '/') {
    realPath(name, real);
  } else {
    bool found = false;
    for (const std::string& dir : searchPath)
      if ((found = realPath(dir + "/" + name, real))) break;
    if (!found)
      for (const std::string& dir : dataDirs)
        if (realPath(dir + "/" + name, real)) break;
  }
  if (real->empty()) return *why = "no such file", false;
  if (!master->options().sandbox || insideAny(*real, searchPath) || insideAny(*real, dataDirs)) return true;
  return *why = "outside the script search path and data_dirs (sandbox)", false;
}

}  // namespace scriptlet
