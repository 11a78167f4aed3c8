// RFC 5322 address lists ("A <a@x>, \"B, Jr\" <b@y>, c@z (C), Grp: d@w;").
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace scriptlet {

struct Address {
  std::string display;  // phrase before <...>, or a trailing comment; may be empty
  std::string address;  // local@domain, comments and folding white space removed
};

// Appends every mailbox of the list, group members flattened, in order.
// Never fails: what cannot be read as an address is skipped.
void parseAddressList(const char* s, size_t n, std::vector<Address>& out);

}  // namespace scriptlet
