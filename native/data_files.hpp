// Where scripts may read files from (msys.readfile, msys.cidr's rbldnsd
// sources): the script search path and the configured data directories
// (`data_dirs`); with the sandbox, nothing outside them.
#pragma once

#include <string>

namespace scriptlet {

class MasterState;

// The real path of name: "file://" dropped, a relative name looked up along
// the search path then the data directories (first found). False, with
// *why saying what went wrong, for another URI scheme, no such file, or
// (sandbox) a file outside those directories.
bool resolveDataFile(const MasterState* master, const char* name, std::string* real, const char** why);

}  // namespace scriptlet
