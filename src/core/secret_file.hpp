// Secrets kept in files, the way PostgreSQL keeps its own (ssl_key_file): a setting names a file
// that only the server's operating-system user can read, and the secret itself is never a setting
// value — so it is never logged when the configuration is reloaded, never stored in a catalog
// (ALTER DATABASE ... SET), and never shown by SHOW, whoever asks.
//
// Pure C++ and POSIX: no PostgreSQL header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace koba::core {

// The largest secret file read (a pepper or an HMAC key is a few dozen bytes).
constexpr std::size_t kMaxSecretFileBytes = 4096;

// Why a secret file cannot be used; Ok when it can.
enum class SecretFileProblem : uint8_t {
    Ok,
    Missing,      // no such file (or a directory on the way is missing)
    NotAFile,     // a directory, a device...
    WrongOwner,   // owned by neither the server's user nor root
    TooOpen,      // readable or writable by others (or by the group, unless root owns it)
    TooLarge,     // more than kMaxSecretFileBytes
    Unreadable,   // open or read failed (permissions, I/O)
};

// "does not exist", "is not a regular file", ...: completes "kobatela.<setting> names a file that ...".
std::string_view secret_file_problem_text(SecretFileProblem problem) noexcept;

// PostgreSQL's rule for a private key file, applied to a secret: owned by the server's user with
// no access for group or others (0600 or 0400), or owned by root with at most group read (0640).
SecretFileProblem secret_file_mode_problem(uid_t owner, mode_t mode, uid_t server_user) noexcept;

// What identifies one version of a file: it is read again when any of these changes.
struct FileVersion {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = -1;
    int64_t modified_ns = 0;
    bool operator==(const FileVersion& other) const noexcept;
};

// The secret in a file: its bytes with trailing spaces, tabs and line breaks removed (so that
// `echo secret > file` works); empty when the file is empty.
struct SecretFileRead {
    SecretFileProblem problem = SecretFileProblem::Ok;
    FileVersion version;
    std::string value;
};

// stat() of `path` (relative paths are relative to the working directory: PostgreSQL's data
// directory): the version, or a problem (Missing, NotAFile, WrongOwner, TooOpen, TooLarge).
SecretFileRead stat_secret_file(const char* path, uid_t server_user) noexcept;

// Reads the secret when stat_secret_file found no problem. Never throws the secret anywhere.
SecretFileRead read_secret_file(const char* path, uid_t server_user);

// Overwrites a string's bytes before it is freed (OPENSSL_cleanse).
void wipe(std::string& secret) noexcept;

}  // namespace koba::core
