#include "engine/routing/header_block_list.h"

#include "engine/core/text.h"

namespace ilab::routing {

HeaderBlockList HeaderBlockList::compile(const std::vector<std::string>& entries,
                                         std::vector<std::string>* invalid) {
    HeaderBlockList list;
    for (const std::string& written : entries) {
        if (written.empty()) continue;
        Entry entry{written, {}, nullptr};
        if (written.front() == '~') {
            const bool caseless = written.size() > 1 && written[1] == '*';
            std::string error;
            entry.regex = core::Regex::compile(std::string_view(written).substr(caseless ? 2 : 1),
                                               {.case_insensitive = caseless}, &error);
            if (!entry.regex) {
                if (invalid) invalid->push_back(written + ": " + error);
                continue;
            }
        } else {
            entry.exact_lower = core::toLower(written);
        }
        list.entries_.push_back(std::move(entry));
    }
    return list;
}

const std::string* HeaderBlockList::match(std::string_view value) const {
    if (value.empty()) return nullptr;
    const std::string lower = core::toLower(value);
    for (const Entry& e : entries_)
        if (!e.regex && e.exact_lower == lower) return &e.written;
    for (const Entry& e : entries_)
        if (e.regex && e.regex->matches(value)) return &e.written;
    return nullptr;
}

}  // namespace ilab::routing
