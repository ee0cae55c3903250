#include "engine/telemetry/prometheus.h"

// Names, types, help texts, label sets and buckets follow ingress-nginx's
// internal/ingress/metric/collectors/socket.go (SocketCollector: requestTags, the
// histogramMetric/counterMetric/summaryMetric calls, handleMessage), the values it observes
// follow rootfs/etc/nginx/lua/monitor.lua (requestTime = $request_time, responseLength =
// $bytes_sent, upstreamLatency = $upstream_connect_time, ...), and the default buckets
// pkg/flags/flags.go (--time-buckets, --length-buckets, --size-buckets). Formatting follows
// client_golang's expfmt text encoder: families sorted by name, series by label values, label
// pairs by name, histogram _bucket/_sum/_count, summary quantiles then _sum/_count.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <string_view>
#include <vector>

namespace ilab::telemetry {
namespace {

constexpr std::string_view kPrefix = "nginx_ingress_controller_";

struct Label {
    std::string_view name;
    std::string_view value;
};

// Controller labels plus a series' own, merged in name order as client_golang prints them.
class LabelSet {
  public:
    LabelSet(const PrometheusOptions& options, std::vector<Label> own) {
        labels_ = std::move(own);
        labels_.push_back({"controller_class", options.controller_class});
        labels_.push_back({"controller_namespace", options.controller_namespace});
        labels_.push_back({"controller_pod", options.controller_pod});
        std::sort(labels_.begin(), labels_.end(),
                  [](const Label& a, const Label& b) { return a.name < b.name; });
    }

    // {a="x",b="y"[,extra="v"]}
    void write(std::string& out, std::string_view extra_name = {},
               std::string_view extra_value = {}) const {
        out += '{';
        bool first = true;
        for (const Label& l : labels_) {
            if (!first) out += ',';
            first = false;
            out += l.name;
            out += "=\"";
            out += escapeLabelValue(l.value);
            out += '"';
        }
        if (!extra_name.empty()) {
            if (!first) out += ',';
            out += extra_name;
            out += "=\"";
            out += extra_value;
            out += '"';
        }
        out += '}';
    }

