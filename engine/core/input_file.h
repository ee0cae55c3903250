#pragma once
// Reading a user's file (a manifest, a scenario, a lab file the web API serves) so that no
// input can hang or exhaust the lab: regular files only, opened so that a FIFO cannot block,
// read up to a cap. Failures come back as values naming the path, never as exceptions.
// docs/security.md ("Reading files") lists the limits.
#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>

#include "engine/core/diagnostic.h"

namespace ilab::core {

// The most one manifest file, scenario file or standard input may hold: 16 MiB, the YAML
// reader's own limit. tests/perf's 10,000 Ingresses with their Services and Deployments are
// ~11 MB as one text, and hand-written files are kilobytes; an endless source (`yes |`,
// `< /dev/zero`) stops here within a fraction of a second.
inline constexpr std::size_t kMaxInputBytes = 16 * 1024 * 1024;

enum class InputError {
    None,
    Missing,     // nothing at the path (ILAB-INPUT-001)
    Unreadable,  // there, but open() or read() failed: permissions, EIO (ILAB-INPUT-001)
    NotRegular,  // a directory, FIFO, socket or device (ILAB-INPUT-002)
    TooLarge,    // over the cap (ILAB-INPUT-003)
};

struct InputText {
    std::string text;
    InputError error = InputError::None;
    std::string message;  // one line naming the path, e.g. "\"/dev/zero\" is a character device..."
    std::string hint;
    bool ok() const { return error == InputError::None; }
};

// Reads the regular file at `path` (symlinks followed) whole, or says why not. A directory,
// FIFO, socket or device is refused before a byte is read: it is checked before the open
// (opening some devices acts, a tape rewinds), opened with O_NONBLOCK (a FIFO swapped in
// between cannot block the open) and checked again on the descriptor. More than `max_bytes`
// is refused without reading past the cap. Any thread.
InputText readInputFile(const std::filesystem::path& path, std::size_t max_bytes = kMaxInputBytes);

// Reads a stream (standard input) to its end, or stops with TooLarge once it has given more
// than `max_bytes`. `name` is what messages call it ("<stdin>"). Blocks as long as the stream
// does: a terminal or a pipe with no writer yet is the user's to close.
InputText readInputStream(std::istream& in, const std::string& name,
                          std::size_t max_bytes = kMaxInputBytes);

// The stable code of a failure: ILAB-INPUT-001 (missing or unreadable), -002 (not a regular
// file), -003 (too large).
std::string_view inputErrorCode(InputError error);

// Adds a failed read to `diagnostics` as an error at `where`: the path for a file given on the
// command line, the YAML field for a file a scenario names.
// `unreadable_code` replaces ILAB-INPUT-001 for callers with their own documented code for a
// file that cannot be read (a scenario: ILAB-SCENARIO-001).
Diagnostic& addInputError(Diagnostics& diagnostics, const InputText& failed, SourceLocation where,
                          std::string_view unreadable_code = {});

// What a file that is not regular is, for messages: "a directory", "a FIFO (named pipe)",
// "a socket", "a character device", "a block device" (`mode`: a stat() st_mode).
std::string_view fileTypeName(unsigned mode);

// "16 MiB", "64 KiB", "100 bytes": a cap as messages and docs write it.
std::string formatByteLimit(std::size_t bytes);

}  // namespace ilab::core
