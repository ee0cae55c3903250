#define PCRE2_CODE_UNIT_WIDTH 8
#include "engine/core/regex.h"

#include <pcre2.h>

#include <algorithm>
#include <cctype>

namespace ilab::core {

std::shared_ptr<const Regex> Regex::compile(std::string_view pattern, Options options,
                                            std::string* error) {
    uint32_t flags = PCRE2_UTF;
    if (options.case_insensitive) flags |= PCRE2_CASELESS;
    if (options.anchored_start) flags |= PCRE2_ANCHORED;
    int error_code = 0;
    PCRE2_SIZE error_offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     flags, &error_code, &error_offset, nullptr);
    if (!code) {
        if (error) {
            PCRE2_UCHAR buffer[256];
            pcre2_get_error_message(error_code, buffer, sizeof buffer);
            *error = std::string(reinterpret_cast<const char*>(buffer)) + " at offset " +
                     std::to_string(error_offset);
        }
        return nullptr;
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // best effort: falls back to the interpreter
    std::shared_ptr<Regex> regex(new Regex());
    regex->pattern_ = std::string(pattern);
    regex->code_ = code;
    return regex;
}

Regex::~Regex() {
    pcre2_code_free(static_cast<pcre2_code*>(code_));
}

namespace {

// One match block per thread, big enough for any pattern's groups: creating one per match cost
// an allocation per regex tried.
pcre2_match_data* threadMatchData() {
    struct Holder {
        pcre2_match_data* data = pcre2_match_data_create(256, nullptr);
        ~Holder() { pcre2_match_data_free(data); }
    };
    static thread_local Holder holder;
    return holder.data;
}

bool isMeta(char c) {
    return std::string_view("\\^$.[]|()?*+{}").find(c) != std::string_view::npos;
}

}  // namespace

bool Regex::matches(std::string_view subject) const {
    return pcre2_match(static_cast<pcre2_code*>(code_),
                       reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0, 0,
                       threadMatchData(), nullptr) >= 0;  // 0: matched, more groups than slots
}

std::string literalPrefix(std::string_view pattern) {
    if (pattern.find('|') != std::string_view::npos) return "";
    std::string out;
    std::size_t i = 0;
    while (i < pattern.size()) {
        char c = pattern[i];
        std::size_t next = i + 1;
        if (c == '\\') {
            // An escaped punctuation character is itself; \d, \w, \Q... are not literals.
            if (next >= pattern.size()) break;
            c = pattern[next];
            if (std::isalnum(static_cast<unsigned char>(c)) ||
                static_cast<unsigned char>(c) >= 0x80)
                break;
            next += 1;
        } else if (isMeta(c) || static_cast<unsigned char>(c) >= 0x80) {
            break;
        }
        // A quantifier after it makes this character optional or repeated.
        if (next < pattern.size()) {
            const char q = pattern[next];
            if (q == '?' || q == '*' || q == '{') break;
            if (q == '+') {
                out.push_back(c);
                break;
            }
        }
        out.push_back(c);
        i = next;
    }
    return out;
}

std::optional<Regex::Match> Regex::search(std::string_view subject, bool* runtime_error) const {
    auto* code = static_cast<pcre2_code*>(code_);
    pcre2_match_data* data = threadMatchData();
    const int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(),
                               0, 0, data, nullptr);
    std::optional<Match> result;
    if (rc >= 0) {
        Match match;
        PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
        // Every group of the pattern, as a per-pattern match block gave; pairs at or past rc
        // did not take part in the match (rc 0: more groups than the block holds).
        uint32_t captures = 0;
        pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &captures);
        const uint32_t pairs = std::min(captures + 1, pcre2_get_ovector_count(data));
        const uint32_t set = rc == 0 ? pairs : static_cast<uint32_t>(rc);
        for (uint32_t i = 0; i < pairs; ++i) {
            if (i >= set || ovector[2 * i] == PCRE2_UNSET) {
                match.groups.emplace_back(std::nullopt);
            } else {
                match.groups.emplace_back(std::string(
                    subject.substr(ovector[2 * i], ovector[2 * i + 1] - ovector[2 * i])));
            }
        }
        result = std::move(match);
    } else if (rc != PCRE2_ERROR_NOMATCH && runtime_error) {
        *runtime_error = true;
    }
    return result;
}

std::string expandCaptures(std::string_view replacement, const Regex::Match& match) {
    std::string out;
    for (std::size_t i = 0; i < replacement.size(); ++i) {
        const char c = replacement[i];
        if (c != '$' || i + 1 >= replacement.size()) {
            out.push_back(c);
            continue;
        }
        std::size_t group = 0, end = i + 1;
        if (replacement[end] == '{') {
            const auto close = replacement.find('}', end);
            if (close == std::string_view::npos) {
                out.push_back(c);
                continue;
            }
            for (std::size_t k = end + 1; k < close; ++k) {
                if (replacement[k] < '0' || replacement[k] > '9') {
                    group = SIZE_MAX;
                    break;
                }
                group = group * 10 + static_cast<std::size_t>(replacement[k] - '0');
            }
            end = close + 1;
        } else if (replacement[end] >= '0' && replacement[end] <= '9') {
            group = static_cast<std::size_t>(replacement[end] - '0');
            end += 1;
        } else {
            out.push_back(c);
            continue;
        }
        if (group != SIZE_MAX && group < match.groups.size() && match.groups[group])
            out += *match.groups[group];
        i = end - 1;
    }
    return out;
}

}  // namespace ilab::core
