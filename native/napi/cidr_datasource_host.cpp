// Plain functions: the CIDR tables are one registry per process, so any
// worker's copy of the addon feeds the same tables (cidr/cidr_registry.hpp).
#include "cidr_datasource_host.hpp"

#include <string>

#include "../cidr/cidr_registry.hpp"

namespace scriptlet {

namespace {

// cidrDatasourcesWanted() -> [{ key, cachename, query, cidrColumn, valueColumn }]:
// the tables whose query the caller now runs (each handed out once per
// define, refresh or reload()).
Napi::Value CidrDatasourcesWanted(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto slots = cidr::takeWantedDatasourceSlots();
  Napi::Array out = Napi::Array::New(env, slots.size());
  for (uint32_t i = 0; i < slots.size(); i++) {
    const cidr::CidrSpec& spec = slots[i]->spec();
    Napi::Object o = Napi::Object::New(env);
    o.Set("key", Napi::Buffer<char>::Copy(env, spec.key().data(), spec.key().size()));
    o.Set("cachename", spec.cachename);
    o.Set("query", spec.query);
    o.Set("cidrColumn", spec.cidrColumn);
    o.Set("valueColumn", spec.valueColumn);
    out.Set(i, o);
  }
  return out;
}

// cidrDatasourceLoad(key: Buffer, rbldnsdText: string | null, error?: string)
// -> null, or why the rows made no table. A null text reports the query's
// error: the table read before stays, and the scripts' next query logs it.
Napi::Value CidrDatasourceLoad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsBuffer()) throw Napi::TypeError::New(env, "cidrDatasourceLoad(key: Buffer, text: string | null, error?: string)");
  auto key = info[0].As<Napi::Buffer<char>>();
  auto slot = cidr::findCidrSlot(std::string(key.Data(), key.Length()));
  if (!slot) return Napi::String::New(env, "no such table (no master holds it any more)");
  std::string error;
  if (info[1].IsString()) {
    if (slot->load(info[1].As<Napi::String>().Utf8Value(), &error)) return env.Null();
  } else {
    error = "datasource '" + slot->spec().cachename + "': " +
            (info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : std::string("the query failed"));
    slot->fail(error);
  }
  return Napi::String::New(env, error);
}

}  // namespace

void defineCidrDatasourceHost(Napi::Env env, Napi::Object exports) {
  exports.Set("cidrDatasourcesWanted", Napi::Function::New(env, CidrDatasourcesWanted, "cidrDatasourcesWanted"));
  exports.Set("cidrDatasourceLoad", Napi::Function::New(env, CidrDatasourceLoad, "cidrDatasourceLoad"));
}

}  // namespace scriptlet
