#include "engine/scenario/open_schedule.h"

#include <cmath>
#include <limits>

namespace ilab::scenario {
namespace {

using Duration = ScheduleClock::duration;
using Seconds = std::chrono::duration<double>;

double seconds(Duration d) {
    return Seconds(d).count();
}

Duration duration(double s) {
    return std::chrono::round<Duration>(Seconds(s));
}

// One piece of the rate's graph: linear from `from` to `to` over [start, end); the last
// piece holds its rate for ever (end = infinity).
struct Piece {
    double start = 0, end = 0, from = 0, to = 0;
    double rateAt(double t) const {
        if (std::isinf(end) || end <= start) return from;
        return from + (to - from) * (t - start) / (end - start);
    }
};

std::vector<Piece> pieces(const TrafficProfile& p) {
    std::vector<Piece> out;
    double start = 0, from = p.rate;
    for (const Stage& s : p.stages) {
        const double length = Seconds(s.duration).count();
        if (length > 0) out.push_back({start, start + length, from, s.target});
        start += length;
        from = s.target;
    }
    const double inf = std::numeric_limits<double>::infinity();
    out.push_back({start, inf, from, from});
    return out;
}

// Where the area under the rate from `t` reaches `need` requests.
std::optional<double> whenAccumulated(const std::vector<Piece>& graph, double t, double need) {
    for (const Piece& piece : graph) {
        if (t >= piece.end) continue;
        const double a = piece.rateAt(t);
        if (std::isinf(piece.end)) {
            if (a <= 0) return std::nullopt;
            return t + need / a;
        }
        const double b = (piece.to - piece.from) / (piece.end - piece.start);  // slope, per s²
        const double area = (piece.end - t) * (a + piece.to) / 2;
        if (area >= need) {
            // a·x + b·x²/2 = need: the smaller positive root, in the form that neither cancels
            // (a large rate on a gentle slope) nor divides by a slope of 0.
            const double root = std::sqrt(std::max(0.0, a * a + 2 * b * need));
            return t + 2 * need / (a + root);
        }
        need -= area;
        t = piece.end;
    }
    return std::nullopt;
}

}  // namespace

double rateAt(const TrafficProfile& profile, Duration t) {
    const double s = seconds(t);
    const auto graph = pieces(profile);
    for (const Piece& piece : graph)
        if (s < piece.end) return piece.rateAt(std::max(s, piece.start));
    return graph.back().from;
}

std::optional<Duration> firstArrival(const TrafficProfile& profile) {
    if (rateAt(profile, Duration::zero()) > 0) return Duration::zero();
    return nextArrival(profile, Duration::zero());
}

std::optional<Duration> nextArrival(const TrafficProfile& profile, Duration t) {
    const auto at = whenAccumulated(pieces(profile), seconds(t), 1.0);
    // A rate so low that the next request is centuries away is none (and would not fit the
    // clock's 64-bit nanoseconds).
    constexpr double kHorizonSeconds = 1e9;
    if (!at || !(*at < kHorizonSeconds)) return std::nullopt;
    // At least a nanosecond later, so a schedule always moves forward.
    return std::max(duration(*at), t + Duration(1));
}

std::vector<Duration> openArrivals(const TrafficProfile& profile, Duration length) {
    std::vector<Duration> out;
    for (auto t = firstArrival(profile); t && *t < length; t = nextArrival(profile, *t))
        out.push_back(*t);
    return out;
}

}  // namespace ilab::scenario
