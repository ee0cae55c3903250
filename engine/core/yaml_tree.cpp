#include "engine/core/yaml_tree.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace ilab::core {
namespace {

bool isOneOf(std::string_view s, std::initializer_list<std::string_view> options) {
    return std::find(options.begin(), options.end(), s) != options.end();
}

bool looksLikeInt(std::string_view s) {
    if (s.empty()) return false;
    std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (i == s.size()) return false;
    if (s.size() > i + 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'o')) {
        return std::all_of(s.begin() + static_cast<long>(i + 2), s.end(),
                           [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
    }
    return std::all_of(s.begin() + static_cast<long>(i), s.end(),
                       [](char c) { return c >= '0' && c <= '9'; });
}

bool looksLikeFloat(std::string_view s) {
    if (isOneOf(s, {".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN"})) return true;
    bool digit = false, dot = false, exp = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            digit = true;
        } else if ((c == '-' || c == '+') && (i == 0 || s[i - 1] == 'e' || s[i - 1] == 'E')) {
        } else if (c == '.' && !dot && !exp) {
            dot = true;
        } else if ((c == 'e' || c == 'E') && digit && !exp) {
            exp = true;
        } else {
            return false;
        }
    }
    return digit && (dot || exp);
}

}  // namespace

const YamlNode* YamlNode::find(std::string_view key) const {
    const Entry* entry = findEntry(key);
    return entry ? &entry->value : nullptr;
}

const YamlNode::Entry* YamlNode::findEntry(std::string_view key) const {
    if (kind != Kind::Map) return nullptr;
    for (const Entry& e : entries) {
        if (e.key == key) return &e;
    }
    return nullptr;
}

ScalarType YamlNode::scalarType() const {
    if (kind == Kind::Null) return ScalarType::Null;
    if (kind != Kind::Scalar || quoted) return ScalarType::String;
    const std::string& s = scalar;
    if (isOneOf(s, {"", "~", "null", "Null", "NULL"})) return ScalarType::Null;
    if (asBool()) return ScalarType::Bool;
    if (looksLikeInt(s)) return ScalarType::Int;
    if (looksLikeFloat(s)) return ScalarType::Float;
    return ScalarType::String;
}

std::string_view YamlNode::typeName() const {
    switch (kind) {
        case Kind::Null:
            return "null";
        case Kind::Sequence:
            return "a list";
        case Kind::Map:
            return "a map";
        case Kind::Scalar:
            break;
    }
    switch (scalarType()) {
        case ScalarType::Null:
            return "null";
        case ScalarType::Bool:
            return "a boolean";
        case ScalarType::Int:
            return "an integer";
        case ScalarType::Float:
            return "a number";
        case ScalarType::String:
            return "a string";
    }
    return "a string";
}

std::optional<long long> YamlNode::asInt() const {
    if (kind != Kind::Scalar || quoted || !looksLikeInt(scalar)) return std::nullopt;
    std::string_view s = scalar;
    if (!s.empty() && s[0] == '+') s.remove_prefix(1);
    long long value = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
    return value;
}

std::optional<bool> YamlNode::asBool() const {
    if (kind != Kind::Scalar || quoted) return std::nullopt;
    // YAML 1.1 booleans, as sigs.k8s.io/yaml (go-yaml v2) resolves them.
    if (isOneOf(scalar, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"}))
        return true;
    if (isOneOf(scalar,
                {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"}))
        return false;
    return std::nullopt;
}

}  // namespace ilab::core
