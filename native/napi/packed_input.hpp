// Call inputs packed by the worker pool's calling thread
// (src/pool/wire-inputs.ts), read in the worker without a JS object per call.
//
// A batch is one Int32Array. Its header (six ints where the caller says)
// gives the count of calls, where their layout and their facts start, where
// their verdicts are to be written (apart from all the rest, so that writing
// a call's verdict cannot change a call still to run), and where its text
// lies: UTF-16 units, little-endian, two an int (as Buffer.write(text,
// 'utf16le') puts them), read in place. Per call, at layoutAt + i * 5:
// where its facts start (from factsAt), where its text starts, and its
// message as the address (low, high 32 bits) and length of the caller's own
// bytes (-1: no message). The facts: a mask of the fields present (kPacked*
// below), then in the order of the bits, for a string its length in UTF-16
// units (the text follows in the batch's text), for a port its value, for
// rcptto its count and lengths, for a context its count and (key length,
// value length) pairs.
//
// The message is read in place, from the calling thread's memory, as
// fs.write reads a Buffer from the thread pool: the engine holds the Buffer
// until the worker's task has ended, and the caller must not change or
// transfer it until the call is answered (docs/threads.md). Only the engine
// writes these batches; the reader still checks every offset, and reads
// what falls outside the batch as absent.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "../call_context.hpp"

namespace scriptlet {

constexpr int kPackedLayout = 5;

// Where a packed batch's parts lie: the six ints of its header, in order.
struct PackedHeader {
  int32_t count, layoutAt, factsAt, verdictsAt, textAt, textLength;
  static constexpr int kInts = 6;
  // Its text, in place.
  std::u16string_view text(const int32_t* ints) const {
    return {reinterpret_cast<const char16_t*>(ints + textAt), static_cast<size_t>(textLength)};
  }
};

// Reads the header at ints[headerAt] of a batch of length ints (at most
// maxCalls calls, verdictInts ints a verdict) and checks that every part
// lies inside, the verdicts past the rest: "" if so, else what is wrong.
std::string readPackedHeader(const int32_t* ints, size_t length, int64_t headerAt, uint32_t maxCalls, int verdictInts,
                             PackedHeader& out);

enum PackedField : int32_t {
  kPackedId = 1,
  kPackedMailfrom = 2,
  kPackedRcptto = 4,
  kPackedRcpt = 8,
  kPackedHelo = 16,
  kPackedRemoteAddr = 32,
  kPackedRemotePort = 64,
  kPackedLocalAddr = 128,
  kPackedLocalPort = 256,
  kPackedConn = 512,
  kPackedMess = 1024,
  kPackedConnId = 2048,
};

class PackedBatch {
 public:
  // ints: the batch's numbers, of which length are the calls'; text: its
  // text, read (in place) only when a call asks for a fact.
  PackedBatch(const int32_t* ints, size_t length, int32_t layoutAt, int32_t factsAt, std::u16string_view text);

  // False when call i's layout points outside the batch (then nothing runs).
  bool layoutValid(uint32_t i) const;
  // Sets up call i: its message, and loaders for its facts and contexts.
  // The loaders read this batch: it must outlive the call's synchronous run
  // (a call that suspends loads everything first: CallContext::loadEverything).
  void readCall(uint32_t i, CallContext* call);

 private:
  struct Cursor;
  const int32_t* slot(uint32_t i) const { return ints_ + layoutAt_ + static_cast<size_t>(i) * kPackedLayout; }
  // Walks call i's facts in order, filling what is asked for (null: skipped).
  void walk(uint32_t i, CallContext* facts, ContextMap::Entries* conn, ContextMap::Entries* mess);

  const int32_t* ints_;
  size_t length_;
  int32_t layoutAt_, factsAt_;
  std::u16string_view text_;
};

// UTF-8 of UTF-16 units, a lone surrogate as U+FFFD (as V8 writes it).
std::string utf8FromUtf16(const char16_t* units, size_t n);

}  // namespace scriptlet
