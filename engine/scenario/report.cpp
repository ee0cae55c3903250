#include "engine/scenario/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>


namespace ilab::scenario {
namespace {

std::string fixed(double v, int digits = 1) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
    return buffer;
}

std::string xmlEscape(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                // XML 1.0 forbids most control characters even escaped.
                if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r')
                    out += ' ';
                else
                    out += c;
        }
    }
    return out;
}

const char* kindName(ExpectationResult::Kind k) {
    switch (k) {
        case ExpectationResult::Kind::Request: return "request";
        case ExpectationResult::Kind::Metric: return "metric";
        case ExpectationResult::Kind::Coverage: return "coverage";
    }
    return "";
}

std::size_t failures(const RunResult& r) {
    return static_cast<std::size_t>(std::count_if(r.expectations.begin(), r.expectations.end(),
                                                  [](const auto& e) { return !e.passed; }));
}

// --- SVG line charts ---------------------------------------------------------------------

struct Series {
    std::string label, color;
    std::vector<double> values;  // one per second
    bool dashed = false;
};

const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                          "#8c564b", "#e377c2", "#17becf"};

std::string chart(const std::string& title, const std::string& unit,
                  const std::vector<Series>& series, const std::vector<AppliedEvent>& windows,
                  double seconds) {
    const double w = 640, h = 236, left = 56, right = 12, top = 44, bottom = 30;
    double peak = 0;
    for (const auto& s : series)
        for (double v : s.values) peak = std::max(peak, v);
    if (peak <= 0) peak = 1;
    // A round top for the axis: 1, 2 or 5 times a power of ten.
    const double magnitude = std::pow(10.0, std::floor(std::log10(peak)));
    double top_value = magnitude;
    int ticks = 5;  // round steps: 1 → 0.2s, 2 → 0.5s, 5 → 1s
    for (double f : {1.0, 2.0, 5.0, 10.0})
        if (f * magnitude >= peak) {
            top_value = f * magnitude;
            ticks = f == 2.0 ? 4 : 5;
            break;
        }
    const double span = std::max(seconds, 1.0);
    auto x = [&](double t) { return left + (w - left - right) * t / span; };
    auto y = [&](double v) { return top + (h - top - bottom) * (1 - v / top_value); };
    std::ostringstream svg;
    svg << "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 " << w << " " << h
        << "' role='img' aria-label='" << xmlEscape(title) << "'>";
    svg << "<text x='" << left << "' y='16' class='title'>" << xmlEscape(title) << "</text>";
    for (const auto& e : windows) {  // fault windows, shaded
        const double end = e.until_s > e.at_s ? e.until_s : e.at_s + span / 200;
        svg << "<rect x='" << fixed(x(e.at_s)) << "' y='" << top << "' width='"
            << fixed(std::max(1.0, x(std::min(end, span)) - x(e.at_s))) << "' height='"
            << h - top - bottom << "' class='window'><title>" << xmlEscape(e.text)
            << "</title></rect>";
    }
    for (int i = 0; i <= ticks; ++i) {
        const double v = top_value * i / ticks;
        svg << "<line x1='" << left << "' x2='" << w - right << "' y1='" << fixed(y(v))
            << "' y2='" << fixed(y(v)) << "' class='grid'/>";
        svg << "<text x='" << left - 6 << "' y='" << fixed(y(v) + 4) << "' class='tick' "
            << "text-anchor='end'>" << fixed(v, v != std::floor(v) ? (v * 10 == std::floor(v * 10) ? 1 : 2) : 0)
            << "</text>";
    }
    const int step = span > 60 ? 10 : span > 20 ? 5 : span > 8 ? 2 : 1;
    for (int t = 0; t <= static_cast<int>(span); t += step)
        svg << "<text x='" << fixed(x(t)) << "' y='" << h - 12 << "' class='tick' "
            << "text-anchor='middle'>" << t << "s</text>";
    svg << "<text x='4' y='" << top - 6 << "' class='tick'>" << xmlEscape(unit) << "</text>";
    double legend_x = left;  // the legend has a row of its own, under the title
    for (const auto& s : series) {
        svg << "<polyline fill='none' stroke='" << s.color << "' stroke-width='1.6'"
            << (s.dashed ? " stroke-dasharray='5 3'" : "") << " points='";
        for (std::size_t i = 0; i < s.values.size(); ++i)
            svg << fixed(x(static_cast<double>(i) + 0.5)) << "," << fixed(y(s.values[i])) << " ";
        svg << "'/>";
        svg << "<rect x='" << legend_x << "' y='24' width='10' height='10' fill='" << s.color
            << "'/><text x='" << legend_x + 14 << "' y='33' class='tick'>" << xmlEscape(s.label)
            << "</text>";
        legend_x += 24 + 7.0 * static_cast<double>(s.label.size());
    }
    svg << "</svg>";
    return svg.str();
}

