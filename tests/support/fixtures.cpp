#include "tests/support/fixtures.h"

#include "engine/core/text.h"

namespace ilab::test {

std::string yamlQuote(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'')
            out += "''";
        else
            out += c;
    }
    return out + "'";
}

std::string backend(std::string_view name, int port, int replicas, std::string_view ns) {
    const std::string n(name), s(ns);
    return "---\n"
           "apiVersion: v1\n"
           "kind: Service\n"
           "metadata:\n"
           "  name: " +
           n +
           "\n"
           "  namespace: " +
           s +
           "\n"
           "spec:\n"
           "  selector:\n"
           "    app: " +
           n +
           "\n"
           "  ports:\n"
           "  - name: http\n"
           "    port: " +
           std::to_string(port) +
           "\n"
           "    targetPort: 8080\n"
           "---\n"
           "apiVersion: apps/v1\n"
           "kind: Deployment\n"
           "metadata:\n"
           "  name: " +
           n +
           "\n"
           "  namespace: " +
           s +
           "\n"
           "spec:\n"
           "  replicas: " +
           std::to_string(replicas) +
           "\n"
           "  selector:\n"
           "    matchLabels:\n"
           "      app: " +
           n +
           "\n"
           "  template:\n"
           "    metadata:\n"
           "      labels:\n"
           "        app: " +
           n +
           "\n"
           "    spec:\n"
           "      containers:\n"
           "      - name: app\n"
           "        image: echo\n"
           "        ports:\n"
           "        - containerPort: 8080\n";
}

std::string backends(std::initializer_list<std::string_view> names, int port) {
    std::string out;
    for (std::string_view name : names)
        out += backend(name, port);
    return out;
}

std::string ingress(std::string_view name, std::string_view host,
                    const std::vector<PathSpec>& paths, const Annotations& annotations,
                    std::string_view extra_spec) {
    std::string y =
        "---\n"
        "apiVersion: networking.k8s.io/v1\n"
        "kind: Ingress\n"
        "metadata:\n"
        "  name: " +
        std::string(name) + "\n";
    if (!annotations.empty()) {
        y += "  annotations:\n";
        for (const auto& [key, value] : annotations) {
            const std::string full =
                key.find('/') == std::string::npos ? "nginx.ingress.kubernetes.io/" + key : key;
            y += "    " + full + ": " + yamlQuote(value) + "\n";
        }
    }
    y += "spec:\n"
         "  ingressClassName: nginx\n";
    if (!host.empty() || !paths.empty()) {
        y += "  rules:\n";
        y += host.empty() ? "  -" : "  - host: " + yamlQuote(host) + "\n   ";
        if (!paths.empty()) {
            y += " http:\n"
                 "      paths:\n";
            for (const PathSpec& p : paths) {
                y += "      - path: " + yamlQuote(p.path) +
                     "\n"
                     "        pathType: " +
                     p.type +
                     "\n"
                     "        backend:\n"
                     "          service:\n"
                     "            name: " +
                     p.service +
                     "\n"
                     "            port:\n"
                     "              number: " +
                     std::to_string(p.port) + "\n";
            }
        } else {
            y += "\n";
        }
    }
    y += extra_spec;
    return y;
}

routing::Request request(std::string_view method, std::string_view url, const Headers& headers) {
    routing::Request r;
    r.method = std::string(method);
    r.headers = headers;
    if (url.empty() || url.front() == '/') {
        r.host.clear();
        r.target = url.empty() ? "/" : std::string(url);
        return r;
    }
    const auto sep = url.find("://");
    r.scheme = core::toLower(url.substr(0, sep));
    std::string_view rest = url.substr(sep + 3);
    const auto end = rest.find_first_of("/?");
    const std::string_view authority = rest.substr(0, end);
    r.host = std::string(authority);
    if (const auto colon = authority.rfind(':');
        colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos)
        r.port = std::stoi(std::string(authority.substr(colon + 1)));
    if (end == std::string_view::npos)
        r.target = "/";
    else if (rest[end] == '?')
        r.target = "/" + std::string(rest.substr(end));
    else
        r.target = std::string(rest.substr(end));
    return r;
}

Lab::Lab(std::string yaml, routing::CompileOptions options, Load load)
    : manifests_(model::loadManifestsFromText(yaml, "test.yaml")),
      dialect_(dialect::makeNginxDialect()) {
    if (load == Load::ExpectClean && manifests_.diagnostics.hasErrors())
        ADD_FAILURE() << "the fixture does not load cleanly:\n" << describeFindings();
    table_ = routing::RouteTable::compile(manifests_, *dialect_, options, &findings_);
}

routing::Decision Lab::get(std::string_view url, const Headers& headers) const {
    return send(request("GET", url, headers));
}

routing::Decision Lab::decide(std::string_view method, std::string_view url,
                              const Headers& headers) const {
    return send(request(method, url, headers));
}

routing::Decision Lab::send(const routing::Request& r) const {
    return table_->match(r, nullptr);
}

routing::Decision Lab::send(const routing::Request& r, core::Random& random) const {
    return table_->match(r, &random);
}

const core::Diagnostic* Lab::finding(std::string_view code) const {
    for (const auto* list : {&manifests_.diagnostics, &findings_})
        for (const auto& d : list->items())
            if (d.code == code) return &d;
    return nullptr;
}

bool Lab::hasFinding(std::string_view code) const {
    return finding(code) != nullptr;
}

std::string Lab::describeFindings() const {
    std::string out;
    for (const auto* list : {&manifests_.diagnostics, &findings_})
        for (const auto& d : list->items())
            out += "  " + core::formatDiagnostic(d) + "\n";
    return out.empty() ? "  (none)\n" : out;
}

namespace {

std::string headerValue(const std::vector<std::pair<std::string, std::string>>& headers,
                        std::string_view name) {
    for (const auto& [key, value] : headers)
        if (core::iequals(key, name)) return value;
    return {};
}

}  // namespace

std::string upstreamHeader(const routing::Decision& d, std::string_view name) {
    return headerValue(d.upstream_headers, name);
}

std::string responseHeader(const routing::Decision& d, std::string_view name) {
    return headerValue(d.response_headers, name);
}

}  // namespace ilab::test

namespace ilab::routing {

void PrintTo(const Decision& d, std::ostream* os) {
    *os << actionName(d.action);
    switch (d.action) {
        case Action::Forward:
            if (d.backend)
                *os << " to " << d.backend->namespace_ << "/" << d.backend->service << ":"
                    << d.backend->port << " (" << d.backend->endpoints.size() << " endpoints)";
            if (d.canary) *os << " [canary]";
            *os << ", upstream Host \"" << d.upstream.host << "\" path \"" << d.upstream.path
                << "\"";
            break;
        case Action::Redirect:
            *os << " " << d.status << " to \"" << d.location << "\"";
            break;
        case Action::Respond:
            *os << " " << d.status << " (" << d.reason << ")";
            break;
    }
    if (d.ingress) *os << ", Ingress " << *d.ingress;
    for (const auto& [k, v] : d.upstream_headers)
        *os << ", upstream " << k << ": " << v;
    for (const auto& step : d.trace)
        *os << "\n    " << traceKindName(step.kind) << " " << step.stage << ": " << step.message;
}

}  // namespace ilab::routing
