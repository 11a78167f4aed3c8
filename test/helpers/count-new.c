/*
 * Counts the process's C++ allocations: preloaded (LD_PRELOAD) it takes
 * the place of libstdc++'s operator new, for node and the addon alike, and,
 * loaded again as a Node-API module (process.dlopen of the same file, the
 * same instance), it gives the count to JS: require(...).count().
 * Used by test/engine/cxx-allocations.test.ts. The few Node-API functions
 * it calls are declared here (Node-API is a stable C ABI), so that it builds
 * with a bare `cc`, without node's headers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static _Atomic unsigned long long allocations;

static void* allocate(size_t n) {
  allocations++;
  void* p = malloc(n ? n : 1);
  if (!p) abort(); /* the tests never run out: no std::bad_alloc from C */
  return p;
}

/* operator new(size_t), operator new[](size_t), and their nothrow forms */
void* _Znwm(size_t n) { return allocate(n); }
void* _Znam(size_t n) { return allocate(n); }
void* _ZnwmRKSt9nothrow_t(size_t n, const void* tag) { (void)tag; return allocate(n); }
void* _ZnamRKSt9nothrow_t(size_t n, const void* tag) { (void)tag; return allocate(n); }
/* the matching deletes, so that every block goes back to the malloc it came from */
void _ZdlPv(void* p) { free(p); }
void _ZdaPv(void* p) { free(p); }
void _ZdlPvm(void* p, size_t n) { (void)n; free(p); }
void _ZdaPvm(void* p, size_t n) { (void)n; free(p); }
void _ZdlPvRKSt9nothrow_t(void* p, const void* tag) { (void)tag; free(p); }
void _ZdaPvRKSt9nothrow_t(void* p, const void* tag) { (void)tag; free(p); }

typedef struct napi_env__* napi_env;
typedef struct napi_value__* napi_value;
typedef struct napi_callback_info__* napi_callback_info;
typedef napi_value (*napi_callback)(napi_env, napi_callback_info);
extern int napi_create_double(napi_env, double, napi_value*);
extern int napi_create_function(napi_env, const char*, size_t, napi_callback, void*, napi_value*);
extern int napi_set_named_property(napi_env, napi_value, const char*, napi_value);

static napi_value count(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_double(env, (double)allocations, &out);
  return out;
}

int32_t node_api_module_get_api_version_v1(void) { return 8; }

napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "count", (size_t)-1, count, NULL, &fn);
  napi_set_named_property(env, exports, "count", fn);
  return exports;
}