  private:
    std::vector<Label> labels_;
};

void writeHeader(std::string& out, std::string_view name, std::string_view help,
                 std::string_view type) {
    out += "# HELP ";
    out += name;
    out += ' ';
    for (char c : help) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

void writeValue(std::string& out, double value) {
    out += ' ';
    out += formatPrometheusFloat(value);
    out += '\n';
}

std::vector<Label> requestLabels(const RequestLabels& l, bool per_host) {
    std::vector<Label> labels = {{"canary", l.canary}, {"ingress", l.ingress},
                                 {"method", l.method}, {"namespace", l.namespace_},
                                 {"path", l.path},     {"service", l.service},
                                 {"status", l.status}};
    if (per_host) labels.push_back({"host", l.host});
    return labels;
}

using HistogramOf = std::function<const BucketCounts&(const RequestSeries&)>;

void writeHistogramFamily(std::string& out, const Snapshot& snapshot,
                          const PrometheusOptions& options, std::string_view short_name,
                          std::string_view help, const std::vector<double>& bounds,
                          double units_per_le, const HistogramOf& histogram_of) {
    const auto& series = snapshot.prometheus.requests;
    const bool any = std::any_of(series.begin(), series.end(),
                                 [&](const auto& s) { return histogram_of(*s).count > 0; });
    // client_golang creates a child only when ingress-nginx observes into it, and prints no
    // family without children.
    if (!any) return;
    const std::string name = std::string(kPrefix) + std::string(short_name);
    writeHeader(out, name, help, "histogram");
    for (const auto& s : series) {
        const BucketCounts& h = histogram_of(*s);
        if (h.count == 0) continue;
        const LabelSet labels(options, requestLabels(s->labels, snapshot.prometheus.per_host));
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < bounds.size(); ++i) {
            cumulative += i < h.counts.size() ? h.counts[i] : 0;
            out += name;
            out += "_bucket";
            labels.write(out, "le", formatPrometheusFloat(bounds[i]));
            writeValue(out, static_cast<double>(cumulative));
        }
        out += name;
        out += "_bucket";
        labels.write(out, "le", "+Inf");
        writeValue(out, static_cast<double>(h.count));
        out += name;
        out += "_sum";
        labels.write(out);
        writeValue(out, static_cast<double>(h.sum) / units_per_le);
        out += name;
        out += "_count";
        labels.write(out);
        writeValue(out, static_cast<double>(h.count));
    }
}

void writeRequests(std::string& out, const Snapshot& snapshot, const PrometheusOptions& options) {
    const auto& series = snapshot.prometheus.requests;
    if (series.empty()) return;
    const std::string name = std::string(kPrefix) + "requests";
    writeHeader(out, name, "The total number of client requests", "counter");
    for (const auto& s : series) {
        out += name;
        LabelSet(options, requestLabels(s->labels, snapshot.prometheus.per_host)).write(out);
        writeValue(out, static_cast<double>(s->requests));
    }
}

void writeUpstreamLatency(std::string& out, const Snapshot& snapshot,
                          const PrometheusOptions& options) {
    const auto& series = snapshot.prometheus.upstream_latency;
    if (series.empty()) return;
    const std::string name = std::string(kPrefix) + "ingress_upstream_latency_seconds";
    writeHeader(out, name, "DEPRECATED Upstream service latency per Ingress", "summary");
    for (const auto& s : series) {
        const LabelSet labels(options, {{"canary", s->canary},
                                        {"ingress", s->ingress},
                                        {"namespace", s->namespace_},
                                        {"service", s->service}});
        for (std::size_t i = 0; i < s->quantiles.size(); ++i) {
            out += name;
            labels.write(out, "quantile", formatPrometheusFloat(s->quantiles[i]));
            writeValue(out, i < s->values_seconds.size()
                                ? s->values_seconds[i]
                                : std::numeric_limits<double>::quiet_NaN());
        }
        out += name;
        out += "_sum";
        labels.write(out);
        writeValue(out, static_cast<double>(s->sum_ms) / 1000.0);
        out += name;
        out += "_count";
        labels.write(out);
        writeValue(out, static_cast<double>(s->count));
    }
}

void writeLabMetrics(std::string& out, const Snapshot& snapshot) {
    // Not ingress-nginx's: the lab's own degraded-state counters, so a dashboard can tell
    // "no traffic" from "telemetry fell behind".
    const struct {
        std::string_view name, help;
        std::uint64_t value;
    } metrics[] = {
        {"ingress_lab_telemetry_events_dropped_total",
         "Request events refused because the telemetry queue was full; they are missing from "
         "every metric",
         snapshot.events_dropped},
        {"ingress_lab_telemetry_events_total", "Request events aggregated into these metrics",
         snapshot.events_recorded},
        {"ingress_lab_telemetry_series_overflow_total",
         "Request events left out of the nginx_ingress_controller_* series because the series "
         "cap was reached",
         snapshot.prometheus.series_overflow},
    };
    for (const auto& m : metrics) {
        writeHeader(out, m.name, m.help, "counter");
        out += m.name;
        writeValue(out, static_cast<double>(m.value));
    }
}

void appendUtf8Replacement(std::string& out) {
    out += "\xEF\xBF\xBD";
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not one.
std::size_t utf8Length(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    if (c < 0x80) return 1;
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((b(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b(i + k) & 0x3Fu);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid, as Go judges them.
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

}  // namespace

std::string formatPrometheusFloat(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (value == 0) return "0";
    char buf[64];
    // Shortest round-trip digits, as Go's -1 precision; then Go's %g layout decision.
    const auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<std::size_t>(result.ptr - buf));
    std::string out;
    if (sci.front() == '-') {
        out += '-';
        sci.remove_prefix(1);
    }
    const std::size_t e = sci.find('e');
    std::string digits(1, sci[0]);
    if (e > 1) digits += sci.substr(2, e - 2);  // skip "d."
    const int exp = std::atoi(std::string(sci.substr(e + 1)).c_str());
    const int nd = static_cast<int>(digits.size());
    // strconv: with shortest formatting, %e is used when exp < -4 || exp >= 6 ("eprec = 6").
    if (exp < -4 || exp >= 6) {
        out += digits[0];
        if (nd > 1) {
            out += '.';
            out.append(digits, 1);
        }
        out += 'e';
        out += exp < 0 ? '-' : '+';
        const int a = std::abs(exp);
        if (a < 10) out += '0';
        out += std::to_string(a);
        return out;
    }
    const int dp = exp + 1;  // digits before the decimal point
    if (dp > 0) {
        for (int i = 0; i < dp; ++i)
            out += i < nd ? digits[static_cast<std::size_t>(i)] : '0';
    } else {
        out += '0';
    }
    if (nd > dp) {
        out += '.';
        for (int i = dp; i < nd; ++i)
            out += i < 0 ? '0' : digits[static_cast<std::size_t>(i)];
    }
    return out;
}

std::string escapeLabelValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size();) {
        const char c = value[i];
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            const std::size_t n = utf8Length(value, i);
            if (n == 0) {
                appendUtf8Replacement(out);
                ++i;
                continue;
            }
            out.append(value.substr(i, n));
            i += n;
            continue;
        }
        ++i;
    }
    return out;
}

std::string renderPrometheus(const Snapshot& snapshot, const PrometheusOptions& options) {
    std::string out;
    out.reserve(4096 + snapshot.prometheus.requests.size() * 4096);
    if (options.lab_metrics) writeLabMetrics(out, snapshot);

    const auto& p = snapshot.prometheus;
    // Families in name order, as client_golang's Gather sorts them.
    writeHistogramFamily(
        out, snapshot, options, "bytes_sent", "DEPRECATED The number of bytes sent to a client",
        p.size_buckets, 1.0,
        [](const RequestSeries& s) -> const BucketCounts& { return s.bytes_sent; });
    writeHistogramFamily(
        out, snapshot, options, "connect_duration_seconds",
        "The time spent on establishing a connection with the upstream server", p.time_buckets,
        1000.0, [](const RequestSeries& s) -> const BucketCounts& { return s.connect_duration; });
    writeHistogramFamily(
        out, snapshot, options, "header_duration_seconds",
        "The time spent on receiving first header from the upstream server", p.time_buckets, 1000.0,
        [](const RequestSeries& s) -> const BucketCounts& { return s.header_duration; });
    writeUpstreamLatency(out, snapshot, options);
    // "milliseconds" is ingress-nginx's help text; the values are seconds.
    writeHistogramFamily(
        out, snapshot, options, "request_duration_seconds",
        "The request processing time in milliseconds", p.time_buckets, 1000.0,
        [](const RequestSeries& s) -> const BucketCounts& { return s.request_duration; });
    writeHistogramFamily(
        out, snapshot, options, "request_size",
        "The request length (including request line, header, and request body)", p.length_buckets,
        1.0, [](const RequestSeries& s) -> const BucketCounts& { return s.request_size; });
    writeRequests(out, snapshot, options);
    writeHistogramFamily(
        out, snapshot, options, "response_duration_seconds",
        "The time spent on receiving the response from the upstream server", p.time_buckets, 1000.0,
        [](const RequestSeries& s) -> const BucketCounts& { return s.response_duration; });
    // ingress-nginx's help text for response_size repeats request_size's.
    writeHistogramFamily(
        out, snapshot, options, "response_size",
        "The response length (including request line, header, and request body)", p.length_buckets,
        1.0, [](const RequestSeries& s) -> const BucketCounts& { return s.response_size; });
    return out;
}

}  // namespace ilab::telemetry