// "200: 540, 502: 10, no response: 2": each status that occurred, so a 502 and a 504 are not
// one "5xx".
std::string statusText(const std::map<int, std::uint64_t>& by_status) {
    std::string text;
    for (const auto& [status, n] : by_status) {
        if (status == 0) continue;
        text += (text.empty() ? "" : ", ") + std::to_string(status) + ": " + std::to_string(n);
    }
    if (const auto none = by_status.find(0); none != by_status.end())
        text += (text.empty() ? "" : ", ") + std::string("no response: ") + std::to_string(none->second);
    return text;
}

// "1 request", "2 requests": counts read as English.
std::string counted(std::uint64_t n, const std::string& noun) {
    return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// "12", "12 (3 failed)" or "12, all failed": a rule every request of which failed is reached,
// not covered by a working route.
std::string coverageCount(const RouteCoverage& c) {
    std::string text = std::to_string(c.requests);
    if (c.failed == 0) return text;
    if (c.failed == c.requests) return text + ", all failed";
    return text + " (" + std::to_string(c.failed) + " failed)";
}

}  // namespace

std::string renderSummary(const RunResult& r) {
    std::ostringstream out;
    out << "scenario " << (r.scenario.empty() ? r.file : r.scenario) << ": "
        << counted(r.requests, "request") << " in " << fixed(r.elapsed_s) << " s (seed " << r.seed << ")"
        << (r.incomplete ? ", INCOMPLETE: cut short" : "") << "\n";
    for (const auto& c : r.controllers) out << "  controller " << c << "\n";
    for (const auto& p : r.profiles)
        out << "  traffic " << p.name << ": " << counted(p.requests, "request") << ", " << fixed(p.rate)
            << "/s, errors " << p.errors << ", latency p50 " << fixed(p.p50_ms) << " ms, p95 "
            << fixed(p.p95_ms) << " ms, p99 " << fixed(p.p99_ms) << " ms\n"
            << (p.by_status.empty() ? "" : "    statuses " + statusText(p.by_status) + "\n");
    for (const auto& e : r.timeline)
        out << "  at " << fixed(e.at_s) << " s: " << e.text
            << (e.until_s > e.at_s ? " until " + fixed(e.until_s) + " s" : "") << "\n";
    std::size_t covered = 0;
    for (const auto& c : r.coverage) covered += c.requests > 0;
    out << "  route coverage: " << fixed(r.coverage_percent) << "% (" << covered << " of "
        << counted(r.coverage.size(), "rule") << ")\n";
    for (const auto& c : r.coverage)
        if (c.requests > 0 && c.failed == c.requests)
            out << "    every request to " << c.host << c.path << " failed (" << c.ingress << ")\n";
    for (const auto& e : r.expectations)
        out << (e.passed ? "  PASS " : "  FAIL ") << e.name << (e.passed ? "" : "\n       measured: " + e.measured)
            << (e.passed || !e.location.known() ? "" : "\n       at " + e.location.str()) << "\n";
    const std::size_t failed = failures(r);
    out << (failed == 0 ? "PASSED" : "FAILED") << ": " << r.expectations.size() - failed << " of "
        << r.expectations.size() << " expectations hold\n";
    return out.str();
}

