#include "core/metadata.hpp"

#include "core/errors.hpp"

#include <string>

namespace koba::core {

namespace {

[[noreturn]] void refuse(const std::string& detail) { throw Error(ErrorCode::INVALID_METADATA, detail); }
[[noreturn]] void malformed() { refuse("metadata is not valid JSON."); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }
// A hexadecimal digit's value; malformed() for any other character.
unsigned hex_value(char c) {
    if (is_digit(c)) return static_cast<unsigned>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
    malformed();
}
bool starts_code_point(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

// A key as the DETAIL shows it: quoted, its JSON text cut after kMetadataMaxKeyChars characters.
std::string shown(std::string_view key_text) {
    std::size_t chars = 0;
    std::size_t end = 0;
    for (; end < key_text.size(); ++end) {
        if (starts_code_point(key_text[end]) && chars++ == kMetadataMaxKeyChars) break;
    }
    return "\"" + std::string(key_text.substr(0, end)) + (end < key_text.size() ? "...\"" : "\"");
}

// Reads one JSON text from left to right; anything that is not JSON is malformed().
class Scanner {
public:
    explicit Scanner(std::string_view text) : s_(text) {}

    void skip_space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    bool at_end() const { return i_ >= s_.size(); }
    char peek() const { return at_end() ? '\0' : s_[i_]; }
    void expect(char c) {
        if (peek() != c || at_end()) malformed();
        ++i_;
    }

    // A string, at its opening quote: its length in characters (an escape is one, a surrogate
    // pair of escapes one); *text is what stands between its quotes.
    std::size_t string(std::string_view* text) {
        expect('"');
        const std::size_t begin = i_;
        std::size_t chars = 0;
        while (true) {
            if (at_end()) malformed();
            const char c = s_[i_];
            if (c == '"') break;
            if (static_cast<unsigned char>(c) < 0x20) malformed();
            if (c != '\\') {
                chars += starts_code_point(c);
                ++i_;
                continue;
            }
            const char e = i_ + 1 < s_.size() ? s_[i_ + 1] : '\0';
            if (e == 'u') {
                if (i_ + 6 > s_.size()) malformed();
                unsigned unit = 0;  // the UTF-16 code unit
                for (std::size_t h = i_ + 2; h < i_ + 6; ++h) unit = unit * 16 + hex_value(s_[h]);
                chars += !(unit >= 0xDC00 && unit <= 0xDFFF);  // a pair's second half
                i_ += 6;
            } else if (std::string_view("\"\\/bfnrt").find(e) != std::string_view::npos && e != '\0') {
                ++chars;
                i_ += 2;
            } else {
                malformed();
            }
        }
        *text = s_.substr(begin, i_ - begin);
        ++i_;  // the closing quote
        return chars;
    }

    // -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
    void number() {
        if (peek() == '-') ++i_;
        if (peek() == '0') {
            ++i_;
        } else {
            if (!is_digit(peek())) malformed();
            while (is_digit(peek())) ++i_;
        }
        if (peek() == '.') {
            ++i_;
            if (!is_digit(peek())) malformed();
            while (is_digit(peek())) ++i_;
        }
        if (peek() == 'e' || peek() == 'E') {
            ++i_;
            if (peek() == '+' || peek() == '-') ++i_;
            if (!is_digit(peek())) malformed();
            while (is_digit(peek())) ++i_;
        }
    }

    void word(std::string_view w) {
        if (s_.substr(i_, w.size()) != w) malformed();
        i_ += w.size();
    }

private:
    std::string_view s_;
    std::size_t i_ = 0;
};

// What a JSON value is, from its first character.
enum class Kind { Object, Array, String, Number, Boolean, Null };
Kind kind_at(char c) {
    switch (c) {
        case '{': return Kind::Object;
        case '[': return Kind::Array;
        case '"': return Kind::String;
        case 't':
        case 'f': return Kind::Boolean;
        case 'n': return Kind::Null;
        default:
            if (c == '-' || is_digit(c)) return Kind::Number;
            malformed();
    }
}
const char* kind_name(Kind k) {
    switch (k) {
        case Kind::Object: return "an object";
        case Kind::Array: return "an array";
        case Kind::String: return "a string";
        case Kind::Number: return "a number";
        case Kind::Boolean: return "a boolean";
        case Kind::Null: return "null";
    }
    return "";
}

// One member's value: a string within its bound, a number or a boolean.
void value(Scanner& in, std::string_view key) {
    const Kind kind = kind_at(in.peek());
    std::string_view text;
    switch (kind) {
        case Kind::String:
            if (in.string(&text) > kMetadataMaxStringChars)
                refuse("The value of metadata key " + shown(key) + " is longer than " +
                       std::to_string(kMetadataMaxStringChars) + " characters.");
            return;
        case Kind::Number: in.number(); return;
        case Kind::Boolean: in.word(in.peek() == 't' ? "true" : "false"); return;
        case Kind::Object:
        case Kind::Array:
        case Kind::Null:
            refuse("The value of metadata key " + shown(key) + " is " + kind_name(kind) +
                   ": values are strings, numbers or booleans.");
    }
}

}  // namespace

void require_metadata_size(std::size_t bytes) {
    if (bytes > kMetadataMaxBytes) refuse("metadata is larger than " + std::to_string(kMetadataMaxBytes) + " bytes.");
}

void require_metadata(std::string_view json) {
    require_metadata_size(json.size());
    Scanner in(json);
    in.skip_space();
    const Kind kind = kind_at(in.peek());
    if (kind != Kind::Object) refuse(std::string("metadata must be a JSON object, not ") + kind_name(kind) + ".");
    in.expect('{');
    in.skip_space();
    std::size_t keys = 0;
    if (in.peek() == '}') {
        in.expect('}');
    } else {
        while (true) {
            in.skip_space();
            std::string_view key;
            const std::size_t key_chars = in.string(&key);
            if (++keys > kMetadataMaxKeys)
                refuse("metadata has more than " + std::to_string(kMetadataMaxKeys) + " keys.");
            if (key_chars == 0) refuse("metadata has an empty key.");
            if (key_chars > kMetadataMaxKeyChars)
                refuse("metadata key " + shown(key) + " is longer than " + std::to_string(kMetadataMaxKeyChars) +
                       " characters.");
            in.skip_space();
            in.expect(':');
            in.skip_space();
            value(in, key);
            in.skip_space();
            if (in.peek() == '}') {
                in.expect('}');
                break;
            }
            in.expect(',');
        }
    }
    in.skip_space();
    if (!in.at_end()) malformed();
}

}  // namespace koba::core
