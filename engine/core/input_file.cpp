#include "engine/core/input_file.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <istream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/core/file_descriptor.h"
#include "engine/core/text.h"

namespace ilab::core {
namespace {

InputText failure(InputError error, std::string message, std::string hint = {}) {
    InputText out;
    out.error = error;
    out.message = std::move(message);
    out.hint = std::move(hint);
    return out;
}

InputText notRegular(const std::string& name, mode_t mode) {
    return failure(
        InputError::NotRegular,
        core::quoted(name) + " is " + std::string(fileTypeName(mode)) + ", not a regular file",
        S_ISDIR(mode) ? "name a file in it"
                      : "the lab reads regular files only: save the text to a file (check and "
                        "explain also read -f - from standard input)");
}

// `subject`: a quoted path, or what a stream is called.
InputText tooLarge(const std::string& subject, std::size_t max_bytes) {
    return failure(InputError::TooLarge,
                   subject + " is over the " + formatByteLimit(max_bytes) + " limit for one input",
                   "split it into smaller files");
}

InputText cannotRead(const std::string& name, int error_number) {
    if (error_number == ENOENT || error_number == ENOTDIR)
        return failure(InputError::Missing, core::quoted(name) + " does not exist");
    return failure(InputError::Unreadable,
                   "cannot read " + core::quoted(name) + ": " + std::strerror(error_number));
}

}  // namespace

InputText readInputFile(const std::filesystem::path& path, std::size_t max_bytes) {
    const std::string name = path.string();
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return cannotRead(name, errno);
    if (!S_ISREG(st.st_mode)) return notRegular(name, st.st_mode);
    // O_NONBLOCK: if a FIFO replaced the file since the stat, open() returns at once instead of
    // waiting for a writer; on a regular file it changes nothing.
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (fd.get() < 0) return cannotRead(name, errno);
    if (::fstat(fd.get(), &st) != 0) return cannotRead(name, errno);
    if (!S_ISREG(st.st_mode)) return notRegular(name, st.st_mode);
    if (static_cast<std::uintmax_t>(st.st_size) > max_bytes)
        return tooLarge(core::quoted(name), max_bytes);

    // One read of the size the file has (a reload of 10,000 Ingresses reads thousands of
    // files), one byte more to see whether it grew, and growth up to the cap: /proc files say
    // size 0 and still have content.
    InputText out;
    std::size_t used = 0;
    out.text.resize(static_cast<std::size_t>(st.st_size) + 1);
    for (;;) {
        if (used > max_bytes) return tooLarge(core::quoted(name), max_bytes);
        if (used == out.text.size())
            out.text.resize(std::min(max_bytes + 1, std::max<std::size_t>(used * 2, 64 * 1024)));
        const ssize_t n = ::read(fd.get(), out.text.data() + used, out.text.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            return cannotRead(name, errno);  // EIO: /proc/self/mem, a failing disk
        }
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    out.text.resize(used);
    return out;
}

InputText readInputStream(std::istream& in, const std::string& name, std::size_t max_bytes) {
    InputText out;
    constexpr std::size_t kChunk = 64 * 1024;
    std::size_t used = 0;
    while (used <= max_bytes) {
        out.text.resize(used + kChunk);
        in.read(out.text.data() + used, static_cast<std::streamsize>(kChunk));
        used += static_cast<std::size_t>(in.gcount());
        if (!in) break;
    }
    out.text.resize(used);
    if (used > max_bytes) return tooLarge(name, max_bytes);
    if (in.bad()) return failure(InputError::Unreadable, "cannot read " + name);
    return out;
}

std::string_view inputErrorCode(InputError error) {
    switch (error) {
        case InputError::NotRegular:
            return "ILAB-INPUT-002";
        case InputError::TooLarge:
            return "ILAB-INPUT-003";
        case InputError::None:
        case InputError::Missing:
        case InputError::Unreadable:
            break;
    }
    return "ILAB-INPUT-001";
}

Diagnostic& addInputError(Diagnostics& diagnostics, const InputText& failed, SourceLocation where,
                          std::string_view unreadable_code) {
    std::string code(inputErrorCode(failed.error));
    if (!unreadable_code.empty() && code == "ILAB-INPUT-001") code = unreadable_code;
    return diagnostics.error(std::move(code), failed.message, std::move(where), failed.hint);
}

std::string_view fileTypeName(unsigned mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISLNK(mode)) return "a symbolic link";
    return "something other than a regular file";
}

std::string formatByteLimit(std::size_t bytes) {
    constexpr std::size_t kKiB = 1024, kMiB = 1024 * 1024;
    if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
    if (bytes >= kKiB && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + " KiB";
    return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

}  // namespace ilab::core
