// docs/reference.md documents exactly the functions the install script declares: a new function
// without a section, or a section for a function that is gone, fails here.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The identifiers that follow each occurrence of `prefix` (e.g. "kobatela." -> "create_user").
std::set<std::string> names_after(const std::string& text, const std::string& prefix) {
    std::set<std::string> names;
    for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
        size_t end = at + prefix.size();
        while (end < text.size() && (std::islower(static_cast<unsigned char>(text[end])) ||
                                     std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '_'))
            end++;
        if (end < text.size() && text[end] == '(') names.insert(text.substr(at + prefix.size(), end - at - prefix.size()));
    }
    return names;
}

}  // namespace

TEST(Docs, ReferenceDocumentsExactlyTheDeclaredFunctions) {
    std::set<std::string> functions;
    for (const auto& entry : std::filesystem::directory_iterator(KOBA_SQL_DIR)) {
        if (entry.path().extension() != ".sql") continue;
        for (const std::string& name : names_after(read_file(entry.path()), "CREATE FUNCTION kobatela.")) functions.insert(name);
    }
    ASSERT_GT(functions.size(), 10u) << "no function declarations found in " << KOBA_SQL_DIR;

    const std::string reference = read_file(std::filesystem::path(KOBA_DOCS_DIR) / "reference.md");
    const std::set<std::string> documented = names_after(reference, "\n### `kobatela.");

    for (const std::string& name : functions)
        EXPECT_TRUE(documented.count(name)) << "kobatela." << name << " has no section in docs/reference.md";
    for (const std::string& name : documented)
        EXPECT_TRUE(functions.count(name)) << "docs/reference.md documents kobatela." << name
                                           << ", which sql/ does not declare";
}
