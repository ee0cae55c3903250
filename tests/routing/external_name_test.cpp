// A backend that is an ExternalName Service: ingress-nginx proxies to the external name
// (test/e2e/servicebackend/service_externalname.go); the lab forwards to the name's stand-in.
#include "tests/support/fixtures.h"

namespace ilab::test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string externalName(std::string_view name, std::string_view external_name,
                         std::string_view ports = "") {
    std::string yaml =
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: " + std::string(name) +
        "}\nspec:\n  type: ExternalName\n  externalName: " + std::string(external_name) + "\n";
    if (!ports.empty()) yaml += "  ports: " + std::string(ports) + "\n";
    return yaml;
}

TEST(ExternalNameRoutingTest, ForwardsToTheExternalNameWithoutAServicePort) {
    Lab lab(ingress("ext", "echo", {{"Prefix", "/", "ext", 80}}) +
            externalName("ext", "httpbun.example.com"));
    const auto d = lab.get("http://echo/get");
    ASSERT_THAT(d, Forwards("ext"));
    EXPECT_EQ(d.backend->service_port, 80);
    EXPECT_EQ(d.backend->target_port, "80");
    EXPECT_THAT(d.backend->endpoints, ElementsAre("httpbun.example.com"));
    EXPECT_EQ(d.upstream.host, "echo");  // the client's Host, not the external name
}

TEST(ExternalNameRoutingTest, APortByNameGoesToItsTargetPort) {
    Lab lab(
        ingress("ext", "echo", {}, {},
                "  defaultBackend: {service: {name: ext, port: {name: echo}}}\n") +
        externalName("ext", "httpbun.example.com.", "[{name: echo, port: 80, targetPort: 8080}]"));
    const auto d = lab.get("http://echo/get");
    ASSERT_THAT(d, Forwards("ext"));
    EXPECT_EQ(d.backend->port, "echo");
    EXPECT_EQ(d.backend->target_port, "8080");
    EXPECT_THAT(d.backend->endpoints, ElementsAre("httpbun.example.com"));
}

TEST(ExternalNameRoutingTest, ALoopbackNameGetsNoEndpointAnd503) {
    Lab lab(ingress("ext", "echo", {{"Prefix", "/", "ext", 80}}) +
            externalName("ext", "localhost"));
    const auto d = lab.get("http://echo/get");
    EXPECT_THAT(d, Responds(503));
    EXPECT_THAT(d.reason, HasSubstr("loopback name \"localhost\""));
}

TEST(ExternalNameRoutingTest, AnInvalidNameGetsNoEndpointAnd503) {
    Lab lab(ingress("ext", "echo", {{"Prefix", "/", "ext", 80}}) +
            externalName("ext", "'1#invalid.hostname'"));
    const auto d = lab.get("http://echo/get");
    EXPECT_THAT(d, Responds(503));
    EXPECT_THAT(d.reason, HasSubstr("not a valid DNS name"));
}

}  // namespace
}  // namespace ilab::test
