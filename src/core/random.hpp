// Cryptographically strong random bytes (OpenSSL's RAND_bytes), for what must not be guessed: API
// keys, the random part of system-made references.
#pragma once

#include <cstddef>

namespace koba::core {

// Fills out[0..n). Throws std::runtime_error if OpenSSL fails.
void random_bytes(unsigned char* out, std::size_t n);

}  // namespace koba::core
