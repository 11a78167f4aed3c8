// The MIME trees of a call: parsed on first use, the writable one rendered
// back into the message after each edit, and the decoded text of a part
// (the hook msgpart:text_match / msg:text_match build on).
#pragma once

#include <string>

#include "../call_context.hpp"
#include "mime_text.hpp"

namespace scriptlet {

// The read-only tree of the message as it stands, or null before DATA.
MimeTree* readOnlyTree(CallContext* call);
// The call's writable tree (made from the message on first use), or null.
MimeTree* writableTree(CallContext* call);
// Renders the writable tree into the message: the view then reads it, the
// verdict carries it (messageReplaced), older read-only parts go stale.
void commitWritableTree(CallContext* call);
// Anything else that points the message view at other bytes (a whole-body
// replacement) must call this first: read-only parts then raise instead of
// reading offsets into bytes that are gone. (The writable tree has its own copy.)
void forgetReadOnlyTree(CallContext* call);
// Both trees, for a replacement of the whole message made outside the tree
// (msg:body_replace, msg:raw_replace): the writable tree's parts then raise
// too, and msg:mime(false) makes a new one from the new message, rather than
// a later tree edit rendering the old bytes over the replacement.
void forgetMimeTrees(CallContext* call);

}  // namespace scriptlet
