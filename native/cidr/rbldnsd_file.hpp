// rbldnsd's ip4set/ip6tset data files, as msys.cidr's "rbldnsd" type reads
// them (docs/lua-api.md, "msys.cidr", lists the forms):
//   1.2.3.4   1.2.3.0/24   1.2.3   1.2.3.4-1.2.3.9   1.2.3.4-9
//   2001:db8::/32 :127.0.0.2:text     (IPv6: the value after whitespace)
//   !1.2.3.5                          (exclusion)
//   :127.0.0.2:Listed, see $          (the default value of the lines after it)
//   1.2.3.4 :127.0.0.3:text   1.2.3.4:3:text   1.2.3.4 text only
//   # comment   ; comment   $TTL ...  (directives: skipped)
#pragma once

#include <string>

#include "cidr_table.hpp"

namespace scriptlet {
namespace cidr {

enum class ValueKind { A, Txt };

// Builds the table from the file at path (a real path, checked by the
// caller). false and "path:line: why" (or "path: why") on a bad file.
bool loadRbldnsdFile(const std::string& path, ValueKind kind, CidrTable* out, std::string* error);
// The same from text in memory (name stands for the path in errors).
bool parseRbldnsd(const std::string& text, const std::string& name, ValueKind kind, CidrTable* out, std::string* error);

}  // namespace cidr
}  // namespace scriptlet