std::string renderJson(const RunResult& r) {
    nlohmann::ordered_json j;
    j["scenario"] = r.scenario;
    j["file"] = r.file;
    j["description"] = r.description;
    j["seed"] = r.seed;
    j["passed"] = r.passed() && !r.incomplete;
    j["incomplete"] = r.incomplete;
    j["plannedSeconds"] = r.planned_s;
    j["elapsedSeconds"] = r.elapsed_s;
    j["requests"] = r.requests;
    if (!r.controllers.empty()) j["controllers"] = r.controllers;
    auto& exp = j["expectations"] = nlohmann::ordered_json::array();
    for (const auto& e : r.expectations) {
        nlohmann::ordered_json x;
        x["kind"] = kindName(e.kind);
        x["name"] = e.name;
        x["passed"] = e.passed;
        x["expected"] = e.expected;
        x["measured"] = e.measured;
        if (e.value) x["value"] = *e.value;
        if (e.location.known()) x["location"] = e.location.str();
        exp.push_back(std::move(x));
    }
    auto& profiles = j["traffic"] = nlohmann::ordered_json::array();
    for (const auto& p : r.profiles)
        profiles.push_back({{"name", p.name},
                            {"requests", p.requests},
                            {"errors", p.errors},
                            {"rate", p.rate},
                            {"latencyMs", {{"p50", p.p50_ms}, {"p95", p.p95_ms}, {"p99", p.p99_ms}, {"max", p.max_ms}}},
                            {"byStatus",
                             [&p] {
                                 nlohmann::ordered_json by_status = nlohmann::ordered_json::object();
                                 for (const auto& [status, n] : p.by_status)
                                     by_status[status == 0 ? "none" : std::to_string(status)] = n;
                                 return by_status;
                             }()},
                            {"byStatusClass",
                             {{"none", p.by_class[0]}, {"1xx", p.by_class[1]}, {"2xx", p.by_class[2]},
                              {"3xx", p.by_class[3]}, {"4xx", p.by_class[4]}, {"5xx", p.by_class[5]}}}});
    auto& coverage = j["coverage"];
    coverage["percent"] = r.coverage_percent;
    auto& rules = coverage["rules"] = nlohmann::ordered_json::array();
    for (const auto& c : r.coverage)
        rules.push_back({{"ingress", c.ingress}, {"host", c.host}, {"path", c.path},
                         {"service", c.service}, {"requests", c.requests}, {"failed", c.failed}});
    auto& timeline = j["timeline"] = nlohmann::ordered_json::array();
    for (const auto& e : r.timeline)
        timeline.push_back({{"at", e.at_s}, {"until", e.until_s}, {"what", e.text}});
    auto& seconds = j["seconds"] = nlohmann::ordered_json::array();
    for (const auto& s : r.seconds) {
        nlohmann::ordered_json p{{"second", s.second}, {"requests", s.requests}, {"errors", s.errors},
                                 {"p50Ms", s.p50_ms}, {"p99Ms", s.p99_ms}};
        for (const auto& [service, n] : s.by_service) p["byService"][service] = n;
        seconds.push_back(std::move(p));
    }
    return j.dump(2) + "\n";
}

std::string renderJUnit(const RunResult& r) {
    const std::string suite = r.scenario.empty() ? r.file : r.scenario;
    std::ostringstream out;
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out << "<testsuites name=\"ingress-lab\" tests=\"" << r.expectations.size() << "\" failures=\""
        << failures(r) << "\" time=\"" << fixed(r.elapsed_s, 3) << "\">\n";
    out << "  <testsuite name=\"" << xmlEscape(suite) << "\" tests=\"" << r.expectations.size()
        << "\" failures=\"" << failures(r) << "\" errors=\"" << (r.incomplete ? 1 : 0)
        << "\" time=\"" << fixed(r.elapsed_s, 3) << "\">\n";
    for (const auto& e : r.expectations) {
        out << "    <testcase classname=\"" << xmlEscape(suite + "." + kindName(e.kind))
            << "\" name=\"" << xmlEscape(e.name) << "\" time=\"0\"";
        if (e.passed) {
            out << "/>\n";
            continue;
        }
        out << ">\n      <failure message=\"" << xmlEscape(e.measured) << "\">expected: "
            << xmlEscape(e.expected) << "\nmeasured: " << xmlEscape(e.measured)
            << (e.location.known() ? "\nat " + xmlEscape(e.location.str()) : "")
            << "</failure>\n    </testcase>\n";
    }
    if (r.incomplete)
        out << "    <testcase classname=\"" << xmlEscape(suite) << "\" name=\"run\">\n"
            << "      <error message=\"the run was cut short\"/>\n    </testcase>\n";
    out << "  </testsuite>\n</testsuites>\n";
    return out.str();
}

