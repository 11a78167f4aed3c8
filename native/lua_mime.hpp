// Shared by lua_mime.cpp (msgpart handles, msg:mime, msg:text, reading)
// and lua_mime_edit.cpp (writable trees).
#pragma once

#include "lua_api.hpp"
#include "mime/mime_call.hpp"

namespace scriptlet {

// A msgpart is a small full userdata: a light one, as msg is, has no room
// for a call serial, a tree and a part, and light userdata share one
// metatable. Like msg, one kept past its call raises (its serial is not
// the running call's).
struct PartRef {
  uint64_t serial;
  uint32_t generation;  // the message bytes its tree was parsed from (each kind counts its own)
  int32_t part;
  bool writable;
};

struct PartArg {
  CallContext* call;
  MimeTree* tree;
  int part;
};

// [-0, +0] The part behind the msgpart at idx, or raises (not a msgpart,
// its call ended, its tree is stale). Upvalue 1: the RunningCall.
PartArg checkPart(lua_State* L, int idx);
// The part with its header as it stands (the root: the whole message, its
// header edits applied), in the call's MIME work buffer: what msgpart:raw()
// returns and msgpart:raw_match searches.
const std::string& partRawText(const PartArg& p);
// [-0, +1] A msgpart for part i of the call's writable or read-only tree.
void pushPart(lua_State* L, CallContext* call, int part, bool writable);
// [-0, +0] Raises unless the part's tree is writable; what names the method.
void checkWritable(lua_State* L, const PartArg& p, const char* what);
// [-0, +0] Header name and value checks shared with msgpart:header.
void checkMimeHeaderName(lua_State* L, int idx, const char* name, size_t len);
void checkMimeHeaderValue(lua_State* L, int idx, const char* v, size_t len);

// Methods of the writable side, and the msg: ones that make parts.
int partSetHeader(lua_State* L, const PartArg& p);  // msgpart:header(name, value|nil [, mode])
int partSetText(lua_State* L, const PartArg& p, int valueIdx);  // msgpart:text(value [, type [, charset]])
extern const luaL_Reg kPartEditMethods[];
extern const luaL_Reg kMessageEditMethods[];
// PCRE2 over parts (lua_mime_pcre.cpp): msgpart:body_match/raw_match/text_match, msg:text_match.
extern const luaL_Reg kPartMatchMethods[];
extern const luaL_Reg kMessageTextMatchMethods[];
// And replacing (lua_mime_replace.cpp): msgpart:body_replace/raw_replace/text_replace, msg:text_replace.
extern const luaL_Reg kPartReplaceMethods[];
extern const luaL_Reg kMessageTextReplaceMethods[];

}  // namespace scriptlet
