#include "engine/telemetry/access_log.h"

#include <cstdio>
#include <ctime>

namespace ilab::telemetry {
namespace {

// nginx's ngx_http_log_escape(): `"`, `\`, control bytes and bytes above 0x7E become \xHH
// with upper-case hex.
void appendEscaped(std::string& out, std::string_view value) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (char ch : value) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0x0F];
        } else {
            out += ch;
        }
    }
}

// A variable nginx reports as not found when empty: "-".
void appendOrDash(std::string& out, std::string_view value) {
    if (value.empty()) {
        out += '-';
    } else {
        appendEscaped(out, value);
    }
}

// "%T.%03M": seconds with millisecond resolution, truncated as nginx's millisecond clock.
void appendSeconds(std::string& out, Micros d) {
    const long long ms = d.count() <= 0 ? 0 : d.count() / 1000;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%03lld", ms / 1000, ms % 1000);
    out += buf;
}

// $upstream_* variables: one entry per try, ", " between them.
template <class Fn>
void appendPerTry(std::string& out, const std::vector<UpstreamAttempt>& tries, Fn fn) {
    if (tries.empty()) {
        out += '-';
        return;
    }
    for (std::size_t i = 0; i < tries.size(); ++i) {
        if (i != 0) out += ", ";
        fn(tries[i]);
    }
}

std::chrono::minutes localOffset(WallTime when) {
    const std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm local{};
    localtime_r(&t, &local);
    return std::chrono::duration_cast<std::chrono::minutes>(std::chrono::seconds{local.tm_gmtoff});
}

}  // namespace

std::string formatTimeLocal(WallTime when, std::chrono::minutes utc_offset) {
    using namespace std::chrono;
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto local = floor<seconds>(when) + utc_offset;
    const auto day = floor<days>(local);
    const year_month_day ymd{day};
    const hh_mm_ss hms{local - day};
    const long long off = utc_offset.count();
    const long long abs_off = off < 0 ? -off : off;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%02u/%s/%d:%02lld:%02lld:%02lld %c%02lld%02lld",
                  static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                  static_cast<int>(ymd.year()), static_cast<long long>(hms.hours().count()),
                  static_cast<long long>(hms.minutes().count()),
                  static_cast<long long>(hms.seconds().count()), off < 0 ? '-' : '+', abs_off / 60,
                  abs_off % 60);
    return buf;
}

std::string formatAccessLog(const RequestEvent& e, const AccessLogOptions& options) {
    std::string out;
    out.reserve(256 + e.target.size() + e.user_agent.size());

    appendOrDash(out, e.client_address);
    out += " - ";
    appendOrDash(out, e.remote_user);
    out += " [";
    out += formatTimeLocal(e.wall_time, options.utc_offset.value_or(localOffset(e.wall_time)));
    out += "] \"";
    if (e.method.empty()) {
        out += '-';  // no request line parsed
    } else {
        appendEscaped(out, e.method);
        out += ' ';
        appendEscaped(out, e.target);
        if (!e.http_version.empty()) {
            out += ' ';
            appendEscaped(out, e.http_version);
        }
    }
    out += "\" ";
    char status[8];
    std::snprintf(status, sizeof status, "%03d", e.status < 0 ? 0 : e.status % 1000);
    out += status;
    out += ' ';
    out += std::to_string(e.body_bytes_sent);
    out += " \"";
    appendOrDash(out, e.referer);
    out += "\" \"";
    appendOrDash(out, e.user_agent);
    out += "\" ";
    out += std::to_string(e.request_length);
    out += ' ';
    appendSeconds(out, e.requestTime());
    // ingress-nginx sets $proxy_upstream_name to "-" before a location names one, and
    // $proxy_alternative_upstream_name to "" (so a stable request logs "[]").
    out += " [";
    appendOrDash(out, e.upstreamName());
    out += "] [";
    appendEscaped(out, e.alternativeUpstreamName());
    out += "] ";
    appendPerTry(out, e.upstreams, [&](const UpstreamAttempt& t) { appendOrDash(out, t.address); });
    out += ' ';
    appendPerTry(out, e.upstreams,
                 [&](const UpstreamAttempt& t) { out += std::to_string(t.response_length); });
    out += ' ';
    appendPerTry(out, e.upstreams,
                 [&](const UpstreamAttempt& t) { appendSeconds(out, t.responseTime()); });
    out += ' ';
    appendPerTry(out, e.upstreams, [&](const UpstreamAttempt& t) {
        if (t.status == 0) {
            out += '-';
        } else {
            out += std::to_string(t.status);
        }
    });
    out += ' ';
    appendOrDash(out, e.request_id);
    return out;
}

}  // namespace ilab::telemetry
