// libFuzzer target: the metadata rule never crashes, refuses only with INVALID_METADATA, and never
// accepts a text larger than its bound or one that does not start as an object.
#include "core/errors.hpp"
#include "core/metadata.hpp"

#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
    using namespace koba::core;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        require_metadata(text);
        if (text.size() > kMetadataMaxBytes || text.find('{') == std::string_view::npos) std::abort();
    } catch (const Error& e) {
        if (e.code() != ErrorCode::INVALID_METADATA) std::abort();
    }
    return 0;
}
