/* pcre2.h under the name PCRE2's sources #include, made from the untouched
   vendor/pcre2/src/pcre2.h.generic (the release's pcre2.h with its version
   filled in), so that vendor/ is never written to. */
#include "pcre2.h.generic"
