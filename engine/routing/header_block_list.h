#pragma once
// A deny list over one request header, as ingress-nginx's ConfigMap block-user-agents and
// block-referers render it (nginx.tmpl: `map $http_user_agent $block_ua { default 0; <entry>
// 1; ... }`, then `if ($block_ua) { return 403; }` in every server). nginx's map matches an
// entry written "~regex" (case-sensitive) or "~*regex" (case-insensitive) by PCRE, and any
// other entry as the exact value, ignoring case (checked on nginx 1.22: "BadBot" blocks
// "badbot", not "BadBot/1.0"). Exact entries are tried first, then the regexes in order.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/regex.h"

namespace ilab::routing {

class HeaderBlockList {
  public:
    // Compiles `entries`; one whose regex does not compile is left out and named in
    // `invalid` (nginx -t would refuse it; the configuration reader reports it).
    static HeaderBlockList compile(const std::vector<std::string>& entries,
                                   std::vector<std::string>* invalid = nullptr);

    // The entry, as written, that blocks `value`; nullptr when none does. An absent header
    // is the empty value, which no entry blocks.
    const std::string* match(std::string_view value) const;
    bool empty() const { return entries_.empty(); }

  private:
    struct Entry {
        std::string written;
        std::string exact_lower;                   // exact entries only
        std::shared_ptr<const core::Regex> regex;  // "~" and "~*" entries only
    };
    std::vector<Entry> entries_;
};

}  // namespace ilab::routing
