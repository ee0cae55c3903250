// An Ingress whose backend is an ExternalName Service, end to end over loopback sockets: the
// proxy forwards to the lab's stand-in for the external name, as ingress-nginx proxies to the
// name itself (test/e2e/servicebackend/service_externalname.go).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/lab/lab.h"
#include "tests/support/http_client.h"

namespace ilab::lab {
namespace {

using testing::httpGet;

constexpr const char* kManifests = R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: echo}
spec:
  ingressClassName: nginx
  rules:
  - host: echo
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: httpbun, port: {number: 80}}}}
      - {path: /named, pathType: Prefix, backend: {service: {name: named, port: {name: echo}}}}
      - {path: /local, pathType: Prefix, backend: {service: {name: local, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: httpbun}
spec: {type: ExternalName, externalName: httpbun.example.com}
---
apiVersion: v1
kind: Service
metadata: {name: named}
spec:
  type: ExternalName
  externalName: api.example.com.
  ports: [{name: echo, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: local}
spec: {type: ExternalName, externalName: localhost}
)";

class ExternalNameTest : public ::testing::Test {
  protected:
    void SetUp() override {
        LabOptions options;
        options.http = {"127.0.0.1", 0};
        options.cluster.ephemeral_ports = true;
        core::Diagnostics diagnostics;
        lab_ = Lab::startFromText(kManifests, options, diagnostics);
        ASSERT_NE(lab_, nullptr);
        ASSERT_FALSE(diagnostics.hasErrors()) << core::formatDiagnostic(diagnostics.items()[0]);
    }

    nlohmann::json echo(const std::string& target) {
        auto response = httpGet(lab_->httpPort(), "echo", target);
        EXPECT_TRUE(response);
        if (!response) return {};
        EXPECT_EQ(response->status, 200) << response->body;
        return nlohmann::json::parse(response->body, nullptr, false);
    }

    std::unique_ptr<Lab> lab_;
};

TEST_F(ExternalNameTest, TheExternalNamesStandInAnswersWithTheClientsHost) {
    const auto j = echo("/get");
    EXPECT_EQ(j["pod"], "httpbun.example.com");
    EXPECT_EQ(j["service"], "httpbun");
    EXPECT_EQ(j["port"], 80);  // the backend's number: the Service lists no port
    EXPECT_EQ(j["path"], "/get");
    // ingress-nginx sends the client's Host upstream (upstream-vhost changes it), as the
    // e2e test's X-Forwarded-Host check shows.
    EXPECT_EQ(j["headers"]["Host"], "echo");
    EXPECT_EQ(j["headers"]["X-Forwarded-Host"], "echo");
}

TEST_F(ExternalNameTest, APortByNameReachesItsTargetPortWhileALoopbackNameGets503) {
    const auto j = echo("/named");
    EXPECT_EQ(j["pod"], "api.example.com");  // the final dot is not part of the host
    EXPECT_EQ(j["port"], 8080);
    auto response = httpGet(lab_->httpPort(), "echo", "/local");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 503);
    bool stood_up = false;
    for (const auto& pod : lab_->cluster().pods())
        stood_up = stood_up || pod.name == "localhost";
    EXPECT_FALSE(stood_up);
}

}  // namespace
}  // namespace ilab::lab
