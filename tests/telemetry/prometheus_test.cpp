#include "engine/telemetry/prometheus.h"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "engine/telemetry/telemetry.h"
#include "tests/telemetry/events.h"

namespace ilab::telemetry {
namespace {

using namespace fixtures;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TelemetryOptions testOptions() {
    TelemetryOptions o;
    o.epoch = epoch();
    return o;
}

PrometheusOptions shortLabels() {
    PrometheusOptions o;
    o.controller_class = "k8s.io/ingress-nginx";
    o.controller_namespace = "ingress-nginx";
    o.controller_pod = "ctrl-0";
    o.lab_metrics = false;
    return o;
}

std::string render(Telemetry& t, TimePoint now, const PrometheusOptions& o = shortLabels()) {
    t.flush(now);
    return renderPrometheus(*t.snapshot(), o);
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

// The lines of `text` that start with `prefix`.
std::string linesStartingWith(const std::string& text, const std::string& prefix) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::string line = text.substr(start, end - start);
        if (line.rfind(prefix, 0) == 0) out += line + "\n";
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

TEST(PrometheusFloatTest, FormatsLikeGoStrconvShortestG) {
    EXPECT_EQ(formatPrometheusFloat(0), "0");
    EXPECT_EQ(formatPrometheusFloat(1), "1");
    EXPECT_EQ(formatPrometheusFloat(-1.5), "-1.5");
    EXPECT_EQ(formatPrometheusFloat(0.005), "0.005");
    EXPECT_EQ(formatPrometheusFloat(2.5), "2.5");
    EXPECT_EQ(formatPrometheusFloat(10), "10");
    EXPECT_EQ(formatPrometheusFloat(100000), "100000");
    EXPECT_EQ(formatPrometheusFloat(1e6), "1e+06");
    EXPECT_EQ(formatPrometheusFloat(1e7), "1e+07");
    EXPECT_EQ(formatPrometheusFloat(1234567), "1.234567e+06");
    EXPECT_EQ(formatPrometheusFloat(123456789), "1.23456789e+08");
    EXPECT_EQ(formatPrometheusFloat(1e21), "1e+21");
    EXPECT_EQ(formatPrometheusFloat(0.0001), "0.0001");
    EXPECT_EQ(formatPrometheusFloat(0.00001), "1e-05");
    EXPECT_EQ(formatPrometheusFloat(0.00012345), "0.00012345");
    EXPECT_EQ(formatPrometheusFloat(0.1 + 0.2), "0.30000000000000004");
    EXPECT_EQ(formatPrometheusFloat(21.016), "21.016");
    EXPECT_EQ(formatPrometheusFloat(std::numeric_limits<double>::quiet_NaN()), "NaN");
    EXPECT_EQ(formatPrometheusFloat(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(formatPrometheusFloat(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(PrometheusLabelTest, EscapesBackslashQuoteAndNewlineOnly) {
    EXPECT_EQ(escapeLabelValue(R"(C:\dir "x")"), R"(C:\\dir \"x\")");
    EXPECT_EQ(escapeLabelValue("a\nb"), "a\\nb");
    EXPECT_EQ(escapeLabelValue("tab\there"), "tab\there");
    EXPECT_EQ(escapeLabelValue("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x80"),
              "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x80");
}

TEST(PrometheusLabelTest, ReplacesInvalidUtf8) {
    EXPECT_EQ(escapeLabelValue("a\xFF"
                               "b"),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(escapeLabelValue("\xC3"), "\xEF\xBF\xBD");                  // truncated
    EXPECT_EQ(escapeLabelValue("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
    EXPECT_EQ(escapeLabelValue("\xED\xA0\x80"),
              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
}

// One proxied request, every family, byte for byte.
TEST(PrometheusTest, GoldenExpositionOfOneRequest) {
    Telemetry t(testOptions());
    t.record(makeEvent());  // 2 ms, 80 bytes in, 250 out; connect 0 ms, header 1, response 1
    const std::string controller =
        R"(controller_class="k8s.io/ingress-nginx",controller_namespace="ingress-nginx",)"
        R"(controller_pod="ctrl-0",)";
    const std::string labels = R"(canary="",)" + controller +
                               R"(host="shop.example.com",ingress="web",method="GET",)"
                               R"(namespace="shop",path="/",service="web",status="200")";
    const std::string summary_labels =
        R"(canary="",)" + controller + R"(ingress="web",namespace="shop",service="web")";
    // Golden text: lines are as long as the exposition makes them.
    std::string expected =
        R"(# HELP nginx_ingress_controller_bytes_sent DEPRECATED The number of bytes sent to a client
# TYPE nginx_ingress_controller_bytes_sent histogram
nginx_ingress_controller_bytes_sent_bucket{$L,le="10"} 0
nginx_ingress_controller_bytes_sent_bucket{$L,le="100"} 0
nginx_ingress_controller_bytes_sent_bucket{$L,le="1000"} 1
nginx_ingress_controller_bytes_sent_bucket{$L,le="10000"} 1
nginx_ingress_controller_bytes_sent_bucket{$L,le="100000"} 1
nginx_ingress_controller_bytes_sent_bucket{$L,le="1e+06"} 1
nginx_ingress_controller_bytes_sent_bucket{$L,le="1e+07"} 1
nginx_ingress_controller_bytes_sent_bucket{$L,le="+Inf"} 1
nginx_ingress_controller_bytes_sent_sum{$L} 250
nginx_ingress_controller_bytes_sent_count{$L} 1
# HELP nginx_ingress_controller_connect_duration_seconds The time spent on establishing a connection with the upstream server
# TYPE nginx_ingress_controller_connect_duration_seconds histogram
nginx_ingress_controller_connect_duration_seconds_bucket{$L,le="0.005"} 1
nginx_ingress_controller_connect_duration_seconds_bucket{$L,le="0.01"} 1
nginx_ingress_controller_connect_duration_seconds_bucket{$L,le="0.025"} 1
nginx_ingress_controller_connect_duration_seconds_bucket{$L,le="0.05"} 1
nginx_ingress_controller_connect_duration_seconds_bucket{$L,le="0.1"} 1
nginx_ingress_controller_connect_duration_seconds_bucket{$L,le="0.25"} 1
nginx_ingress_controller_connect_duration_seconds_bucket{$L,le="0.5"} 1
nginx_ingress_controller_connect_duration_seconds_bucket{$L,le="1"} 1
nginx_ingress_controller_connect_duration_seconds_bucket{$L,le="2.5"} 1
nginx_ingress_controller_connect_duration_seconds_bucket{$L,le="5"} 1
nginx_ingress_controller_connect_duration_seconds_bucket{$L,le="10"} 1
nginx_ingress_controller_connect_duration_seconds_bucket{$L,le="+Inf"} 1
nginx_ingress_controller_connect_duration_seconds_sum{$L} 0
nginx_ingress_controller_connect_duration_seconds_count{$L} 1
# HELP nginx_ingress_controller_header_duration_seconds The time spent on receiving first header from the upstream server
# TYPE nginx_ingress_controller_header_duration_seconds histogram
nginx_ingress_controller_header_duration_seconds_bucket{$L,le="0.005"} 1
nginx_ingress_controller_header_duration_seconds_bucket{$L,le="0.01"} 1
nginx_ingress_controller_header_duration_seconds_bucket{$L,le="0.025"} 1
nginx_ingress_controller_header_duration_seconds_bucket{$L,le="0.05"} 1
nginx_ingress_controller_header_duration_seconds_bucket{$L,le="0.1"} 1
nginx_ingress_controller_header_duration_seconds_bucket{$L,le="0.25"} 1
nginx_ingress_controller_header_duration_seconds_bucket{$L,le="0.5"} 1
nginx_ingress_controller_header_duration_seconds_bucket{$L,le="1"} 1
nginx_ingress_controller_header_duration_seconds_bucket{$L,le="2.5"} 1
nginx_ingress_controller_header_duration_seconds_bucket{$L,le="5"} 1
nginx_ingress_controller_header_duration_seconds_bucket{$L,le="10"} 1
nginx_ingress_controller_header_duration_seconds_bucket{$L,le="+Inf"} 1
nginx_ingress_controller_header_duration_seconds_sum{$L} 0.001
nginx_ingress_controller_header_duration_seconds_count{$L} 1
# HELP nginx_ingress_controller_ingress_upstream_latency_seconds DEPRECATED Upstream service latency per Ingress
# TYPE nginx_ingress_controller_ingress_upstream_latency_seconds summary
nginx_ingress_controller_ingress_upstream_latency_seconds{$S,quantile="0.5"} 0
nginx_ingress_controller_ingress_upstream_latency_seconds{$S,quantile="0.9"} 0
nginx_ingress_controller_ingress_upstream_latency_seconds{$S,quantile="0.99"} 0
nginx_ingress_controller_ingress_upstream_latency_seconds_sum{$S} 0
nginx_ingress_controller_ingress_upstream_latency_seconds_count{$S} 1
# HELP nginx_ingress_controller_request_duration_seconds The request processing time in milliseconds
# TYPE nginx_ingress_controller_request_duration_seconds histogram
nginx_ingress_controller_request_duration_seconds_bucket{$L,le="0.005"} 1
nginx_ingress_controller_request_duration_seconds_bucket{$L,le="0.01"} 1
nginx_ingress_controller_request_duration_seconds_bucket{$L,le="0.025"} 1
nginx_ingress_controller_request_duration_seconds_bucket{$L,le="0.05"} 1
nginx_ingress_controller_request_duration_seconds_bucket{$L,le="0.1"} 1
nginx_ingress_controller_request_duration_seconds_bucket{$L,le="0.25"} 1
nginx_ingress_controller_request_duration_seconds_bucket{$L,le="0.5"} 1
nginx_ingress_controller_request_duration_seconds_bucket{$L,le="1"} 1
nginx_ingress_controller_request_duration_seconds_bucket{$L,le="2.5"} 1
nginx_ingress_controller_request_duration_seconds_bucket{$L,le="5"} 1
nginx_ingress_controller_request_duration_seconds_bucket{$L,le="10"} 1
nginx_ingress_controller_request_duration_seconds_bucket{$L,le="+Inf"} 1
nginx_ingress_controller_request_duration_seconds_sum{$L} 0.002
nginx_ingress_controller_request_duration_seconds_count{$L} 1
# HELP nginx_ingress_controller_request_size The request length (including request line, header, and request body)
# TYPE nginx_ingress_controller_request_size histogram
nginx_ingress_controller_request_size_bucket{$L,le="10"} 0
nginx_ingress_controller_request_size_bucket{$L,le="20"} 0
nginx_ingress_controller_request_size_bucket{$L,le="30"} 0
nginx_ingress_controller_request_size_bucket{$L,le="40"} 0
nginx_ingress_controller_request_size_bucket{$L,le="50"} 0
nginx_ingress_controller_request_size_bucket{$L,le="60"} 0
nginx_ingress_controller_request_size_bucket{$L,le="70"} 0
nginx_ingress_controller_request_size_bucket{$L,le="80"} 1
nginx_ingress_controller_request_size_bucket{$L,le="90"} 1
nginx_ingress_controller_request_size_bucket{$L,le="100"} 1
nginx_ingress_controller_request_size_bucket{$L,le="+Inf"} 1
nginx_ingress_controller_request_size_sum{$L} 80
nginx_ingress_controller_request_size_count{$L} 1
# HELP nginx_ingress_controller_requests The total number of client requests
# TYPE nginx_ingress_controller_requests counter
nginx_ingress_controller_requests{$L} 1
# HELP nginx_ingress_controller_response_duration_seconds The time spent on receiving the response from the upstream server
# TYPE nginx_ingress_controller_response_duration_seconds histogram
nginx_ingress_controller_response_duration_seconds_bucket{$L,le="0.005"} 1
nginx_ingress_controller_response_duration_seconds_bucket{$L,le="0.01"} 1
nginx_ingress_controller_response_duration_seconds_bucket{$L,le="0.025"} 1
nginx_ingress_controller_response_duration_seconds_bucket{$L,le="0.05"} 1
nginx_ingress_controller_response_duration_seconds_bucket{$L,le="0.1"} 1
nginx_ingress_controller_response_duration_seconds_bucket{$L,le="0.25"} 1
nginx_ingress_controller_response_duration_seconds_bucket{$L,le="0.5"} 1
nginx_ingress_controller_response_duration_seconds_bucket{$L,le="1"} 1
nginx_ingress_controller_response_duration_seconds_bucket{$L,le="2.5"} 1
nginx_ingress_controller_response_duration_seconds_bucket{$L,le="5"} 1
nginx_ingress_controller_response_duration_seconds_bucket{$L,le="10"} 1
nginx_ingress_controller_response_duration_seconds_bucket{$L,le="+Inf"} 1
nginx_ingress_controller_response_duration_seconds_sum{$L} 0.001
nginx_ingress_controller_response_duration_seconds_count{$L} 1
# HELP nginx_ingress_controller_response_size The response length (including request line, header, and request body)
# TYPE nginx_ingress_controller_response_size histogram
nginx_ingress_controller_response_size_bucket{$L,le="10"} 0
nginx_ingress_controller_response_size_bucket{$L,le="20"} 0
nginx_ingress_controller_response_size_bucket{$L,le="30"} 0
nginx_ingress_controller_response_size_bucket{$L,le="40"} 0
nginx_ingress_controller_response_size_bucket{$L,le="50"} 0
nginx_ingress_controller_response_size_bucket{$L,le="60"} 0
nginx_ingress_controller_response_size_bucket{$L,le="70"} 0
nginx_ingress_controller_response_size_bucket{$L,le="80"} 0
nginx_ingress_controller_response_size_bucket{$L,le="90"} 0
nginx_ingress_controller_response_size_bucket{$L,le="100"} 0
nginx_ingress_controller_response_size_bucket{$L,le="+Inf"} 1
nginx_ingress_controller_response_size_sum{$L} 250
nginx_ingress_controller_response_size_count{$L} 1
)";
    expected = replaceAll(replaceAll(expected, "$L", labels), "$S", summary_labels);
    EXPECT_EQ(render(t, epoch() + seconds{1}), expected);
}

TEST(PrometheusTest, WithoutTrafficOnlyTheLabCountersAppear) {
    Telemetry t(testOptions());
    PrometheusOptions o = shortLabels();
    o.lab_metrics = true;
    EXPECT_EQ(render(t, epoch(), o),
              "# HELP ingress_lab_telemetry_events_dropped_total Request events refused because "
              "the telemetry queue was full; they are missing from every metric\n"
              "# TYPE ingress_lab_telemetry_events_dropped_total counter\n"
              "ingress_lab_telemetry_events_dropped_total 0\n"
              "# HELP ingress_lab_telemetry_events_total Request events aggregated into these "
              "metrics\n"
              "# TYPE ingress_lab_telemetry_events_total counter\n"
              "ingress_lab_telemetry_events_total 0\n"
              "# HELP ingress_lab_telemetry_series_overflow_total Request events left out of the "
              "nginx_ingress_controller_* series because the series cap was reached\n"
              "# TYPE ingress_lab_telemetry_series_overflow_total counter\n"
              "ingress_lab_telemetry_series_overflow_total 0\n");
}

TEST(PrometheusTest, BucketsAreCumulativeWithInclusiveUpperBoundsInNginxMilliseconds) {
    Telemetry t(testOptions());
    // 5 ms sits on the 0.005 edge; 5.999 ms is 5 ms to nginx; 10 s is on the last edge.
    for (auto d : {microseconds{5000}, microseconds{5999}, microseconds{6000},
                   microseconds{10'000'000}, microseconds{11'000'000}}) {
        t.record(makeEvent({.duration = d}));
    }
    const std::string text = render(t, epoch() + seconds{1});
    const std::string lines =
        linesStartingWith(text, "nginx_ingress_controller_request_duration_seconds");
    auto value = [&](const std::string& le) {
        const std::string key = "le=\"" + le + "\"} ";
        const auto at = lines.find(key);
        EXPECT_NE(at, std::string::npos) << le;
        return lines.substr(at + key.size(), lines.find('\n', at) - at - key.size());
    };
    EXPECT_EQ(value("0.005"), "2");
    EXPECT_EQ(value("0.01"), "3");
    EXPECT_EQ(value("5"), "3");
    EXPECT_EQ(value("10"), "4");
    EXPECT_EQ(value("+Inf"), "5");
    EXPECT_NE(lines.find("_sum{"), std::string::npos);
    EXPECT_NE(lines.find("} 21.016\n"), std::string::npos) << lines;  // (5+5+6+10000+11000) ms
    EXPECT_NE(lines.find("_count{"), std::string::npos);
}

TEST(PrometheusTest, LabelValuesAreEscaped) {
    Telemetry t(testOptions());
    t.record(makeEvent({.host = "we\"ird\\host", .path = "/a\nb"}));
    const std::string text = render(t, epoch() + seconds{1});
    EXPECT_NE(text.find(R"(host="we\"ird\\host")"), std::string::npos) << text;
    EXPECT_NE(text.find(R"(path="/a\nb")"), std::string::npos);
}

TEST(PrometheusTest, SeriesAreSortedByLabelValues) {
    Telemetry t(testOptions());
    t.record(makeEvent({.status = 404, .method = "POST"}));
    t.record(makeEvent({.status = 200, .method = "POST"}));
    t.record(makeEvent({.status = 200, .method = "GET"}));
    t.record(makeEvent({.status = 200, .method = "GET"}));
    const std::string requests =
        linesStartingWith(render(t, epoch() + seconds{1}), "nginx_ingress_controller_requests{");
    const auto get200 =
        requests.find(R"(method="GET",namespace="shop",path="/",service="web",status="200"} 2)");
    const auto post200 =
        requests.find(R"(method="POST",namespace="shop",path="/",service="web",status="200"} 1)");
    const auto post404 =
        requests.find(R"(method="POST",namespace="shop",path="/",service="web",status="404"} 1)");
    ASSERT_NE(get200, std::string::npos) << requests;
    ASSERT_NE(post200, std::string::npos);
    ASSERT_NE(post404, std::string::npos);
    EXPECT_LT(get200, post200);
    EXPECT_LT(post200, post404);
}

TEST(PrometheusTest, CanaryLabelNamesTheAlternativeUpstreamAndServiceStaysTheMainOne) {
    Telemetry t(testOptions());
    t.record(makeEvent({.pod = "web-canary-1", .canary = true}));
    const std::string requests =
        linesStartingWith(render(t, epoch() + seconds{1}), "nginx_ingress_controller_requests{");
    EXPECT_NE(requests.find(R"(canary="shop-web-canary-80",)"), std::string::npos) << requests;
    EXPECT_NE(requests.find(R"(service="web",)"), std::string::npos);
}

TEST(PrometheusTest, RetriedRequestsSkipUpstreamTimingsAsIngressNginxDoes) {
    Telemetry t(testOptions());
    RequestEvent e = makeEvent();
    UpstreamAttempt failed = e.upstreams.front();
    failed.status = 502;
    failed.connected.reset();
    failed.first_byte.reset();
    e.upstreams.insert(e.upstreams.begin(), failed);
    t.record(e);
    const std::string text = render(t, epoch() + seconds{1});
    EXPECT_EQ(text.find("connect_duration_seconds"), std::string::npos);
    EXPECT_EQ(text.find("header_duration_seconds"), std::string::npos);
    EXPECT_EQ(text.find("response_duration_seconds"), std::string::npos);
    EXPECT_EQ(text.find("ingress_upstream_latency_seconds"), std::string::npos);
    EXPECT_NE(text.find("nginx_ingress_controller_requests{"), std::string::npos);
    EXPECT_NE(text.find("nginx_ingress_controller_request_duration_seconds_count{"),
              std::string::npos);
}

TEST(PrometheusTest, RequestsAnsweredWithoutAPodHaveNoUpstreamSeries) {
    Telemetry t(testOptions());
    t.record(makeEvent({.status = 308, .pod = ""}));
    const std::string text = render(t, epoch() + seconds{1});
    EXPECT_EQ(text.find("response_duration_seconds"), std::string::npos);
    EXPECT_NE(text.find(R"(status="308"} 1)"), std::string::npos);
}

TEST(PrometheusTest, StatusClassesAndPerHostFollowTheControllerFlags) {
    TelemetryOptions o = testOptions();
    o.report_status_classes = true;
    o.metrics_per_host = false;
    Telemetry t(o);
    t.record(makeEvent({.status = 201}));
    t.record(makeEvent({.status = 204}));
    const std::string requests =
        linesStartingWith(render(t, epoch() + seconds{1}), "nginx_ingress_controller_requests{");
    EXPECT_EQ(
        requests,
        R"(nginx_ingress_controller_requests{canary="",controller_class="k8s.io/ingress-nginx",)"
        R"(controller_namespace="ingress-nginx",controller_pod="ctrl-0",ingress="web",)"
        R"(method="GET",namespace="shop",path="/",service="web",status="2xx"} 2)"
        "\n");
}

TEST(PrometheusTest, SummaryQuantilesCoverTheSlidingWindowAndTotalsTheLifetime) {
    Telemetry t(testOptions());
    for (int ms = 1; ms <= 100; ++ms) {
        RequestEvent e = makeEvent();
        UpstreamAttempt& up = e.upstreams.front();
        up.connected = up.start + milliseconds{ms};
        t.record(e);
    }
    const std::string recent = linesStartingWith(
        render(t, epoch() + minutes{5}), "nginx_ingress_controller_ingress_upstream_latency");
    EXPECT_NE(recent.find(R"(quantile="0.5"} 0.05)"), std::string::npos) << recent;
    EXPECT_NE(recent.find(R"(quantile="0.9"} 0.09)"), std::string::npos);
    // 99 ms shares a 2 ms bucket with 98 ms (widths are 1/32 of 64..127): the histogram's
    // answer is within its 1/64 bound; client_golang's summary would say 0.099.
    EXPECT_NE(recent.find(R"(quantile="0.99"} 0.098)"), std::string::npos);
    EXPECT_NE(recent.find("_sum{"), std::string::npos);
    EXPECT_NE(recent.find("} 5.05\n"), std::string::npos);
    EXPECT_NE(recent.find("} 100\n"), std::string::npos);

    // Eleven minutes on, the window is empty: NaN quantiles, lifetime sum and count remain.
    const std::string later = linesStartingWith(
        render(t, epoch() + minutes{11}), "nginx_ingress_controller_ingress_upstream_latency");
    EXPECT_NE(later.find(R"(quantile="0.5"} NaN)"), std::string::npos) << later;
    EXPECT_NE(later.find("} 5.05\n"), std::string::npos);
    EXPECT_NE(later.find("} 100\n"), std::string::npos);
}

TEST(PrometheusTest, TheSeriesCapCountsWhatItLeavesOut) {
    TelemetryOptions o = testOptions();
    o.max_prometheus_series = 1;
    Telemetry t(o);
    t.record(makeEvent({.status = 200}));
    t.record(makeEvent({.status = 500}));
    t.record(makeEvent({.status = 200}));
    PrometheusOptions p = shortLabels();
    p.lab_metrics = true;
    const std::string text = render(t, epoch() + seconds{1}, p);
    EXPECT_NE(text.find("ingress_lab_telemetry_series_overflow_total 1\n"), std::string::npos);
    EXPECT_NE(text.find("ingress_lab_telemetry_events_total 3\n"), std::string::npos);
    EXPECT_EQ(text.find(R"(status="500")"), std::string::npos);
    EXPECT_NE(text.find(R"(status="200"} 2)"), std::string::npos);
}

}  // namespace
}  // namespace ilab::telemetry
