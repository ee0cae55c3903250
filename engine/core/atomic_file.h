#pragma once
// Writing a file so that readers see the old contents or the new, never a torn mix: the one
// way the lab writes files (reports, saved manifests, the lab CA).
#include <filesystem>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace ilab::core {

// Mode for writeFileAtomically: a file it replaces keeps its permissions (a manifest holding a
// Secret stays 0600); a new file gets 0644.
inline constexpr mode_t kKeepExistingMode = static_cast<mode_t>(-1);

// Writes `contents` to a temporary file beside the target with exactly `mode` (the umask does
// not narrow or widen it), flushes it to disk, then renames it over the target and syncs the
// directory. The target is `path`, or when `path` is a symlink the file it leads to (through
// every link): the link stays a link. Only a regular file (or nothing) is replaced: a
// directory, FIFO, socket or device there is refused and left alone, and `error` says what it
// is. On failure the target is untouched, the temporary file is removed and `error` (when
// given) says why. Any thread; concurrent writers of one path each leave a complete file.
bool writeFileAtomically(const std::filesystem::path& path, std::string_view contents, mode_t mode,
                         std::string* error = nullptr);

// Reads a whole (small, regular) file of at most 1 MiB; false with `error` when it cannot.
bool readWholeFile(const std::filesystem::path& path, std::string& contents,
                   std::string* error = nullptr);

}  // namespace ilab::core
