#include "engine/cluster/behavior.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>

namespace ilab::cluster {
namespace {

// z of the 99th percentile of the standard normal: p99 = exp(mu + 2.3263 sigma).
constexpr double kZ99 = 2.3263;

std::optional<int> parseStatus(std::string_view text) {
    int code = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), code);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    if (code < 200 || code > 599) return std::nullopt;  // 1xx cannot be a final answer
    return code;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

}  // namespace

double uniform01(core::Random& random) {
    return static_cast<double>(random.next() >> 11) * 0x1.0p-53;
}

double standardNormal(core::Random& random) {
    // 1 - u keeps the logarithm's argument in (0, 1].
    const double u1 = 1.0 - uniform01(random);
    const double u2 = uniform01(random);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double sampleLatencyMs(const LatencyModel& model, core::Random& random) {
    double value = 0;
    switch (model.kind) {
        case LatencyModel::Kind::None:
            return 0;
        case LatencyModel::Kind::Constant:
            value = model.a_ms;
            break;
        case LatencyModel::Kind::Uniform: {
            const double low = std::min(model.a_ms, model.b_ms);
            const double high = std::max(model.a_ms, model.b_ms);
            value = low + (high - low) * uniform01(random);
            break;
        }
        case LatencyModel::Kind::Normal:
            value = model.a_ms + model.b_ms * standardNormal(random);
            break;
        case LatencyModel::Kind::LogNormal: {
            if (model.a_ms <= 0) return 0;
            const double mu = std::log(model.a_ms);
            // A p99 below the p50 is a typo, not a distribution: treat it as constant.
            const double sigma = model.b_ms > model.a_ms ? (std::log(model.b_ms) - mu) / kZ99 : 0.0;
            value = std::exp(mu + sigma * standardNormal(random));
            break;
        }
    }
    if (!std::isfinite(value) || value < 0) return 0;
    return std::min(value, kMaxDelayMs);
}

std::optional<double> parseDurationMs(std::string_view text) {
    text = trim(text);
    double scale = 1;
    if (text.ends_with("ms")) {
        text.remove_suffix(2);
    } else if (text.ends_with("s")) {
        text.remove_suffix(1);
        scale = 1000;
    } else if (text.ends_with("m")) {
        text.remove_suffix(1);
        scale = 60'000;
    }
    if (text.empty()) return std::nullopt;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    if (!std::isfinite(value) || value < 0) return std::nullopt;
    return std::min(value * scale, kMaxDelayMs);
}

Millis restartBackoff(Millis base, int crashes) {
    if (base.count() <= 0) return Millis{0};
    Millis delay = base;
    for (int i = 0; i < crashes && delay < kMaxRestartBackoff; ++i)
        delay *= 2;
    return std::min(delay, kMaxRestartBackoff);
}

double slowStartExtraMs(const Behavior& behavior, Millis since_start) {
    if (behavior.slow_start.count() <= 0 || since_start >= behavior.slow_start) return 0;
    const double left = 1.0 - static_cast<double>(std::max<Millis::rep>(since_start.count(), 0)) /
                                  static_cast<double>(behavior.slow_start.count());
    return std::max(0.0, behavior.slow_start_extra_ms) * left;
}

LabDirectives parseDirectives(std::string_view path, std::string_view status_header,
                              std::string_view delay_header) {
    LabDirectives d;
    status_header = trim(status_header);
    delay_header = trim(delay_header);
    if (!status_header.empty()) {
        d.status = parseStatus(status_header);
        if (!d.status) d.error = "X-Lab-Status must be a status code from 200 to 599";
    }
    if (!delay_header.empty()) {
        if (auto ms = parseDurationMs(delay_header)) {
            d.delay_ms += *ms;
        } else {
            d.error = "X-Lab-Delay must be a duration such as 250ms, 1s or 250";
        }
    }
    // The last two segments: ".../<verb>/<argument>".
    const auto last = path.rfind('/');
    if (last == std::string_view::npos || last == 0) return d;
    const auto verb_start = path.rfind('/', last - 1);
    if (verb_start == std::string_view::npos) return d;
    const std::string_view verb = path.substr(verb_start + 1, last - verb_start - 1);
    const std::string_view argument = path.substr(last + 1);
    if (verb == "status") {
        if (auto code = parseStatus(argument)) {
            d.status = code;
        } else {
            d.error = "/status/N needs a status code from 200 to 599";
        }
    } else if (verb == "delay") {
        if (auto ms = parseDurationMs(argument)) {
            d.delay_ms += *ms;
        } else {
            d.error = "/delay/D needs a duration such as 250ms, 1s or 250";
        }
    } else if (verb == "bytes") {
        std::uint64_t n = 0;
        auto [end, ec] = std::from_chars(argument.data(), argument.data() + argument.size(), n);
        if (ec == std::errc() && end == argument.data() + argument.size() && !argument.empty()) {
            d.bytes = n;
        } else {
            d.error = "/bytes/N needs a byte count";
        }
    }
    d.delay_ms = std::min(d.delay_ms, kMaxDelayMs);
    return d;
}

}  // namespace ilab::cluster
