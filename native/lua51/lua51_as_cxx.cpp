// PUC Lua 5.1.5, compiled as C++ from the untouched sources in vendor/lua51:
// lua_error then unwinds with a C++ exception, so destructors in the addon's
// C functions run. (gyp cannot pass "-x c++" before a .c source.) The file
// list is upstream's own etc/all.c without the stand-alone interpreter.
//
// g++ defines _GNU_SOURCE, so <stdio.h> declares getline(), which clashes
// with ldebug.h's getline macro unless the system headers come first.
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

// luaconf.h is included once, by the first file, so the settings it gives
// only to loslib.c (lua_tmpnam) must be asked for up front. Not luaall_c:
// its static data declarations are not valid C++.
#define loslib_c
#define LUA_CORE
#include "lapi.c"
#include "lcode.c"
#include "ldebug.c"
#include "ldo.c"
#include "ldump.c"
#include "lfunc.c"
#include "lgc.c"
#include "llex.c"
#include "lmem.c"
#include "lobject.c"
#include "lopcodes.c"
#include "lparser.c"
#include "lstate.c"
#include "lstring.c"
#include "ltable.c"
#include "ltm.c"
#include "lundump.c"
#include "lvm.c"
#include "lzio.c"
#undef LUA_CORE
#define LUA_LIB
#include "lauxlib.c"
#include "lbaselib.c"
#include "ldblib.c"
#include "liolib.c"
#include "linit.c"
#include "lmathlib.c"
#include "loadlib.c"
#include "loslib.c"
#include "lstrlib.c"
#include "ltablib.c"
