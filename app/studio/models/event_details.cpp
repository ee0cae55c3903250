#include "app/studio/models/event_details.h"

#include <QStringList>

namespace ilab::studio {
namespace {

QString esc(const std::string& s) {
    return QString::fromStdString(s).toHtmlEscaped();
}

QString ms(telemetry::Micros d) {
    return QString::number(static_cast<double>(d.count()) / 1000.0, 'f', 2) + " ms";
}

QString since(telemetry::TimePoint from, telemetry::TimePoint t) {
    return ms(std::chrono::duration_cast<telemetry::Micros>(t - from));
}

QString row(const QString& label, const QString& value) {
    return "<tr><td style='padding-right:12px'><b>" + label + "</b></td><td>" + value +
           "</td></tr>";
}

QString statusHtml(int status) {
    static const char* colours[] = {"#6a6e73", "#8476d1", "#3e8635", "#0066cc", "#ec7a08", "#c9190b"};
    const int c = telemetry::statusClass(status);
    return QString("<span style='color:%1;font-weight:bold'>%2</span>")
        .arg(colours[c], status ? QString::number(status) : QString("no answer"));
}

QString headerTable(const std::vector<std::pair<std::string, std::string>>& headers) {
    if (headers.empty()) return "<i>none</i>";
    QString html = "<table cellspacing=0>";
    for (const auto& [name, value] : headers)
        html += "<tr><td style='padding-right:8px; white-space:nowrap'><tt>" + esc(name) + ":</tt></td><td><tt>" +
                esc(value) + "</tt></td></tr>";
    return html + "</table>";
}

// The three header tables side by side, straight under the answer: sent, as the controller
// rewrites them, as the pod received them. Read left to right they are the lesson; below
// the trace they sat under the fold.
QString headerColumns(const ComposedResult& r) {
    const auto column = [](const QString& title, const std::string& request_line,
                           const QString& table, const QString& note = {}) {
        return "<td valign=top style='padding-right:16px'><h4 style='margin-top:0'>" + title +
               "</h4><tt>" + esc(request_line) + "</tt>" + table + note + "</td>";
    };
    QString html = "<table cellspacing=0 style='margin-top:8px'><tr>";
    html += column("Headers as sent", r.request.method + " " + r.sent.target,
                   headerTable(r.sent.headers));
    if (r.rewritten)
        html += column("As the controller rewrites them",
                       r.request.method + " " + r.rewritten->target,
                       headerTable(r.rewritten->headers),
                       "<p><i>plus X-Forwarded-*, X-Real-IP and X-Request-ID, as ingress-nginx "
                       "adds them</i></p>");
    if (r.received)
        html += column("As pod " + esc(r.served_pod) + " received them",
                       r.received_method + " " + r.received->target,
                       headerTable(r.received->headers));
    return html + "</tr></table>";
}

QString timings(const telemetry::RequestEvent& e) {
    QString html = "<table>";
    const auto start = e.accepted;
    if (e.tls_done) html += row("TLS done", "+" + since(start, *e.tls_done));
    if (e.routed) html += row("routed", "+" + since(start, *e.routed));
    if (auto c = e.upstreamConnected()) html += row("upstream connected", "+" + since(start, *c));
    if (auto f = e.firstByte()) html += row("first byte", "+" + since(start, *f));
    html += row("complete", "+" + since(start, e.complete));
    return html + "</table>";
}

QString drawText(std::uint64_t draw, const std::optional<CanaryOdds>& odds) {
    if (!odds) return QString::number(draw);
    return QString("%1 of %2 (the canary serves draws &le; %3)")
        .arg(draw)
        .arg(odds->total)
        .arg(odds->weight);
}

}  // namespace

std::optional<CanaryOdds> canaryOdds(const routing::RouteTable& table,
                                     const telemetry::RequestEvent& e) {
    const routing::Server* server = table.findServer(e.host.substr(0, e.host.find(':')));
    if (!server) return std::nullopt;
    const std::string ingress = e.ingress.str();
    for (const auto& loc : server->locations) {
        if (loc.ingress != ingress || loc.path != e.rule_path || !loc.canary) continue;
        const auto& policy = loc.canary->policy;
        if (policy.weight <= 0) return std::nullopt;
        return CanaryOdds{static_cast<std::uint64_t>(policy.weight),
                          static_cast<std::uint64_t>(policy.effectiveWeightTotal())};
    }
    return std::nullopt;
}

QString eventDetailsHtml(const telemetry::RequestEvent& e, telemetry::TimePoint epoch,
                         const routing::RouteTable* table) {
    QString html;
    html += "<h3 style='margin:0'>" + esc(e.method) + " " + esc(e.scheme) + "://" + esc(e.host) +
            esc(e.target) + " &rarr; " + statusHtml(e.status) + "</h3>";
    html += "<table>";
    html += row("at", QString::number(std::chrono::duration<double>(e.complete - epoch).count(), 'f', 3) + " s");
    html += row("request id", "<tt>" + esc(e.request_id) + "</tt>");
    html += row("client", esc(e.client_address) + ", " + esc(e.http_version));
    html += row("Ingress", e.ingress.empty() ? QString("<i>none</i>") : esc(e.ingress.str()));
    if (!e.rule_path.empty()) html += row("rule path", "<tt>" + esc(e.rule_path) + "</tt>");
    if (!e.servingService().empty())
        html += row("Service", esc(e.servingService().str()) + ":" + esc(e.servingService().port) +
                                   (e.canary ? " <b>(canary)</b>" : ""));
    if (e.canary_draw)
        html += row("canary draw",
                    drawText(*e.canary_draw, table ? canaryOdds(*table, e) : std::nullopt));
    if (!e.decision.empty()) html += row("decision", esc(e.decision));
    html += row("latency", ms(e.requestTime()));
    html += row("bytes", QString("%1 in, %2 out").arg(e.request_length).arg(e.bytes_sent));
    html += "</table>";
    if (!e.faults.empty()) {
        html += "<h4>Faults that acted</h4><ul>";
        for (const auto& f : e.faults) html += "<li>" + esc(f) + "</li>";
        html += "</ul>";
    }
    if (!e.upstreams.empty()) {
        html += "<h4>Upstream tries</h4><table border=0 cellspacing=4>"
                "<tr><th align=left>pod</th><th align=left>address</th><th>status</th>"
                "<th>connect</th><th>header</th><th>response</th></tr>";
        for (const auto& u : e.upstreams) {
            const auto connect = u.connectTime(), header = u.headerTime();
            html += "<tr><td>" + esc(u.pod) + "</td><td><tt>" + esc(u.address) + "</tt></td><td>" +
                    statusHtml(u.status) + "</td><td>" + (connect ? ms(*connect) : "-") +
                    "</td><td>" + (header ? ms(*header) : "-") + "</td><td>" +
                    ms(u.responseTime()) + "</td></tr>";
        }
        html += "</table>";
    }
    html += "<h4>Timings</h4>" + timings(e);
    return html;
}

QString composedDetailsHtml(const ComposedResult& r, const telemetry::RequestEvent* event,
                            telemetry::TimePoint epoch, const routing::RouteTable* table) {
    QString html;
    const auto& d = r.decision;
    html += "<h3 style='margin:0'>" + esc(r.request.method) + " " + esc(r.request.url) +
            " &rarr; " + statusHtml(r.record.status) + "</h3>";
    if (r.record.status == 0)
        html += "<p style='color:#c9190b'>No answer: " + esc(r.record.error) + "</p>";
    // "(the canary)" comes from the decision shown below, which replays the proxy's own draw,
    // so the two cannot disagree; when the proxy's draw was not at hand the decision says so.
    if (!r.served_pod.empty())
        html += "<p>Served by pod <b>" + esc(r.served_pod) + "</b>" +
                (r.served_service.empty() ? QString() : " of Service <b>" + esc(r.served_service) + "</b>") +
                (d.canary ? " (the canary)" : "") + "</p>";
    // Only a weighted split the proxy's draw could not be replayed for: a default or error
    // backend serving is no disagreement.
    if (!r.served_service.empty() && d.backend && d.backend->service != r.served_service &&
        !d.weights.empty() && !d.canary_draw)
        html += "<p><i>The proxy's draw for this request was not at hand: the decision core "
                "below shows the main backend; the pod above is the one that answered.</i></p>";
    html += headerColumns(r);
    html += "<h4>Decision core</h4><table>";
    std::string verdict(routing::actionName(d.action));
    if (d.action != routing::Action::Forward) verdict += " " + std::to_string(d.status);
    html += row("action", esc(verdict));
    if (!d.location.empty()) html += row("location", esc(d.location));
    if (!d.reason.empty()) html += row("reason", esc(d.reason));
    html += row("Ingress", esc(d.ingress.value_or("(none)")));
    if (d.backend)
        html += row("backend", esc(d.backend->namespace_ + "/" + d.backend->service + ":" +
                                   d.backend->port) + (d.canary ? " <b>(canary)</b>" : ""));
    if (d.canary_draw) {
        std::optional<CanaryOdds> odds;
        if (event && table) odds = canaryOdds(*table, *event);
        html += row("canary draw", drawText(*d.canary_draw, odds));
    }
    html += "</table><h4>Trace</h4><ol style='margin-top:0'>";
    for (const auto& step : d.trace)
        html += "<li><b>" + esc(step.stage) + "</b> <i>" +
                esc(std::string(routing::traceKindName(step.kind))) + "</i> " + esc(step.message) +
                "</li>";
    html += "</ol>";
    if (!r.received && r.record.status != 0)
        html += "<h4>Response body</h4><pre>" + esc(r.record.body.substr(0, 2000)) + "</pre>";
    if (event) html += "<hr>" + eventDetailsHtml(*event, epoch, table);
    return html;
}

}  // namespace ilab::studio
