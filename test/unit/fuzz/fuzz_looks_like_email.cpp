// libFuzzer target: the e-mail check must never crash; accepted addresses have exactly one '@'.
#include "core/text_rules.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
    using namespace koba::core;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (looks_like_email(text) && std::count(text.begin(), text.end(), '@') != 1) std::abort();
    (void)valid_utf8(text);
    (void)excerpt(text, 10);
    return 0;
}
