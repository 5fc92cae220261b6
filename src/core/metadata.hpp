// Metadata: the application's own references on the objects it creates (users, transactions,
// escrows, payments), as Stripe's objects carry them (docs/reference.md, "Metadata"). Kobatela
// stores and returns them and decides nothing on them; this is their one rule: a flat JSON object
// within Stripe's bounds, so that nobody stores megabytes or trees in a row and in the audit trail.
#pragma once

#include <cstddef>
#include <string_view>

namespace koba::core {

inline constexpr std::size_t kMetadataMaxKeys = 50;
inline constexpr std::size_t kMetadataMaxKeyChars = 40;      // characters (code points), not bytes
inline constexpr std::size_t kMetadataMaxStringChars = 500;  // of a string value
inline constexpr std::size_t kMetadataMaxBytes = 8192;       // of the document's text, as jsonb prints it

// What an object carries when its call was given no metadata (NULL or omitted).
inline constexpr std::string_view kNoMetadata = "{}";

// INVALID_METADATA unless `json` (a JSON text, as jsonb prints it) is an object of at most
// kMetadataMaxKeys keys, each of 1 to kMetadataMaxKeyChars characters, each value a string of at
// most kMetadataMaxStringChars characters, a number or a boolean (no object, array or null), the
// whole at most kMetadataMaxBytes bytes. The DETAIL names what is wrong and the key it is wrong
// in (at most its first 40 characters), never a value.
void require_metadata(std::string_view json);

// INVALID_METADATA "metadata is larger than 8192 bytes." when `bytes` is over the bound: for a
// caller that can tell before the document is printed.
void require_metadata_size(std::size_t bytes);

}  // namespace koba::core
