// The receiver and arguments of a raw Node-API callback, however many, read
// without allocating: node-addon-api's CallbackInfo allocates an array for
// them once a call past six arguments. A batch's messages come as
// arguments (MasterObject's run): read from an array, each cost a Node-API
// call and a V8 element lookup, ~20 ns a message.
#pragma once

#include <napi.h>

#include <vector>

namespace scriptlet {

class CallArgs {
 public:
  // Reads them into this thread's buffer (grown to fit, then kept), or,
  // when a callback further out is still reading it (a getter it ran called
  // in again), into a vector of this call's own.
  CallArgs(napi_env env, napi_callback_info info) : env_(env) {
    Buffer& buffer = threadBuffer();
    size_t count = 0;
    if (napi_get_cb_info(env, info, &count, nullptr, &self_, nullptr) != napi_ok)
      throw Napi::Error::New(env, "could not read a call's arguments");
    bool bufferFree = !buffer.busy;
    std::vector<napi_value>& into = bufferFree ? buffer.values : own_;
    if (into.size() < count) into.resize(count);
    values_ = into.data();
    size_ = count;
    if (count > 0 && napi_get_cb_info(env, info, &count, values_, nullptr, nullptr) != napi_ok)
      throw Napi::Error::New(env, "could not read a call's arguments");
    if (bufferFree) {  // taken only now: a constructor that throws runs no destructor
      buffer.busy = true;
      buffer_ = &buffer;
    }
  }
  ~CallArgs() {
    if (buffer_) buffer_->busy = false;
  }
  CallArgs(const CallArgs&) = delete;
  CallArgs& operator=(const CallArgs&) = delete;

  napi_value self() const { return self_; }
  size_t size() const { return size_; }
  // Argument i, or undefined past the last.
  Napi::Value operator[](size_t i) const { return i < size_ ? Napi::Value(env_, values_[i]) : Napi::Env(env_).Undefined(); }
  // Arguments from..size() as a C array (empty past the last).
  const napi_value* from(size_t i) const { return values_ + (i < size_ ? i : size_); }

 private:
  struct Buffer {
    std::vector<napi_value> values;
    bool busy = false;
  };
  static Buffer& threadBuffer() {
    static thread_local Buffer buffer;
    return buffer;
  }

  napi_env env_;
  napi_value self_ = nullptr;
  napi_value* values_ = nullptr;
  size_t size_ = 0;
  Buffer* buffer_ = nullptr;
  std::vector<napi_value> own_;
};

}  // namespace scriptlet
