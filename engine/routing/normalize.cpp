#include "engine/routing/normalize.h"

#include <vector>

#include "engine/core/text.h"

namespace ilab::routing {
namespace {

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string normalizeHost(std::string_view host) {
    host = core::trim(host);
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        host = close == std::string_view::npos ? host : host.substr(0, close + 1);
    } else if (const auto colon = host.rfind(':');
               colon != std::string_view::npos && host.find(':') == colon) {
        host = host.substr(0, colon);  // one colon: host:port (several: a bare IPv6 address)
    }
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    return core::toLower(host);
}

NormalizedPath normalizeTarget(std::string_view target) {
    NormalizedPath out;
    const auto question = target.find('?');
    std::string_view raw = target.substr(0, question);
    if (question != std::string_view::npos) out.query = std::string(target.substr(question + 1));
    if (const auto hash = raw.find('#'); hash != std::string_view::npos) raw = raw.substr(0, hash);
    const auto invalid = [&out](std::string problem) {
        out.valid = false;
        out.problem = std::move(problem);
        return out;
    };
    if (raw.empty() || raw.front() != '/')
        return invalid("the request-target is not an absolute path");
    std::string decoded;
    decoded.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '%') {
            decoded.push_back(raw[i]);
            continue;
        }
        const int hi = i + 1 < raw.size() ? hexValue(raw[i + 1]) : -1;
        const int lo = i + 2 < raw.size() ? hexValue(raw[i + 2]) : -1;
        if (hi < 0 || lo < 0) return invalid("the path has a malformed %XX escape");
        const char c = static_cast<char>(hi * 16 + lo);
        if (c == '\0') return invalid("the path has an encoded NUL (%00)");
        decoded.push_back(c);
        i += 2;
    }
    // Resolve dot segments and merge slashes over the decoded segments.
    std::vector<std::string_view> segments;
    std::string_view rest = decoded;
    const bool trailing_slash = decoded.size() > 1 && decoded.back() == '/';
    std::size_t pos = 0;
    while (pos <= rest.size()) {
        auto next = rest.find('/', pos);
        if (next == std::string_view::npos) next = rest.size();
        std::string_view segment = rest.substr(pos, next - pos);
        if (segment == "..") {
            if (segments.empty()) return invalid("the path climbs above the root with \"..\"");
            segments.pop_back();
        } else if (!segment.empty() && segment != ".") {
            segments.push_back(segment);
        }
        pos = next + 1;
    }
    out.path = "/";
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (i) out.path += '/';
        out.path += segments[i];
    }
    const bool ends_in_dot_segment =
        core::endsWith(decoded, "/.") || core::endsWith(decoded, "/..");
    if ((trailing_slash || ends_in_dot_segment) && !segments.empty()) out.path += '/';
    return out;
}

}  // namespace ilab::routing
