// writeDurably(files) and syncDirectory(dir): the spool's writes
// (src/server/spool.ts), each as one job on
// libuv's threadpool. Each file is created (O_EXCL) at its temporary path,
// written, fsynced and closed; then each is renamed to its final path, in
// order. Through node:fs that is five requests a file, each handed to the
// threadpool and answered on the event loop: two wake-ups of each thread a
// request, which on a VM cost more CPU than the calls themselves (bench/serve
// README: 0.6 ms of CPU a message). Here it is one.
//
// A failure rejects with an Error shaped like node:fs's (code, errno,
// syscall, path; "ENOSPC: no space left on device, write '/x'") and stops:
// what was written stays, for the caller to remove.
#include "durable_write.hpp"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <uv.h>

#include <string>
#include <vector>

namespace scriptlet {

namespace {

struct DurableFile {
  std::string tmpPath;
  std::string finalPath;
  const char* data;
  size_t length;
};

struct Failure {
  int error = 0;  // errno; 0: none
  const char* syscall = "";
  std::string path;
};

// One job on the threadpool whose outcome is a promise: resolved, or
// rejected with the first failing call as node:fs reports it.
class FileJob : public Napi::AsyncWorker {
 public:
  FileJob(Napi::Env env, const char* name) : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)) {}

  // Queues the job (which deletes itself once settled) and gives its promise.
  static Napi::Promise queue(FileJob* job) {
    Napi::Promise promise = job->deferred_.Promise();
    job->Queue();
    return promise;
  }

  void OnOK() override {
    if (failure_.error == 0) return deferred_.Resolve(Env().Undefined());
    const char* code = uv_err_name(-failure_.error);
    std::string message = std::string(code) + ": " + uv_strerror(-failure_.error) + ", " + failure_.syscall + " '" + failure_.path + "'";
    Napi::Error error = Napi::Error::New(Env(), message);
    error.Set("code", code);
    error.Set("errno", Napi::Number::New(Env(), -failure_.error));
    error.Set("syscall", failure_.syscall);
    error.Set("path", failure_.path);
    deferred_.Reject(error.Value());
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 protected:
  bool fail(const char* syscall, const std::string& path) {
    failure_ = {errno, syscall, path};
    return false;
  }

  bool failAndClose(int fd, const char* syscall, const std::string& path) {
    fail(syscall, path);
    close(fd);
    return false;
  }

 private:
  Napi::Promise::Deferred deferred_;
  Failure failure_;
};

// Each file written and flushed at its temporary path, then each renamed into place.
class WriteFilesJob : public FileJob {
 public:
  WriteFilesJob(Napi::Env env, std::vector<DurableFile> files, std::vector<Napi::ObjectReference> buffers)
      : FileJob(env, "scriptlet:writeDurably"), files_(std::move(files)), buffers_(std::move(buffers)) {}

  void Execute() override {
    for (const DurableFile& f : files_) {
      if (!writeSynced(f)) return;
    }
    for (const DurableFile& f : files_) {
      if (rename(f.tmpPath.c_str(), f.finalPath.c_str()) != 0) {
        fail("rename", f.tmpPath);
        return;
      }
    }
  }

 private:
  bool writeSynced(const DurableFile& f) {
    int fd = open(f.tmpPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) return fail("open", f.tmpPath);
    size_t done = 0;
    while (done < f.length) {
      ssize_t n = write(fd, f.data + done, f.length - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return failAndClose(fd, "write", f.tmpPath);
      done += static_cast<size_t>(n);
    }
    if (fsync(fd) != 0) return failAndClose(fd, "fsync", f.tmpPath);
    // A failed close after a good fsync can still report a write error (NFS): it counts.
    if (close(fd) != 0) return fail("close", f.tmpPath);
    return true;
  }

  std::vector<DurableFile> files_;
  std::vector<Napi::ObjectReference> buffers_;  // keeps each file's bytes alive until the job ends
};

// A directory flushed: the renames into it made durable.
class SyncDirectoryJob : public FileJob {
 public:
  SyncDirectoryJob(Napi::Env env, std::string directory) : FileJob(env, "scriptlet:syncDirectory"), directory_(std::move(directory)) {}

  void Execute() override {
    int fd = open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      fail("open", directory_);
      return;
    }
    if (fsync(fd) != 0) failAndClose(fd, "fsync", directory_);
    else close(fd);
  }

 private:
  std::string directory_;
};

const char* const kUsage = "writeDurably(files: [tmpPath: string, finalPath: string, data: Uint8Array][])";

// writeDurably([[tmpPath, finalPath, data], ...]) -> Promise<void>
Napi::Value WriteDurably(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, kUsage);
  Napi::Array list = info[0].As<Napi::Array>();
  std::vector<DurableFile> files;
  std::vector<Napi::ObjectReference> buffers;
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value item = list.Get(i);
    if (!item.IsArray()) throw Napi::TypeError::New(env, kUsage);
    Napi::Array entry = item.As<Napi::Array>();
    Napi::Value tmp = entry.Get(0u), final = entry.Get(1u), data = entry.Get(2u);
    if (!tmp.IsString() || !final.IsString() || !data.IsTypedArray() || data.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) throw Napi::TypeError::New(env, kUsage);
    Napi::Uint8Array bytes = data.As<Napi::Uint8Array>();
    files.push_back({tmp.As<Napi::String>().Utf8Value(), final.As<Napi::String>().Utf8Value(), reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength()});
    buffers.push_back(Napi::Persistent(bytes.As<Napi::Object>()));
  }
  return FileJob::queue(new WriteFilesJob(env, std::move(files), std::move(buffers)));
}

// syncDirectory(dir) -> Promise<void>: open, fsync, close, one job.
Napi::Value SyncDirectory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString() || info[0].As<Napi::String>().Utf8Value().empty()) throw Napi::TypeError::New(env, "syncDirectory(dir: string)");
  return FileJob::queue(new SyncDirectoryJob(env, info[0].As<Napi::String>().Utf8Value()));
}

}  // namespace

void defineDurableWrite(Napi::Env env, Napi::Object exports) {
  exports.Set("writeDurably", Napi::Function::New(env, WriteDurably, "writeDurably"));
  exports.Set("syncDirectory", Napi::Function::New(env, SyncDirectory, "syncDirectory"));
}

}  // namespace scriptlet
