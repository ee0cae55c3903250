// Boost's assertion handler for builds with assertions on (Debug, the sanitizer builds, the
// fuzzers): the top-level CMakeLists.txt defines BOOST_ENABLE_ASSERT_DEBUG_HANDLER, so
// BOOST_ASSERT calls these instead of assert(3). Release builds (NDEBUG) compile every
// BOOST_ASSERT away, as before.
//
// Why: Beast 1.81's chunked-body parser asserts `n >= 5` when it re-enters the final chunk with
// "0\r\n" and one more byte buffered, which a client produces by sending the last chunk and the
// blank line in separate segments. The assertion is wrong, not the parser (the code after it
// handles four bytes correctly); Beast fixed the assertion in boostorg/beast#2861 (Boost 1.86).
// With assert(3) a Debug lab aborted on that request; here exactly that assertion is let through
// and every other one still aborts with its location.
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

bool isKnownFalseAssertion(std::string_view expr, std::string_view file) {
    return expr == "n >= 5" && file.ends_with("boost/beast/http/impl/basic_parser.ipp");
}

[[noreturn]] void fail(const char* expr, const char* msg, const char* function, const char* file,
                       long line) {
    std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed%s%s.\n", file, line, function, expr,
                 msg ? ": " : "", msg ? msg : "");
    std::abort();
}

}  // namespace

namespace boost {

void assertion_failed(const char* expr, const char* function, const char* file, long line) {
    if (isKnownFalseAssertion(expr, file)) return;
    fail(expr, nullptr, function, file, line);
}

void assertion_failed_msg(const char* expr, const char* msg, const char* function,
                          const char* file, long line) {
    if (isKnownFalseAssertion(expr, file)) return;
    fail(expr, msg, function, file, line);
}

}  // namespace boost
