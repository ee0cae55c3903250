#pragma once
// Test fixtures for the decision core: small YAML builders and a Lab that loads manifests,
// compiles a RouteTable with the ingress-nginx dialect and decides requests given as URLs.
//
//   Lab lab(ingress("web", "foo.com", {{"Prefix", "/", "web"}}) + backend("web"));
//   EXPECT_THAT(lab.get("http://foo.com/x"), Forwards("web"));
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/core/diagnostic.h"
#include "engine/core/random.h"
#include "engine/dialect/dialect.h"
#include "engine/model/manifests.h"
#include "engine/routing/decision.h"
#include "engine/routing/request.h"
#include "engine/routing/route_table.h"

namespace ilab::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

// A Service `name` (port `port`, named "http", targetPort 8080) and a Deployment of the same
// name with `replicas` pods that it selects. replicas 0 gives a Service without endpoints.
std::string backend(std::string_view name, int port = 80, int replicas = 1,
                    std::string_view ns = "default");
// backend() for each name, port 80, one replica.
std::string backends(std::initializer_list<std::string_view> names, int port = 80);

// One path of ingress(): pathType ("Exact", "Prefix", "ImplementationSpecific"), path, Service.
struct PathSpec {
    std::string type;
    std::string path;
    std::string service;
    int port = 80;
};

// Annotations keyed by short name ("use-regex" means nginx.ingress.kubernetes.io/use-regex);
// keys containing '/' are used as written.
using Annotations = std::map<std::string, std::string>;

// An Ingress with ingressClassName nginx and one rule (host "" means no host). `extra_spec` is
// appended to spec as written (indented two spaces), e.g. "  tls:\n  - hosts: [a.com]\n".
std::string ingress(std::string_view name, std::string_view host,
                    const std::vector<PathSpec>& paths, const Annotations& annotations = {},
                    std::string_view extra_spec = "");

// A YAML single-quoted scalar.
std::string yamlQuote(std::string_view text);

// Builds a request from "http://host[:port]/path?query" (scheme http or https). A URL that starts
// with "/" has no Host header.
routing::Request request(std::string_view method, std::string_view url,
                         const Headers& headers = {});

class Lab {
  public:
    enum class Load { ExpectClean, AllowErrors };

    // Loads `yaml` as "test.yaml" and compiles it. With ExpectClean, any error diagnostic of the
    // loader is a test failure (it almost always means a broken fixture).
    explicit Lab(std::string yaml, routing::CompileOptions options = {},
                 Load load = Load::ExpectClean);
    Lab(std::string yaml, Load load) : Lab(std::move(yaml), {}, load) {}

    routing::Decision get(std::string_view url, const Headers& headers = {}) const;
    routing::Decision decide(std::string_view method, std::string_view url,
                             const Headers& headers = {}) const;
    routing::Decision send(const routing::Request& request) const;
    routing::Decision send(const routing::Request& request, core::Random& random) const;

    // Is there a loader diagnostic or compile finding with this code?
    bool hasFinding(std::string_view code) const;
    // The first loader diagnostic or compile finding with this code; nullptr when none.
    const core::Diagnostic* finding(std::string_view code) const;
    // Every diagnostic and finding, one formatted line each (for failure messages).
    std::string describeFindings() const;

    const model::Manifests& manifests() const { return manifests_; }
    const routing::RouteTable& table() const { return *table_; }
    const core::Diagnostics& findings() const { return findings_; }

  private:
    model::Manifests manifests_;
    std::unique_ptr<dialect::Dialect> dialect_;
    core::Diagnostics findings_;
    std::shared_ptr<const routing::RouteTable> table_;
};

// The value of an upstream or response header added by the decision; "" when absent.
std::string upstreamHeader(const routing::Decision& decision, std::string_view name);
std::string responseHeader(const routing::Decision& decision, std::string_view name);

// Forwarded to Service `service` (the main or the canary backend).
MATCHER_P(Forwards, service, "forwards to Service " + std::string(service)) {
    return arg.action == routing::Action::Forward && arg.backend &&
           arg.backend->service == std::string(service);
}

// Forwarded to `service` and the backend sees `path` (path and query).
MATCHER_P2(ForwardsWithPath, service, path,
           "forwards to Service " + std::string(service) + " with upstream path " +
               std::string(path)) {
    return arg.action == routing::Action::Forward && arg.backend &&
           arg.backend->service == std::string(service) && arg.upstream.path == std::string(path);
}

// Answered by the controller itself with `status`.
MATCHER_P(Responds, status, "responds " + ::testing::PrintToString(status)) {
    return arg.action == routing::Action::Respond && arg.status == status;
}

// Redirected with `status` and exactly this Location.
MATCHER_P2(Redirects, status, location,
           "redirects " + ::testing::PrintToString(status) + " to " + std::string(location)) {
    return arg.action == routing::Action::Redirect && arg.status == status &&
           arg.location == std::string(location);
}

}  // namespace ilab::test

namespace ilab::routing {
// gtest prints decisions in failure messages with their trace.
void PrintTo(const Decision& decision, std::ostream* os);
}  // namespace ilab::routing
