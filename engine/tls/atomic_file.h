#pragma once
// Writing a file so that readers see the old contents or the new, never a torn mix.
#include <filesystem>
#include <string>
#include <string_view>

#include <sys/types.h>

namespace ilab::tls {

// Writes `contents` to a temporary file beside `path` with exactly `mode` (the umask does not
// narrow or widen it), flushes it to disk, then renames it over `path` and syncs the directory.
// On failure `path` is untouched, the temporary file is removed and `error` (when given) says
// why. Any thread; concurrent writers of one path each leave a complete file.
bool writeFileAtomically(const std::filesystem::path& path, std::string_view contents, mode_t mode,
                         std::string* error = nullptr);

// Reads a whole (small) file; false with `error` when it cannot.
bool readWholeFile(const std::filesystem::path& path, std::string& contents,
                   std::string* error = nullptr);

}  // namespace ilab::tls
