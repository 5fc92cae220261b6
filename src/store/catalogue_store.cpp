#include "store/catalogue_store.hpp"

#include "audit/audit.hpp"
#include "core/errors.hpp"
#include "store/new_row.hpp"

namespace koba::store {

using core::Error;
using core::ErrorCode;

void require_category(pg::Spi& spi, int64_t category_id) {
    static pg::Statement find{"SELECT 1 FROM kobatela.spend_categories WHERE id = $1", {INT8OID}};
    if (spi.run(find, pg::Params().int8(category_id), 1).empty())
        throw Error(ErrorCode::CATEGORY_NOT_FOUND, "Spend category " + std::to_string(category_id) + " not found.");
}

Merchant find_merchant(pg::Spi& spi, int64_t merchant_id) {
    static pg::Statement find{"SELECT category_id, is_certified FROM kobatela.merchants WHERE id = $1", {INT8OID}};
    const pg::Result r = spi.run(find, pg::Params().int8(merchant_id), 1);
    if (r.empty()) throw Error(ErrorCode::MERCHANT_NOT_FOUND, "Merchant " + std::to_string(merchant_id) + " not found.");
    return Merchant{merchant_id, r.opt_int8(0, r.column("category_id")), r.boolean(0, r.column("is_certified"))};
}

Datum insert_category(pg::Spi& spi, const std::string& code, const std::string& label, FunctionCallInfo fcinfo) {
    static pg::Statement insert{
        "INSERT INTO kobatela.spend_categories (code, label) VALUES ($1, $2) "
        "ON CONFLICT (code) DO NOTHING RETURNING *",
        {TEXTOID, TEXTOID}};
    return insert_new_row(spi, insert, pg::Params().text(code).text(label), "CATEGORY_CREATED",
                          ErrorCode::CATEGORY_EXISTS, fcinfo);
}

Datum insert_merchant(pg::Spi& spi, const NewMerchant& merchant, FunctionCallInfo fcinfo) {
    static pg::Statement insert{
        "INSERT INTO kobatela.merchants (name, category_id, is_certified) VALUES ($1, $2, $3) "
        "ON CONFLICT (name) DO NOTHING RETURNING *",
        {TEXTOID, INT8OID, BOOLOID}};
    return insert_new_row(spi, insert,
                          pg::Params().text(merchant.name).opt_int8(merchant.category_id).boolean(merchant.is_certified),
                          "MERCHANT_CREATED", ErrorCode::MERCHANT_EXISTS, fcinfo);
}

bool insert_usage_rule(pg::Spi& spi, const NewUsageRule& rule) {
    // Each target has its own partial unique index, hence two statements.
    static pg::Statement insert_merchant{
        "INSERT INTO kobatela.allowed_usages (owner_id, merchant_id, sender_id) VALUES ($1, $2, $3) "
        "ON CONFLICT (owner_id, sender_id, merchant_id) WHERE merchant_id IS NOT NULL DO NOTHING RETURNING id",
        {INT8OID, INT8OID, INT8OID}};
    static pg::Statement insert_category{
        "INSERT INTO kobatela.allowed_usages (owner_id, category_id, sender_id) VALUES ($1, $2, $3) "
        "ON CONFLICT (owner_id, sender_id, category_id) WHERE category_id IS NOT NULL DO NOTHING RETURNING id",
        {INT8OID, INT8OID, INT8OID}};
    const audit::AuditReason reason("USAGE_ALLOWED");
    pg::Params values;
    values.int8(rule.owner_id).int8(rule.merchant_id ? *rule.merchant_id : rule.category_id.value()).opt_int8(rule.sender_id);
    return !spi.run(rule.merchant_id ? insert_merchant : insert_category, std::move(values)).empty();
}

}  // namespace koba::store