std::string renderHtml(const RunResult& r) {
    const std::string title = r.scenario.empty() ? r.file : r.scenario;
    std::vector<AppliedEvent> windows = r.timeline;
    const std::size_t n = r.seconds.size();
    // Latency over time.
    std::vector<Series> latency = {{"p50", kPalette[0], {}}, {"p99", kPalette[1], {}}};
    for (const auto& s : r.seconds) {
        latency[0].values.push_back(s.p50_ms);
        latency[1].values.push_back(s.p99_ms);
    }
    // Requests per second per backend.
    std::set<std::string> services;
    for (const auto& s : r.seconds)
        for (const auto& [service, count] : s.by_service) services.insert(service);
    std::vector<Series> backends;
    std::size_t color = 0;
    for (const auto& service : services) {
        Series line{service, kPalette[color++ % 8], std::vector<double>(n, 0)};
        for (std::size_t i = 0; i < n; ++i)
            for (const auto& [name, count] : r.seconds[i].by_service)
                if (name == service) line.values[i] = static_cast<double>(count);
        backends.push_back(std::move(line));
    }
    // Status classes over time.
    std::vector<Series> classes;
    const char* class_names[] = {"no response", "1xx", "2xx", "3xx", "4xx", "5xx"};
    const char* class_colors[] = {"#555555", "#17becf", "#2ca02c", "#1f77b4", "#ff7f0e", "#d62728"};
    for (int c = 0; c < 6; ++c) {
        Series line{class_names[c], class_colors[c], {}};
        double total = 0;
        for (const auto& s : r.seconds) {
            line.values.push_back(static_cast<double>(s.by_class[c]));
            total += static_cast<double>(s.by_class[c]);
        }
        if (total > 0) classes.push_back(std::move(line));
    }
    // Canary share, configured and observed, per second.
    std::vector<Series> canary;
    for (const auto& split : r.canary_weights) {
        Series observed{split.canary + " observed %", kPalette[1], {}};
        Series configured{split.canary + " configured %", kPalette[0],
                          std::vector<double>(n, split.percent), true};
        for (const auto& [at, percent] : split.steps)  // a progressive canary's steps
            for (std::size_t i = static_cast<std::size_t>(std::max(0.0, at)); i < n; ++i)
                configured.values[i] = percent;
        // Of the requests the two sides of the split served in that second.
        for (const auto& s : r.seconds) {
            double total = 0, mine = 0;
            for (const auto& [name, count] : s.by_service) {
                if (name == split.canary) mine = static_cast<double>(count);
                if (name == split.canary || name == split.main) total += static_cast<double>(count);
            }
            observed.values.push_back(total > 0 ? 100 * mine / total : 0);
        }
        canary.push_back(std::move(configured));
        canary.push_back(std::move(observed));
    }

    std::ostringstream out;
    out << "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        << "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        << "<title>" << xmlEscape(title) << " – Ingress Lab scenario report</title><style>"
        << "body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:980px;color:#222;padding:0 1rem}"
        << "h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem}"
        << ".verdict{display:inline-block;padding:.2rem .7rem;border-radius:4px;color:#fff;font-weight:600}"
        << ".pass{background:#2e7d32}.fail{background:#c62828}.incomplete{background:#8d6e00}"
        << "table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.3rem .5rem;"
        << "border-bottom:1px solid #ddd;vertical-align:top}th{background:#f4f4f4}"
        << "td.ok{color:#2e7d32;font-weight:600}td.bad{color:#c62828;font-weight:600}"
        << ".charts{display:grid;grid-template-columns:1fr;gap:1rem}svg{width:100%;height:auto;background:#fff;"
        << "border:1px solid #e2e2e2;border-radius:4px}svg .title{font-weight:600;font-size:13px}"
        << "svg .tick{font-size:11px;fill:#555}svg .grid{stroke:#eee}svg .window{fill:#f9a825;fill-opacity:.18}"
        << "code{background:#f4f4f4;padding:0 .2rem}"
        << "@media (prefers-color-scheme: dark){body{background:#121212;color:#ddd}th{background:#222}"
        << "td,th{border-color:#333}svg{background:#1b1b1b;border-color:#333}svg .tick{fill:#aaa}"
        << "svg .grid{stroke:#2a2a2a}code{background:#222}}</style></head><body>\n";
    const bool ok = r.passed() && !r.incomplete;
    out << "<h1>" << xmlEscape(title) << "</h1>\n";
    if (!r.description.empty()) out << "<p>" << xmlEscape(r.description) << "</p>\n";
    out << "<p><span class='verdict " << (r.incomplete ? "incomplete" : ok ? "pass" : "fail") << "'>"
        << (r.incomplete ? "INCOMPLETE" : ok ? "PASSED" : "FAILED") << "</span> "
        << r.expectations.size() - failures(r) << " of " << r.expectations.size()
        << " expectations hold · " << counted(r.requests, "request") << " in " << fixed(r.elapsed_s)
        << " s · seed " << r.seed << " · <code>" << xmlEscape(r.file) << "</code></p>\n";
    if (!r.controllers.empty()) {
        out << "<p>Controllers, side by side on the same pods:";
        for (const auto& c : r.controllers) out << " <code>" << xmlEscape(c) << "</code>";
        out << "</p>\n";
    }

    out << "<h2>Expectations</h2><table><tr><th></th><th>Expectation</th><th>Measured</th></tr>\n";
    for (const auto& e : r.expectations)
        out << "<tr><td class='" << (e.passed ? "ok'>pass" : "bad'>fail") << "</td><td>"
            << xmlEscape(e.name) << (e.name == e.expected ? "" : "<br><small>" + xmlEscape(e.expected) + "</small>")
            << "</td><td>" << xmlEscape(e.measured) << "</td></tr>\n";
    out << "</table>\n";

    out << "<h2>Traffic</h2><table><tr><th>Profile</th><th>Requests</th><th>Rate</th><th>Errors</th>"
        << "<th>Statuses</th><th>p50</th><th>p95</th><th>p99</th><th>max</th></tr>\n";
    for (const auto& p : r.profiles)
        out << "<tr><td>" << xmlEscape(p.name) << "</td><td>" << p.requests << "</td><td>"
            << fixed(p.rate) << "/s</td><td>" << p.errors << "</td><td>"
            << xmlEscape(statusText(p.by_status)) << "</td><td>" << fixed(p.p50_ms)
            << " ms</td><td>" << fixed(p.p95_ms) << " ms</td><td>" << fixed(p.p99_ms)
            << " ms</td><td>" << fixed(p.max_ms) << " ms</td></tr>\n";
    out << "</table>\n<p><small>Latency is measured from when each request was due to be sent, "
        << "so a stalled backend cannot hide behind coordinated omission. Shaded bands are the "
        << "timeline's fault windows.</small></p>\n<div class='charts'>\n";
    out << chart("Latency over time", "ms", latency, windows, r.planned_s) << "\n";
    if (!backends.empty()) out << chart("Requests per second per backend", "req/s", backends, windows, r.planned_s) << "\n";
    if (!classes.empty()) out << chart("Status classes over time", "req/s", classes, windows, r.planned_s) << "\n";
    if (!canary.empty()) out << chart("Canary share, configured and observed", "%", canary, windows, r.planned_s) << "\n";
    out << "</div>\n";

    if (!r.timeline.empty()) {
        out << "<h2>Timeline</h2><table><tr><th>At</th><th>Until</th><th>What</th></tr>\n";
        for (const auto& e : r.timeline)
            out << "<tr><td>" << fixed(e.at_s) << " s</td><td>"
                << (e.until_s > e.at_s ? fixed(e.until_s) + " s" : "") << "</td><td>"
                << xmlEscape(e.text) << "</td></tr>\n";
        out << "</table>\n";
    }
    out << "<h2>Route coverage: " << fixed(r.coverage_percent) << "%</h2><table><tr><th>Ingress</th>"
        << "<th>Host</th><th>Path</th><th>Service</th><th>Requests</th></tr>\n";
    for (const auto& c : r.coverage)
        out << "<tr><td>" << xmlEscape(c.ingress) << "</td><td>" << xmlEscape(c.host) << "</td><td>"
            << xmlEscape(c.path) << "</td><td>" << xmlEscape(c.service) << "</td><td class='"
            << (c.requests > c.failed ? "ok'>" : "bad'>") << coverageCount(c) << "</td></tr>\n";
    out << "</table>\n<p><small>Made by ingress-lab run.</small></p>\n</body></html>\n";
    return out.str();
}

}  // namespace ilab::scenario
