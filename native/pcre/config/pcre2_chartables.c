/* PCRE2's default character tables (ASCII/"C" locale) under the name its
   build expects, from the untouched vendor/pcre2/src/pcre2_chartables.c.dist,
   so that vendor/ is never written to. */
#include "pcre2_chartables.c.dist"
