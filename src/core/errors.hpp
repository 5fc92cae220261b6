// The error catalogue: every error Kobatela raises on purpose has one row here.
//
// MESSAGE of the SQL error is the stable code (e.g. DAILY_LIMIT_REACHED), DETAIL a sentence
// for humans, SQLSTATE "PT" + the HTTP status PostgREST should answer with. docs/errors.md
// lists the same rows; a unit test fails when the two drift apart.
//
// Pure C++: no PostgreSQL header may be included here.
//
// Errors about credentials (UNAUTHORIZED, INVALID_SIGNATURE) are raised without the failing
// statement in the server log, whose text may hold the credential: see hides_statement().
#pragma once

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

namespace koba::core {

// X(name, http_status, sqlstate, default detail)
#define KOBA_ERROR_CATALOGUE(X)                                                                    \
    /* 400: the request itself is malformed */                                                     \
    X(INVALID_ARGUMENT, 400, "PT400", "A required argument is missing or malformed.")              \
    X(BAD_AMOUNT, 400, "PT400",                                                                    \
      "The amount must be a positive number with at most 2 decimals and at most 16 integer digits.") \
    X(INVALID_CURRENCY, 400, "PT400", "The currency is not an accepted 3-letter code.")            \
    X(FRACTIONAL_AMOUNT, 400, "PT400", "The amount has more decimals than its currency's minor unit.") \
    X(CURRENCY_NOT_SUPPORTED, 400, "PT400",                                                        \
      "The currency is unknown to ICU or has more than 2 decimals, so it cannot be enabled.")       \
    X(INVALID_EMAIL, 400, "PT400", "The e-mail address is not valid.")                             \
    X(INVALID_LEVEL, 400, "PT400", "The certification level must be BASIC or GOLD.")               \
    X(INVALID_JSON, 400, "PT400", "The JSON document is malformed or has the wrong shape.")        \
    X(INVALID_COORDINATES, 400, "PT400", "Latitude, longitude or radius is out of range.")         \
    X(INVALID_DECISION, 400, "PT400", "The decision must be 'approved' or 'rejected'.")            \
    X(INVALID_USAGE_RULE, 400, "PT400", "Exactly one of merchant_id and category_id must be given.") \
    X(MANDATE_EXPIRES_IN_PAST, 400, "PT400", "The mandate would already be expired.")              \
    X(INVALID_LIMIT, 400, "PT400", "The limit must be between 1 and 1000.")                        \
    X(INVALID_CURSOR, 400, "PT400", "The cursor is malformed or belongs to another list.")         \
    X(INVALID_METADATA, 400, "PT400",                                                              \
      "Metadata must be a JSON object of at most 50 keys of 1 to 40 characters, each value a string of at most 500 characters, a number or a boolean, at most 8192 bytes in all.") \
    /* 401: who is calling is unknown */                                                           \
    X(UNAUTHORIZED, 401, "PT401", "A valid API key is required.")                                  \
    X(INVALID_SIGNATURE, 401, "PT401", "The webhook signature is not valid.")                      \
    /* 403: the caller may not do this */                                                          \
    X(INSUFFICIENT_SCOPE, 403, "PT403", "The API key's scope does not allow this call.")           \
    X(MANDATE_REQUIRED, 403, "PT403", "No active mandate covers this purchase.")                   \
    X(MANDATE_MERCHANT_FORBIDDEN, 403, "PT403", "The mandate does not allow this merchant.")       \
    X(MANDATE_CATEGORY_FORBIDDEN, 403, "PT403", "The mandate does not allow this category.")       \
    X(UNAUTHORIZED_USAGE, 403, "PT403", "The beneficiary may not spend at this merchant.")         \
    X(PAYEE_NOT_ALLOWED, 403, "PT403", "The payee is not allowed for this escrow.")                \
    X(NOT_A_PARTY, 403, "PT403", "The caller's user is not a party to this object.")              \
    X(AUDIT_LOG_APPEND_ONLY, 403, "PT403", "The audit log is append-only.")                        \
    X(TRIGGER_NOT_ALLOWED, 403, "PT403", "Kobatela's trigger functions run only on Kobatela's own tables.") \
    X(BOOKS_WRITE_REFUSED, 403, "PT403", "Money rows are written only by Kobatela's functions.")    \
    /* 404: an id names nothing */                                                                 \
    X(USER_NOT_FOUND, 404, "PT404", "User not found.")                                             \
    X(APIKEY_NOT_FOUND, 404, "PT404", "API key not found.")                                        \
    X(TRANSACTION_NOT_FOUND, 404, "PT404", "Transaction not found.")                               \
    X(ESCROW_NOT_FOUND, 404, "PT404", "Escrow not found.")                                         \
    X(MILESTONE_NOT_FOUND, 404, "PT404", "Milestone not found.")                                   \
    X(PROOF_NOT_FOUND, 404, "PT404", "Proof not found.")                                           \
    X(PAYMENT_NOT_FOUND, 404, "PT404", "Payment not found.")                                       \
    X(MERCHANT_NOT_FOUND, 404, "PT404", "Merchant not found.")                                     \
    X(CATEGORY_NOT_FOUND, 404, "PT404", "Spend category not found.")                               \
    X(PURCHASE_NOT_FOUND, 404, "PT404", "Purchase not found.")                                     \
    /* 405: the call writes, and this server or transaction only reads (core/read_only.hpp). */  \
    /* PostgreSQL's own SQLSTATE for it (read_only_sql_transaction), which PostgREST answers 405. */ \
    X(READ_ONLY, 405, "25006",                                                                     \
      "This call writes, and the transaction is read-only: writes go to the primary, in a read-write transaction.") \
    /* 409: the request conflicts with the current state */                                        \
    X(USER_EXISTS, 409, "PT409", "A user with this username or e-mail already exists.")            \
    X(IDEMPOTENCY_CONFLICT, 409, "PT409",                                                          \
      "This idempotency key was already used with a different request.")                          \
    X(INVALID_TRANSITION, 409, "PT409", "This action is not allowed in the current status.")       \
    X(MILESTONE_EXISTS, 409, "PT409", "The escrow already has a milestone with this index.")       \
    X(MILESTONE_EXCEEDS_TOTAL, 409, "PT409", "Milestone amounts would exceed the escrow total.")   \
    X(ESCROW_NOT_ACTIVE, 409, "PT409", "The escrow is closed.")                                    \
    X(DEPOSIT_EXCEEDS_TOTAL, 409, "PT409", "Deposits would exceed the escrow total.")              \
    X(NO_OPEN_MILESTONE, 409, "PT409", "The escrow has no open milestone.")                        \
    X(MILESTONE_NOT_WAITING, 409, "PT409", "The milestone is not waiting for a proof.")            \
    X(PROOF_EXISTS, 409, "PT409", "A proof with this sha256 already exists.")                      \
    X(PROOF_ALREADY_APPROVED, 409, "PT409", "The proof is already approved.")                      \
    X(PROOF_ALREADY_REJECTED, 409, "PT409", "The proof is already rejected.")                      \
    X(INSUFFICIENT_ESCROW_BALANCE, 409, "PT409", "The escrow balance is too low for this payout.") \
    X(PAYMENT_IN_ERROR, 409, "PT409", "The payment failed; use a new idempotency key to retry.")   \
    X(ACTIVE_MANDATE_EXISTS, 409, "PT409",                                                         \
      "An active mandate already exists for this sender, beneficiary and currency.")               \
    X(CATEGORY_EXISTS, 409, "PT409", "A spend category with this code already exists.")            \
    X(MERCHANT_EXISTS, 409, "PT409", "A merchant with this name already exists.")                  \
    X(MANDATE_CONFLICT, 409, "PT409", "The mandate cannot cover this amount.")                     \
    X(REFUND_EXCEEDS_PURCHASE, 409, "PT409", "Refunds would exceed the purchase amount.")          \
    X(PAYEE_ALREADY_ALLOWED, 409, "PT409", "The payee is already allowed for this escrow.")        \
    X(DAILY_LIMIT_REACHED, 409, "PT409", "The payee's daily limit would be exceeded.")             \
    X(TOTAL_LIMIT_REACHED, 409, "PT409", "The payee's total limit would be exceeded.")             \
    X(TWO_PHASE_NOT_SUPPORTED, 409, "PT409",                                                       \
      "A transaction that wrote audited rows cannot be prepared for two-phase commit.")           \
    X(PSP_REF_MISMATCH, 409, "PT409",                                                              \
      "The PSP reference reported is not the payment's: the report is about another payment.")     \
    X(PAYOUT_NOT_QUEUED, 409, "PT409",                                                             \
      "The payment has no hand-off to the PSP (never sent, or sent before 0.8.0: queue_payout).")  \
    /* 422: well-formed, but the evidence does not hold */                                         \
    X(SEQUENCE_ERROR, 422, "PT422", "The previous milestone is not paid yet.")                     \
    X(GEOFENCE_VIOLATION, 422, "PT422", "The photo was taken outside the milestone's geofence.")   \
    X(MISSING_EXIF_TIMESTAMP, 422, "PT422", "The photo has no readable EXIF timestamp.")           \
    X(STALE_TIMESTAMP, 422, "PT422", "The photo is too old.")                                      \
    X(FUTURE_TIMESTAMP, 422, "PT422", "The photo is dated in the future.")                         \
    X(MISSING_GPS, 422, "PT422", "The photo has no GPS position.")                                 \
    /* 5xx: the server cannot serve the request */                                                 \
    X(INTERNAL_ERROR, 500, "PT500", "An unexpected internal error occurred.")                      \
    X(OUT_OF_MEMORY, 503, "53200", "The server ran out of memory.")                                \
    X(PSP_SECRET_MISSING, 503, "PT503", "The PSP webhook secret (kobatela.psp_webhook_secret_file) is not configured.") \
    X(APIKEY_PEPPER_MISSING, 503, "PT503", "The API key pepper (kobatela.api_key_pepper_file) is not configured.") \
    X(PG_CRON_UNAVAILABLE, 503, "PT503",                                                           \
      "pg_cron is not available to schedule Kobatela's maintenance jobs.")                         \
    X(LIBRARY_NOT_PRELOADED, 503, "PT503", "Kobatela's library is not in shared_preload_libraries.") \
    X(EXTENSION_VERSION_MISMATCH, 503, "PT503",                                                    \
      "This database's Kobatela and the server's library are not the same version.")

enum class ErrorCode {
#define KOBA_ERROR_ENUM(name, http, sqlstate, detail) name,
    KOBA_ERROR_CATALOGUE(KOBA_ERROR_ENUM)
#undef KOBA_ERROR_ENUM
};

struct ErrorInfo {
    ErrorCode code;
    const char* name;      // the stable code, used as MESSAGE
    int http_status;       // what PostgREST answers
    const char* sqlstate;  // five characters
    const char* detail;    // default DETAIL when the raiser gives none
};

// The whole catalogue, in declaration order.
const ErrorInfo* error_catalogue(std::size_t* count) noexcept;
const ErrorInfo& error_info(ErrorCode code) noexcept;

// True for errors whose statement text may contain a secret (an API key, a signature): the bridge
// raises them with errhidestmt so the statement does not reach the server log.
bool hides_statement(ErrorCode code) noexcept;

// The exception every layer throws for a catalogued error. The bridge turns it into
// ereport(ERROR) with MESSAGE = code name, DETAIL = detail (or the catalogue's default) and, when
// given, HINT = hint: what the caller can do about it (never anything about another party's data).
class Error : public std::exception {
public:
    explicit Error(ErrorCode code, std::string detail = {}, std::string hint = {})
        : code_(code), detail_(std::move(detail)), hint_(std::move(hint)) {}
    ErrorCode code() const noexcept { return code_; }
    // The human sentence: the raiser's, else the catalogue's default.
    const char* detail() const noexcept;
    // Guidance for the caller; "" when there is none.
    const char* hint() const noexcept { return hint_.c_str(); }
    const char* what() const noexcept override;

private:
    ErrorCode code_;
    std::string detail_;
    std::string hint_;
};

}  // namespace koba::core
