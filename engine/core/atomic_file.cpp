#include "engine/core/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/core/file_descriptor.h"
#include "engine/core/input_file.h"
#include "engine/core/text.h"

namespace ilab::core {
namespace {


bool fail(std::string* error, const std::string& what, int error_number) {
    if (error) *error = what + ": " + std::strerror(error_number);
    return false;
}

// Follows `path` through symlinks to the file they lead to, which need not exist yet (a link
// to a report not written so far). Relative links are relative to the link's own folder.
bool followLinks(const std::filesystem::path& path, std::filesystem::path& target,
                 std::string* error) {
    target = path;
    for (int hops = 0; hops < 40; ++hops) {  // the kernel's own limit before ELOOP
        struct stat st {};
        if (::lstat(target.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return true;
        std::error_code ec;
        const std::filesystem::path next = std::filesystem::read_symlink(target, ec);
        if (ec) return fail(error, "cannot follow the link " + target.string(), ec.value());
        target = next.is_absolute() ? next : target.parent_path() / next;
    }
    return fail(error, "cannot follow the links from " + path.string(), ELOOP);
}

}  // namespace

bool writeFileAtomically(const std::filesystem::path& path, std::string_view contents, mode_t mode,
                         std::string* error) {
    // A rename replaces whatever has the name: a symlink would become a file, and (as root) a
    // device node or a FIFO would be gone. So write to what the name leads to, and only ever
    // replace a regular file.
    std::filesystem::path target;
    if (!followLinks(path, target, error)) return false;
    struct stat existing {};
    const bool exists = ::stat(target.c_str(), &existing) == 0;
    if (exists && !S_ISREG(existing.st_mode)) {
        if (error)
            *error = core::quoted(target.string()) + " is " +
                     std::string(core::fileTypeName(existing.st_mode)) +
                     ", not a regular file: only a regular file is replaced";
        return false;
    }
    if (mode == kKeepExistingMode) mode = exists ? (existing.st_mode & 0777) : 0644;
    const std::filesystem::path directory =
        target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    // mkstemp gives a name no other writer can hold, so two processes writing the same file at
    // once each rename a complete file of their own.
    std::string name = target.string() + ".tmp.XXXXXX";
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
    if (::rename(temporary.c_str(), target.c_str()) != 0)
        return abandon("cannot rename " + temporary + " to " + target.string());
    // The rename itself is durable only once the directory entry is on disk.
    FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() >= 0) ::fsync(dir.get());
    return true;
}

bool readWholeFile(const std::filesystem::path& path, std::string& contents, std::string* error) {
    // Certificates and keys are a few kilobytes; anything this large is not one.
    constexpr std::size_t kMaxBytes = 1 << 20;
    core::InputText read = core::readInputFile(path, kMaxBytes);
    if (!read.ok()) {
        if (error) *error = read.message;
        return false;
    }
    contents = std::move(read.text);
    return true;
}

}  // namespace ilab::core
