// The record of an API key's use (API_KEY_USED and last_used_at), for uses that could not write it
// when the key was authenticated because the transaction was read-only then (identity.hpp).
#pragma once

namespace koba::context {

// Writes the pending record of this transaction's key use, if there is one. The audit writer
// calls it before every audit row, so that whatever a key's transaction writes follows the
// record of its use in the trail.
void record_pending_key_use();

}  // namespace koba::context
