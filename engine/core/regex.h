#pragma once
// PCRE2 regular expressions: the same engine family nginx uses for `location ~*` and
// ingress-nginx uses for canary-by-header-pattern, so patterns behave as they do there.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ilab::core {

class Regex {
  public:
    struct Options {
        bool case_insensitive = false;
        bool anchored_start = false;  // as nginx's "^<path>" locations
    };
    struct Match {
        std::vector<std::optional<std::string>> groups;  // [0] is the whole match
    };

    // Compiles a pattern; on failure returns nullptr and sets *error (with the offset).
    static std::shared_ptr<const Regex> compile(std::string_view pattern, Options options,
                                                std::string* error);
    ~Regex();
    Regex(const Regex&) = delete;
    Regex& operator=(const Regex&) = delete;

    // Searches the subject (or matches at its start when anchored). A runtime error (for
    // example the match limit) counts as no match and sets *runtime_error when given.
    std::optional<Match> search(std::string_view subject, bool* runtime_error = nullptr) const;
    // Whether it matches, without copying any group: the routing hot path.
    bool matches(std::string_view subject) const;
    const std::string& pattern() const { return pattern_; }

  private:
    Regex() = default;
    std::string pattern_;
    void* code_ = nullptr;  // pcre2_code_8*, kept out of the header
};

// The literal text every match of `pattern` (anchored at the subject's start) must begin with:
// "/svc0001/item" for "/svc0001/item$", "/ap" for "/api?/v1", "" when the pattern starts with a
// metacharacter or has an alternation anywhere. Only ASCII; stops at the first other byte. A
// router uses it to skip regexes that cannot match a path without running them.
std::string literalPrefix(std::string_view pattern);

// Expands $1..$9 (and ${10}) in a replacement, as nginx's rewrite does; missing groups are empty.
std::string expandCaptures(std::string_view replacement, const Regex::Match& match);

}  // namespace ilab::core
