/* PCRE2's build configuration for scriptlet: the few settings below, then
   the untouched vendor/pcre2/src/config.h.generic for every default it
   guards with #ifndef (limits, link size, newline). Found before anything
   else by the pcre2 target's include_dirs (native/addon.gypi), so that
   vendor/ never holds a generated or edited file. */
#ifndef SCRIPTLET_PCRE2_CONFIG_H
#define SCRIPTLET_PCRE2_CONFIG_H

/* 8-bit code units only: Lua strings are bytes. */
#define SUPPORT_PCRE2_8 1
#define SUPPORT_UNICODE 1
/* The JIT (sljit), the reason for vendoring PCRE2 rather than using Lua
   patterns: 10-50x faster matching on message bodies. */
#define SUPPORT_JIT 1

#define HAVE_STDINT_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_LIMITS_H 1
#define HAVE_STRING_H 1
#define HAVE_STDLIB_H 1
#define HAVE_MEMMOVE 1
#define HAVE_UNISTD_H 1

#include "config.h.generic"

#endif
