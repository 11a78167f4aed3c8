// The addon's entry point. Per-load state lives in instance data (the addon
// is loaded once per worker thread), freed by Node-API's cleanup.
#include <napi.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "../dialect/momentum_dialect.hpp"
#include "../message_view.hpp"
#include "../util/lua_headers.hpp"
#include "call_args.hpp"
#include "cidr_datasource_host.hpp"
#include "durable_write.hpp"
#include "master_object.hpp"
#include "replication_host.hpp"
#include "state_host.hpp"

namespace scriptlet {

class ScriptletAddon : public Napi::Addon<ScriptletAddon> {
 public:
  ScriptletAddon(Napi::Env env, Napi::Object exports) {
    Napi::Function master = MasterObject::Define(env);
    masterConstructor_ = Napi::Persistent(master);
    DefineAddon(exports, {
                             InstanceValue("Master", master, napi_enumerable),
                             InstanceValue("engine", Napi::String::New(env, kEngineId), napi_enumerable),
                             InstanceValue("engineVersion", Napi::String::New(env, kEngineName), napi_enumerable),
                             InstanceMethod<&ScriptletAddon::ParseHeaders>("parseHeaders", napi_enumerable),
                             InstanceMethod<&ScriptletAddon::RewriteDialect>("rewriteDialect", napi_enumerable),
                             InstanceMethod<&ScriptletAddon::MallocStats>("mallocStats", napi_enumerable),
                         });
    // A raw callback: its messages come as arguments, past the six an InstanceMethod reads without allocating.
    napi_value messageAddresses = nullptr;
    NAPI_THROW_IF_FAILED_VOID(env, napi_create_function(env, "messageAddresses", NAPI_AUTO_LENGTH, &MessageAddressesEntry, nullptr, &messageAddresses));
    exports.DefineProperty(Napi::PropertyDescriptor::Value("messageAddresses", Napi::Value(env, messageAddresses), napi_enumerable));
    defineStateHost(env, exports);
    defineCidrDatasourceHost(env, exports);
    defineReplicationHost(env, exports);
    defineDurableWrite(env, exports);
  }

  // parseHeaders(message: Buffer) -> [name, value][]: the header fields as
  // the Lua API sees them (unfolded, trimmed, not decoded), in order.
  Napi::Value ParseHeaders(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsBuffer()) throw Napi::TypeError::New(env, "parseHeaders(message: Buffer)");
    auto buf = info[0].As<Napi::Buffer<char>>();
    MessageView view;
    view.reset(buf.Data(), buf.Length());
    Napi::Array out = Napi::Array::New(env, view.headerCount());
    uint32_t i = 0;
    view.forEachField([&](const char* name, size_t nameLen, const char* value, size_t valueLen) {
      Napi::Array pair = Napi::Array::New(env, 2);
      // As napi_values: Set would copy a Napi::String out to std::string and back.
      pair.Set(0u, static_cast<napi_value>(Napi::String::New(env, name, nameLen)));
      pair.Set(1u, static_cast<napi_value>(Napi::String::New(env, value, valueLen)));
      out.Set(i++, pair);
    });
    return out;
  }

  // messageAddresses(ints: Int32Array, at: number, stride: number,
  // ...messages: (Buffer | undefined)[]): for message i, writes at ints[at +
  // i * stride] the address of its bytes (low, high 32 bits) and its length,
  // or a length of -1 for none. The pool's calling thread packs these for a
  // worker, which reads the bytes in place (packed_input.hpp). The messages
  // come as arguments, not in an array: reading an array's elements through
  // Node-API cost more than the rest of this function; and read by CallArgs,
  // which, unlike an InstanceMethod's CallbackInfo, allocates nothing for them.
  static napi_value MessageAddressesEntry(napi_env env, napi_callback_info info) {
    return Napi::details::WrapCallback(env, [&]() -> napi_value { return MessageAddresses(Napi::Env(env), CallArgs(env, info)); });
  }

