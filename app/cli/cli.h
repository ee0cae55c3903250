#pragma once
// The `ingress-lab` command line, runnable in-process (tests) or from main().
#include <iosfwd>
#include <string>
#include <vector>

namespace ilab::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;  // check: error-level findings; run: an expectation failed
inline constexpr int kExitBadInput = 2;  // input cannot be read or parsed; bad flags

struct Streams {
    std::istream& in;
    std::ostream& out;
    std::ostream& err;
};

// args excludes the program name.
int run(const std::vector<std::string>& args, Streams streams);

}  // namespace ilab::cli
