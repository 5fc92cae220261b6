// Signature checks exposed to SQL.
#include "core/errors.hpp"
#include "core/hmac.hpp"
#include "pg/args.hpp"
#include "pg/guard.hpp"

using namespace koba;

// verify_hmac_sha256(secret bytea, message bytea, signature_hex text) RETURNS boolean:
// constant-time comparison; a signature that is not 64 hex digits is simply false.
KOBA_FUNCTION(kobatela_verify_hmac_sha256) {
    const pg::Args args(fcinfo);
    const std::string secret = args.bounded_bytea(0, "secret", 4096);
    if (secret.empty())
        throw core::Error(core::ErrorCode::INVALID_ARGUMENT, "secret must not be empty.");
    return BoolGetDatum(core::verify_hmac_sha256_hex(secret, args.bounded_bytea(1, "message", 1024 * 1024),
                                                     args.bounded_text(2, "signature_hex", 256)));
}
