#include "core/read_only.hpp"

namespace koba::core {

ReadOnlyCause read_only_cause(bool in_recovery) noexcept {
    return in_recovery ? ReadOnlyCause::Standby : ReadOnlyCause::ReadOnlyTransaction;
}

ReadOnlyTexts read_only_texts(ReadOnlyCause cause) noexcept {
    switch (cause) {
        case ReadOnlyCause::Standby:
            return {"This server is a hot standby: it serves reads only, and this call writes.",
                    "Send writes to the primary. A standby serves the gets, the lists, events_since, "
                    "verify_audit_chain and health."};
        case ReadOnlyCause::ReadOnlyTransaction:
            break;
    }
    return {"This call writes, and the transaction is read-only.",
            "Call it in a read-write transaction on the primary (with PostgREST: POST, not GET)."};
}

Error read_only_error(ReadOnlyCause cause) {
    const ReadOnlyTexts texts = read_only_texts(cause);
    return Error(ErrorCode::READ_ONLY, texts.detail, texts.hint);
}

std::optional<Error> refuse_write_elsewhere(bool transaction_read_only, bool in_recovery) {
    if (!transaction_read_only && !in_recovery) return std::nullopt;
    return read_only_error(read_only_cause(in_recovery));
}

bool is_read_only_sqlstate(std::string_view sqlstate) noexcept { return sqlstate == "25006"; }

}  // namespace koba::core
