#pragma once
// Small string helpers shared by the engine modules.
#include <string>
#include <string_view>
#include <vector>

namespace ilab::core {

std::string_view trim(std::string_view s);
std::string toLower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool startsWith(std::string_view s, std::string_view prefix);
bool endsWith(std::string_view s, std::string_view suffix);
// Splits on a separator; keeps empty fields (callers trim and skip as the format needs).
std::vector<std::string> split(std::string_view s, char separator);
std::string join(const std::vector<std::string>& parts, std::string_view separator);
// Edit distance, for "did you mean" hints.
std::size_t editDistance(std::string_view a, std::string_view b);
// The closest candidate within max_distance edits, or "".
std::string closestMatch(std::string_view word, const std::vector<std::string_view>& candidates,
                         std::size_t max_distance = 3);
// The hint for a name that is not one of `candidates` (a field, a subcommand, an option):
// "did you mean \"duration\"?" for the closest within two edits, else "". Every
// did-you-mean of the lab (manifest fields, scenario fields, the command line) says it so.
std::string didYouMean(std::string_view word, const std::vector<std::string_view>& candidates);
// Quotes a value the way kubectl prints it in messages: "value".
std::string quoted(std::string_view s);

}  // namespace ilab::core
