#include "address_list.hpp"

namespace scriptlet {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void trimInto(std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && isSpace(s[a])) a++;
  while (b > a && isSpace(s[b - 1])) b--;
  std::string t;
  bool space = false;
  for (size_t i = a; i < b; i++) {
    if (isSpace(s[i])) {
      space = true;
      continue;
    }
    if (space && !t.empty()) t.push_back(' ');
    space = false;
    t.push_back(s[i]);
  }
  s.swap(t);
}

// Drops white space outside quoted-strings: inside one it is part of the address.
void compactAddress(std::string& s) {
  std::string t;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (quoted && c == '\\' && i + 1 < s.size()) {
      t.push_back(c);
      t.push_back(s[++i]);
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (quoted || !isSpace(c)) t.push_back(c);
  }
  s.swap(t);
}

// One mailbox being read: the words outside <> (unquoted for a display
// name; as written for a bare address), the inside of <>, comments.
struct Mailbox {
  std::string phrase, phraseAsWritten, angle, comment;
  bool hasAngle = false;

  void finish(std::vector<Address>& out) {
    Address a;
    if (hasAngle) {
      a.address = angle;
      a.display = phrase;
    } else {
      a.address = phraseAsWritten;
      a.display = comment;
    }
    // An obsolete source route ("@a,@b:user@x") is not part of the address.
    size_t colon = a.address.find(':');
    if (!a.address.empty() && a.address[0] == '@' && colon != std::string::npos) a.address.erase(0, colon + 1);
    compactAddress(a.address);
    trimInto(a.display);
    if (!a.address.empty()) out.push_back(std::move(a));
    *this = Mailbox();
  }
};

}  // namespace

void parseAddressList(const char* s, size_t n, std::vector<Address>& out) {
  Mailbox mb;
  bool inAngle = false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    std::string& field = inAngle ? mb.angle : mb.phrase;
    if (c == '"') {
      // A quoted-string: commas and colons inside do not count. In an address
      // it keeps its quotes (RFC 5321 4.1.2: "a b"@x is not a b@x); in a
      // display name it is unquoted.
      size_t start = i;
      std::string unquoted;
      for (i++; i < n && s[i] != '"'; i++) {
        if (s[i] == '\\' && i + 1 < n) i++;
        unquoted.push_back(s[i]);
      }
      std::string asWritten(s + start, (i < n ? i + 1 : n) - start);
      if (inAngle) {
        mb.angle += asWritten;
      } else {
        mb.phrase += unquoted;
        mb.phraseAsWritten += asWritten;
      }
    } else if (c == '(') {  // comment, nested
      int depth = 1;
      std::string text;
      for (i++; i < n && depth > 0; i++) {
        if (s[i] == '\\' && i + 1 < n) { text.push_back(s[++i]); continue; }
        if (s[i] == '(') depth++;
        if (s[i] == ')' && --depth == 0) break;
        text.push_back(s[i]);
      }
      if (mb.comment.empty()) mb.comment = text;
      if (!inAngle) {
        mb.phrase.push_back(' ');
        mb.phraseAsWritten.push_back(' ');
      }
    } else if (c == '<' && !inAngle) {
      inAngle = true;
      mb.hasAngle = true;
    } else if (c == '>' && inAngle) {
      inAngle = false;
    } else if ((c == ',' || c == ';') && !inAngle) {
      mb.finish(out);
    } else if (c == ':' && !inAngle && !mb.hasAngle && mb.phrase.find('@') == std::string::npos) {
      mb = Mailbox();  // "Group name:" starts a group; its name is not an address
    } else {
      field.push_back(c);
      if (!inAngle) mb.phraseAsWritten.push_back(c);
    }
  }
  mb.finish(out);
}

}  // namespace scriptlet
