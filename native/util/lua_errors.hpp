// Turning Lua error values and stacks into text for ScriptError/LoadProblem.
#pragma once

#include <string>

#include "lua_headers.hpp"

namespace scriptlet {

// [-0, +0] Text for the error value at idx. Strings and numbers as they are;
// other values through a protected __tostring, else "(error object is a T value)".
std::string errorText(lua_State* L, int idx);

// [-0, +0] "source:line" of the innermost Lua frame of L at or above level
// that has a current line, or "" when there is none.
std::string innermostLocation(lua_State* L, int level);

// "source:line" from the front of a message "source:12: text", or "".
std::string locationFromMessage(const std::string& message);

// [-0, +0] A traceback of thread co (which may be dead after an error),
// computed on L with the debug.traceback saved at tracebackRef.
std::string threadTraceback(lua_State* L, int tracebackRef, lua_State* co, const std::string& message);

// [-1, +1] A lua_pcall message handler: turns the error value into a table
// { message =, location =, traceback = }. Upvalue 1: debug.traceback.
int errorTableHandler(lua_State* L);

}  // namespace scriptlet
