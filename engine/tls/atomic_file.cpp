#include "engine/tls/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ilab::tls {
namespace {

// Closes a descriptor on every path out of a function.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    int release() {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }

private:
    int fd_;
};

bool fail(std::string* error, const std::string& what, int error_number) {
    if (error) *error = what + ": " + std::strerror(error_number);
    return false;
}

}  // namespace

bool writeFileAtomically(const std::filesystem::path& path, std::string_view contents, mode_t mode,
                         std::string* error) {
    const std::filesystem::path directory =
        path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    // mkstemp gives a name no other writer can hold, so two processes writing the same file at
    // once each rename a complete file of their own.
    std::string name = path.string() + ".tmp.XXXXXX";
    std::vector<char> buffer(name.begin(), name.end());
    buffer.push_back('\0');
    FileDescriptor fd(::mkostemp(buffer.data(), O_CLOEXEC));
    if (fd.get() < 0) return fail(error, "cannot create a file in " + directory.string(), errno);
    const std::string temporary(buffer.data());
    auto abandon = [&](const std::string& what) {
        const int saved = errno;
        ::unlink(temporary.c_str());
        return fail(error, what, saved);
    };
    // fchmod, not the mode argument of open: the umask must not change what the caller asked
    // for (a 077 umask would make the CA certificate unreadable to browsers' import dialogs).
    if (::fchmod(fd.get(), mode) != 0) return abandon("cannot set the mode of " + temporary);
    std::size_t written = 0;
    while (written < contents.size()) {
        const ssize_t n = ::write(fd.get(), contents.data() + written, contents.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            return abandon("cannot write " + temporary);
        }
        written += static_cast<std::size_t>(n);
    }
    // Without the fsync a crash after the rename can leave an empty file under the final name.
    if (::fsync(fd.get()) != 0) return abandon("cannot flush " + temporary);
    if (::close(fd.release()) != 0) return abandon("cannot close " + temporary);
    if (::rename(temporary.c_str(), path.c_str()) != 0)
        return abandon("cannot rename " + temporary + " to " + path.string());
    // The rename itself is durable only once the directory entry is on disk.
    FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() >= 0) ::fsync(dir.get());
    return true;
}

bool readWholeFile(const std::filesystem::path& path, std::string& contents, std::string* error) {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return fail(error, "cannot open " + path.string(), errno);
    // Certificates and keys are a few kilobytes; anything this large is not one.
    constexpr std::size_t kMaxBytes = 1 << 20;
    contents.clear();
    char chunk[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(error, "cannot read " + path.string(), errno);
        }
        if (n == 0) break;
        contents.append(chunk, static_cast<std::size_t>(n));
        if (contents.size() > kMaxBytes) {
            if (error) *error = path.string() + " is larger than 1 MiB";
            return false;
        }
    }
    return true;
}

}  // namespace ilab::tls