  static Napi::Value MessageAddresses(Napi::Env env, const CallArgs& info) {
    // One Node-API call a check: this runs once a batch, on the calling
    // thread, and a single call's batch is all fixed cost.
    napi_typedarray_type type = napi_int8_array;
    size_t length = 0;
    void* data = nullptr;
    int64_t at = -1, stride = 0;
    if (info.size() < 3 || napi_get_typedarray_info(env, info[0], &type, &length, &data, nullptr, nullptr) != napi_ok ||
        type != napi_int32_array || napi_get_value_int64(env, info[1], &at) != napi_ok ||
        napi_get_value_int64(env, info[2], &stride) != napi_ok)
      throw Napi::TypeError::New(env, "messageAddresses(ints: Int32Array, at: number, stride: number, ...messages: Buffer[])");
    int64_t n = static_cast<int64_t>(info.size()) - 3;
    if (at < 0 || stride < 3 || (n > 0 && at + (n - 1) * stride + 3 > static_cast<int64_t>(length)))
      throw Napi::RangeError::New(env, "messageAddresses: the slots lie outside ints");
    int32_t* out = static_cast<int32_t*>(data);
    for (int64_t i = 0; i < n; i++) {
      int32_t* slot = out + at + i * stride;
      void* data = nullptr;
      size_t len = 0;
      if (napi_get_buffer_info(env, info[static_cast<size_t>(i + 3)], &data, &len) != napi_ok) {  // not a Buffer: no message
        slot[0] = slot[1] = 0;
        slot[2] = -1;
        continue;
      }
      if (len > 0x7fffffff) throw Napi::RangeError::New(env, "message " + std::to_string(i) + " is 2 GiB or more");
      uint64_t address = reinterpret_cast<uintptr_t>(data);
      slot[0] = static_cast<int32_t>(static_cast<uint32_t>(address));
      slot[1] = static_cast<int32_t>(static_cast<uint32_t>(address >> 32));
      slot[2] = static_cast<int32_t>(len);
    }
    return env.Undefined();
  }

  // rewriteDialect(source: string | Buffer) -> { result, text | line and
  // message }: what the loaders compile (tests, scan cost measurements).
  Napi::Value RewriteDialect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string text;
    if (info[0].IsBuffer()) {
      auto buf = info[0].As<Napi::Buffer<char>>();
      text.assign(buf.Data(), buf.Length());
    } else if (info[0].IsString()) {
      text = info[0].As<Napi::String>().Utf8Value();
    } else {
      throw Napi::TypeError::New(env, "rewriteDialect(source: string | Buffer)");
    }
    std::string out;
    DialectError error;
    Napi::Object result = Napi::Object::New(env);
    switch (rewriteMomentumDialect(text.data(), text.size(), &out, &error)) {
      case DialectResult::Unchanged:
        result.Set("result", "unchanged");
        break;
      case DialectResult::Rewritten:
        result.Set("result", "rewritten");
        result.Set("text", Napi::String::New(env, out.data(), out.size()));
        break;
      case DialectResult::Error:
        result.Set("result", "error");
        result.Set("line", Napi::Number::New(env, error.line));
        result.Set("message", error.message);
        break;
    }
    return result;
  }

  // mallocStats() -> { inUse, held } | undefined: the C heap of the whole
  // process (every thread's arenas: the addon, Node's Buffers and native
  // objects, Lua 5.1's states; not LuaJIT's, which has its own allocator),
  // from glibc's mallinfo2; undefined on another libc.
  // held - inUse is what the allocator keeps without anyone using it: when
  // RSS grows while inUse does not, that is where it went.
  Napi::Value MallocStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 m = mallinfo2();
    Napi::Object out = Napi::Object::New(env);
    out.Set("inUse", Napi::Number::New(env, static_cast<double>(m.uordblks + m.hblkhd)));
    out.Set("held", Napi::Number::New(env, static_cast<double>(m.arena + m.hblkhd)));
    return out;
#else
    return env.Undefined();
#endif
  }

 private:
  Napi::FunctionReference masterConstructor_;
};

}  // namespace scriptlet

using scriptlet::ScriptletAddon;
NODE_API_ADDON(ScriptletAddon)
