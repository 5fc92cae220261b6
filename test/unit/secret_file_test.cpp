#include "core/secret_file.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace koba::core;

namespace {

// A file in a fresh temporary directory, removed at the end of the test.
class TempFile {
public:
    explicit TempFile(const std::string& content, mode_t mode = 0600) {
        char dir_template[] = "/tmp/kobatela-secret-XXXXXX";
        dir_ = mkdtemp(dir_template);
        path_ = dir_ + "/secret";
        std::ofstream(path_) << content;
        chmod(path_.c_str(), mode);
    }
    ~TempFile() {
        std::remove(path_.c_str());
        rmdir(dir_.c_str());
    }
    const char* path() const { return path_.c_str(); }
    const std::string& dir() const { return dir_; }

private:
    std::string dir_;
    std::string path_;
};

}  // namespace

TEST(SecretFile, PostgresRuleForPrivateKeys) {
    const uid_t server = 1000;
    EXPECT_EQ(secret_file_mode_problem(server, S_IFREG | 0600, server), SecretFileProblem::Ok);
    EXPECT_EQ(secret_file_mode_problem(server, S_IFREG | 0400, server), SecretFileProblem::Ok);
    EXPECT_EQ(secret_file_mode_problem(server, S_IFREG | 0640, server), SecretFileProblem::TooOpen);
    EXPECT_EQ(secret_file_mode_problem(server, S_IFREG | 0604, server), SecretFileProblem::TooOpen);
    EXPECT_EQ(secret_file_mode_problem(server, S_IFREG | 0610, server), SecretFileProblem::TooOpen);
    EXPECT_EQ(secret_file_mode_problem(0, S_IFREG | 0640, server), SecretFileProblem::Ok);  // root, group read
    EXPECT_EQ(secret_file_mode_problem(0, S_IFREG | 0660, server), SecretFileProblem::TooOpen);
    EXPECT_EQ(secret_file_mode_problem(0, S_IFREG | 0644, server), SecretFileProblem::TooOpen);
    EXPECT_EQ(secret_file_mode_problem(1001, S_IFREG | 0600, server), SecretFileProblem::WrongOwner);
}

TEST(SecretFile, ReadsTheSecretWithoutTrailingLineBreaks) {
    const TempFile file("whsec_abc \t\r\n\n");
    const SecretFileRead read = read_secret_file(file.path(), geteuid());
    EXPECT_EQ(read.problem, SecretFileProblem::Ok);
    EXPECT_EQ(read.value, "whsec_abc");
    EXPECT_TRUE(stat_secret_file(file.path(), geteuid()).version == read.version);
    const TempFile inner(" in\nside ");
    EXPECT_EQ(read_secret_file(inner.path(), geteuid()).value, " in\nside");  // only the end is trimmed
}

TEST(SecretFile, EmptyIsEmpty) {
    const TempFile file("\n");
    const SecretFileRead read = read_secret_file(file.path(), geteuid());
    EXPECT_EQ(read.problem, SecretFileProblem::Ok);
    EXPECT_EQ(read.value, "");
}

TEST(SecretFile, RefusesWhatTheServerCannotTrust) {
    const TempFile open_file("s", 0644);
    EXPECT_EQ(read_secret_file(open_file.path(), geteuid()).problem, SecretFileProblem::TooOpen);
    EXPECT_EQ(read_secret_file(open_file.path(), geteuid()).value, "");
    const TempFile big(std::string(kMaxSecretFileBytes + 1, 'x'));
    EXPECT_EQ(read_secret_file(big.path(), geteuid()).problem, SecretFileProblem::TooLarge);
    const TempFile just_fits(std::string(kMaxSecretFileBytes, 'x'));
    EXPECT_EQ(read_secret_file(just_fits.path(), geteuid()).value.size(), kMaxSecretFileBytes);
    EXPECT_EQ(read_secret_file("/nonexistent/kobatela/secret", geteuid()).problem, SecretFileProblem::Missing);
    EXPECT_EQ(read_secret_file(open_file.dir().c_str(), geteuid()).problem, SecretFileProblem::NotAFile);
    // Owned by someone who is neither the server's user nor root (as root: give the file away).
    const TempFile other("s");
    if (geteuid() == 0) {
        ASSERT_EQ(chown(other.path(), 65534, 65534), 0);
        EXPECT_EQ(read_secret_file(other.path(), geteuid()).problem, SecretFileProblem::WrongOwner);
    } else {
        EXPECT_EQ(read_secret_file(other.path(), geteuid() + 1).problem, SecretFileProblem::WrongOwner);
    }
}

TEST(SecretFile, AnotherVersionIsSeen) {
    const TempFile file("one");
    const FileVersion before = stat_secret_file(file.path(), geteuid()).version;
    std::ofstream(file.path()) << "longer";  // same inode, other size
    EXPECT_FALSE(stat_secret_file(file.path(), geteuid()).version == before);
}

TEST(SecretFile, ProblemsReadAsSentences) {
    EXPECT_EQ(secret_file_problem_text(SecretFileProblem::Missing), "does not exist");
    EXPECT_EQ(secret_file_problem_text(SecretFileProblem::TooLarge), "is larger than 4096 bytes");
}

TEST(SecretFile, WipeClears) {
    std::string secret = "pepper";
    wipe(secret);
    EXPECT_TRUE(secret.empty());
}
