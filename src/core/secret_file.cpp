#include "core/secret_file.hpp"

#include <openssl/crypto.h>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace koba::core {

std::string_view secret_file_problem_text(SecretFileProblem problem) noexcept {
    switch (problem) {
        case SecretFileProblem::Ok: return "can be used";
        case SecretFileProblem::Missing: return "does not exist";
        case SecretFileProblem::NotAFile: return "is not a regular file";
        case SecretFileProblem::WrongOwner: return "is owned by neither the server's user nor root";
        case SecretFileProblem::TooOpen:
            return "others may read or write (chmod 600, owned by the server's user; or 640 owned by root)";
        case SecretFileProblem::TooLarge: return "is larger than 4096 bytes";
        case SecretFileProblem::Unreadable: return "cannot be read by the server";
    }
    return "cannot be used";
}

SecretFileProblem secret_file_mode_problem(uid_t owner, mode_t mode, uid_t server_user) noexcept {
    if (owner == server_user) return (mode & (S_IRWXG | S_IRWXO)) != 0 ? SecretFileProblem::TooOpen : SecretFileProblem::Ok;
    if (owner == 0)
        return (mode & (S_IWGRP | S_IXGRP | S_IRWXO)) != 0 ? SecretFileProblem::TooOpen : SecretFileProblem::Ok;
    return SecretFileProblem::WrongOwner;
}

bool FileVersion::operator==(const FileVersion& other) const noexcept {
    return device == other.device && inode == other.inode && size == other.size && modified_ns == other.modified_ns;
}

namespace {

// The version of an open or named file, or its problem.
SecretFileRead check(const struct stat& st, uid_t server_user) noexcept {
    SecretFileRead read;
    if (!S_ISREG(st.st_mode)) {
        read.problem = SecretFileProblem::NotAFile;
        return read;
    }
    read.problem = secret_file_mode_problem(st.st_uid, st.st_mode, server_user);
    if (read.problem == SecretFileProblem::Ok && static_cast<std::size_t>(st.st_size) > kMaxSecretFileBytes)
        read.problem = SecretFileProblem::TooLarge;
    read.version = FileVersion{st.st_dev, st.st_ino, st.st_size,
                               int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec};
    return read;
}

SecretFileProblem problem_of_errno(int error) noexcept {
    return error == ENOENT || error == ENOTDIR ? SecretFileProblem::Missing : SecretFileProblem::Unreadable;
}

}  // namespace

SecretFileRead stat_secret_file(const char* path, uid_t server_user) noexcept {
    struct stat st {};
    if (stat(path, &st) != 0) {
        SecretFileRead read;
        read.problem = problem_of_errno(errno);
        return read;
    }
    return check(st, server_user);
}

SecretFileRead read_secret_file(const char* path, uid_t server_user) {
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        SecretFileRead read;
        read.problem = problem_of_errno(errno);
        return read;
    }
    // The checks on the file that was opened, not on whatever the path names a moment later.
    struct stat st {};
    SecretFileRead read;
    if (fstat(fd, &st) != 0) read.problem = SecretFileProblem::Unreadable;
    else read = check(st, server_user);
    char buffer[kMaxSecretFileBytes + 1];
    std::size_t length = 0;
    while (read.problem == SecretFileProblem::Ok) {
        const ssize_t n = ::read(fd, buffer + length, sizeof buffer - length);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) read.problem = SecretFileProblem::Unreadable;
        if (n <= 0) break;
        length += static_cast<std::size_t>(n);
        if (length == sizeof buffer) read.problem = SecretFileProblem::TooLarge;  // grew since fstat()
    }
    close(fd);
    if (read.problem == SecretFileProblem::Ok) {
        while (length > 0 && (buffer[length - 1] == '\n' || buffer[length - 1] == '\r' || buffer[length - 1] == ' ' ||
                              buffer[length - 1] == '\t'))
            --length;
        read.value.assign(buffer, length);
    }
    OPENSSL_cleanse(buffer, sizeof buffer);
    return read;
}

void wipe(std::string& secret) noexcept {
    if (!secret.empty()) OPENSSL_cleanse(&secret[0], secret.size());
    secret.clear();
}

}  // namespace koba::core
