// ExternalName Services as ingress-nginx v1.15 proxies to them (internal/ingress/controller:
// controller.go externalNamePorts, endpointslices.go getEndpointsFromSlices and its
// endpointslices_test.go cases) and the stand-in pods the lab runs for their names.
#include "engine/model/external_name.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ilab::model {
namespace {

using Refusal = ExternalNameEndpoint::Refusal;
using ::testing::HasSubstr;

ServicePort port(std::string name, int number, int target) {
    ServicePort p;
    p.name = std::move(name);
    p.port = number;
    p.target_port.number = target;
    return p;
}

ServicePort namedTarget(std::string name, int number, std::string target) {
    ServicePort p = port(std::move(name), number, 0);
    p.target_port.is_int = false;
    p.target_port.name = std::move(target);
    return p;
}

Service external(std::string name, std::vector<ServicePort> ports = {}) {
    Service s;
    s.meta.name = "ext";
    s.type = "ExternalName";
    s.external_name = std::move(name);
    s.ports = std::move(ports);
    return s;
}

ServiceBackendPort number(int n) {
    ServiceBackendPort p;
    p.number = n;
    return p;
}

ServiceBackendPort named(std::string name) {
    ServiceBackendPort p;
    p.name = std::move(name);
    return p;
}

TEST(ExternalNameEndpointTest, ABackendNumberTheServiceDoesNotListIsThePort) {
    // "ExternalName without port": the e2e test's Service has no ports at all.
    const auto e = externalNameEndpoint(external("api.example.com"), number(8081));
    ASSERT_TRUE(e.ok()) << e.why;
    EXPECT_EQ(e.address, "api.example.com");
    EXPECT_EQ(e.port, 8081);
    EXPECT_EQ(e.service_port, 8081);
}

TEST(ExternalNameEndpointTest, ABackendNumberOfAListedPortGoesToItsTargetPort) {
    const Service svc = external("api.example.com", {port("http", 80, 8080), port("tls", 443, 0)});
    EXPECT_EQ(externalNameEndpoint(svc, number(80)).port, 8080);
    EXPECT_EQ(externalNameEndpoint(svc, number(80)).service_port, 80);
    EXPECT_EQ(externalNameEndpoint(svc, number(443)).port, 443);  // targetPort defaults to port
}

TEST(ExternalNameEndpointTest, ABackendPortByNameGoesToItsNumericTargetPortElseTheServicePort) {
    const Service svc =
        external("api.example.com", {port("http", 80, 8080), namedTarget("web", 81, "web")});
    const auto by_name = externalNameEndpoint(svc, named("http"));
    ASSERT_TRUE(by_name.ok()) << by_name.why;
    EXPECT_EQ(by_name.port, 8080);
    EXPECT_EQ(by_name.service_port, 80);
    EXPECT_EQ(externalNameEndpoint(svc, named("web")).port, 81);
}

TEST(ExternalNameEndpointTest, ANameTheServiceDoesNotDeclareGetsNoEndpoint) {
    const auto e =
        externalNameEndpoint(external("api.example.com", {port("http", 80, 80)}), named("grpc"));
    EXPECT_EQ(e.refusal, Refusal::NoSuchPort);
    EXPECT_EQ(e.why, "Service \"default/ext\" has no port \"grpc\"");
}

TEST(ExternalNameEndpointTest, ANumberOnAPortWithANamedTargetPortReadsAsPortZero) {
    // externalNamePorts returns the raw targetPort for a number; IntValue() of a name is 0.
    const auto e = externalNameEndpoint(
        external("api.example.com", {namedTarget("web", 80, "web")}), number(80));
    EXPECT_EQ(e.refusal, Refusal::PortZero);
    EXPECT_THAT(e.why, HasSubstr("port 0"));
}

TEST(ExternalNameEndpointTest, LocalhostAndLoopbackAddressesAreRefused) {
    for (const char* name : {"localhost", "127.0.0.1", "127.9.8.7", "::1", "::ffff:127.0.0.1"}) {
        const auto e = externalNameEndpoint(external(name), number(80));
        EXPECT_EQ(e.refusal, Refusal::LoopbackName) << name;
        EXPECT_THAT(e.why, HasSubstr("loopback")) << name;
    }
    // ingress-nginx compares the exact string "localhost".
    EXPECT_TRUE(externalNameEndpoint(external("localhost."), number(80)).ok());
}

TEST(ExternalNameEndpointTest, NamesThatAreNoDnsSubdomainAreRefused) {
    for (const char* name : {"1#invalid.hostname", "", "API.example.com", "-a.example.com"}) {
        const auto e = externalNameEndpoint(external(name), number(80));
        EXPECT_EQ(e.refusal, Refusal::InvalidName) << name;
    }
}

TEST(ExternalNameEndpointTest, AFinalDotIsAcceptedAndKeptInTheAddress) {
    const Service svc = external("www.google.com.");
    const auto e = externalNameEndpoint(svc, number(80));
    ASSERT_TRUE(e.ok()) << e.why;
    EXPECT_EQ(e.address, "www.google.com.");
    EXPECT_EQ(externalNameHost(svc), "www.google.com");
}

TEST(ExternalNameEndpointTest, AnIpAddressIsRefusedBecauseDnsDoesNotResolveIt) {
    for (const char* name : {"10.0.0.5", "2001:db8::1"}) {
        const auto e = externalNameEndpoint(external(name), number(80));
        EXPECT_EQ(e.refusal, Refusal::IpAddress) << name;
    }
}

constexpr const char* kManifests = R"(apiVersion: v1
kind: Service
metadata: {name: api}
spec: {type: ExternalName, externalName: api.example.com., ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: api-again}
spec: {type: ExternalName, externalName: api.example.com}
---
apiVersion: v1
kind: Service
metadata: {name: local}
spec: {type: ExternalName, externalName: localhost}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api}
spec:
  ingressClassName: nginx
  rules:
  - host: api.local
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: api-again, port: {number: 9000}}}}
      - {path: /v1, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}
      - {path: /local, pathType: Prefix, backend: {service: {name: local, port: {number: 80}}}}
)";

TEST(ExternalNamePodsTest, OneStandInPerHostListensOnEveryPortABackendResolvesTo) {
    const Manifests m = loadManifestsFromText(kManifests, "test.yaml");
    ASSERT_FALSE(m.diagnostics.hasErrors());
    ASSERT_EQ(m.pods.size(), 1u);  // none for localhost
    const Pod& pod = m.pods.front();
    EXPECT_EQ(pod.meta.name, "api.example.com");
    EXPECT_EQ(pod.meta.namespace_, "default");
    EXPECT_EQ(pod.owner_kind, "ExternalName");
    EXPECT_TRUE(pod.owner_name.empty());  // no workload to fault as a whole
    EXPECT_TRUE(pod.meta.labels.empty());
    std::vector<int> ports;
    for (const auto& p : pod.ports)
        ports.push_back(p.container_port);
    EXPECT_EQ(ports, (std::vector<int>{8080, 9000}));
    EXPECT_EQ(externalNamePod(m, m.services[0]), &pod);
    EXPECT_EQ(externalNamePod(m, m.services[1]), &pod);
    EXPECT_EQ(externalNamePod(m, m.services[2]), nullptr);
    EXPECT_TRUE(m.selectedPods(m.services[0]).empty());  // nothing selects it by label
}

}  // namespace
}  // namespace ilab::model
