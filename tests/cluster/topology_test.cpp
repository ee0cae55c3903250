#include "engine/cluster/topology.h"

#include <gtest/gtest.h>

namespace ilab::cluster {
namespace {

model::ContainerPort containerPort(std::string name, int port) {
    model::ContainerPort p;
    p.name = std::move(name);
    p.container_port = port;
    return p;
}

model::ServicePort servicePort(std::string name, int port, int target) {
    model::ServicePort p;
    p.name = std::move(name);
    p.port = port;
    p.target_port.number = target;
    return p;
}

model::ServicePort namedTarget(std::string name, int port, std::string target) {
    model::ServicePort p;
    p.name = std::move(name);
    p.port = port;
    p.target_port.is_int = false;
    p.target_port.name = std::move(target);
    return p;
}

model::Service service(std::string name, std::vector<model::ServicePort> ports) {
    model::Service s;
    s.meta.name = std::move(name);
    s.selector = {{"app", "web"}};
    s.ports = std::move(ports);
    return s;
}

TEST(TopologyTest, PodAddressesCountUpFromTheLoopbackBase) {
    EXPECT_EQ(podAddress("127.77.0.0", 1), "127.77.0.1");
    EXPECT_EQ(podAddress("127.77.0.0", 256), "127.77.1.0");
    EXPECT_EQ(podAddress("127.77.0.250", 10), "127.77.1.4");
    EXPECT_FALSE(podAddress("10.0.0.0", 1));
    EXPECT_FALSE(podAddress("127.0.0", 1));
    EXPECT_FALSE(podAddress("127.255.255.250", 10));
    EXPECT_FALSE(podAddress("127.1.1.300", 1));
}

TEST(TopologyTest, TargetPortResolvesByNumberOrByContainerPortName) {
    const std::vector<model::ContainerPort> ports{containerPort("http", 8080)};
    EXPECT_EQ(resolveTargetPort(servicePort("", 80, 9090), ports), 9090);
    EXPECT_EQ(resolveTargetPort(servicePort("", 80, 0), ports), 80);  // defaults to port
    EXPECT_EQ(resolveTargetPort(namedTarget("", 80, "http"), ports), 8080);
    EXPECT_FALSE(resolveTargetPort(namedTarget("", 80, "grpc"), ports));
}

TEST(TopologyTest, PodsListenOnContainerPortsAndServiceTargetPorts) {
    model::Pod pod;
    pod.ports = {containerPort("http", 8080)};
    const auto web = service("web", {namedTarget("http", 80, "http")});
    const auto metrics = service("metrics", {servicePort("", 9090, 9090)});
    const auto alias = service("alias", {servicePort("", 80, 8080)});
    auto ports = listenPorts(pod, {&web, &metrics});
    ASSERT_EQ(ports.size(), 2u);
    EXPECT_EQ(ports[0].container_port, 8080);
    EXPECT_EQ(ports[0].service, "web");
    EXPECT_EQ(ports[1].container_port, 9090);
    EXPECT_EQ(ports[1].service, "metrics");
    // Two Services on one port: which one a connection belongs to is ambiguous.
    ports = listenPorts(pod, {&web, &alias});
    ASSERT_EQ(ports.size(), 1u);
    EXPECT_FALSE(ports[0].service);
}

TEST(TopologyTest, APodWithoutPortsListensOn80) {
    const auto ports = listenPorts(model::Pod{}, {});
    ASSERT_EQ(ports.size(), 1u);
    EXPECT_EQ(ports[0].container_port, 80);
    EXPECT_FALSE(ports[0].service);
}

TEST(TopologyTest, AnExternalNameServiceOwnsEveryPortOfItsStandIn) {
    model::Pod stand_in;
    stand_in.ports = {containerPort("", 80), containerPort("", 8080)};
    auto ext = service("ext", {});
    ext.type = "ExternalName";
    const auto ports = listenPorts(stand_in, {&ext});
    ASSERT_EQ(ports.size(), 2u);
    EXPECT_EQ(ports[0].service, "ext");
    EXPECT_EQ(ports[1].service, "ext");
}

TEST(TopologyTest, EndpointTableHoldsReadyPodsByPortNumberAndName) {
    const std::vector<model::ContainerPort> ports{containerPort("http", 8080)};
    std::vector<model::Service> services{service("web", {namedTarget("http", 80, "http")})};
    PodEndpointSource a{"web-a", "default", "127.77.0.1", &ports, {{8080, 31000}}, true};
    PodEndpointSource b{"web-b", "default", "127.77.0.2", &ports, {{8080, 31001}}, false};
    auto table = buildEndpointTable(services, [&](std::size_t) {
        return std::vector<const PodEndpointSource*>{&a, &b};
    });
    const auto by_number = table->find("default", "web", "80");
    ASSERT_EQ(by_number->size(), 1u);
    EXPECT_EQ((*by_number)[0].pod, "web-a");
    EXPECT_EQ((*by_number)[0].ip, "127.77.0.1");
    EXPECT_EQ((*by_number)[0].port, 31000);
    EXPECT_EQ(table->find("default", "web", "http"), by_number);  // one shared list
    EXPECT_TRUE(table->find("default", "web", "8080")->empty());
    EXPECT_TRUE(table->find("other", "web", "80")->empty());
    EXPECT_TRUE(table->find("default", "nope", "80")->empty());
}

TEST(TopologyTest, AnExternalNameServiceWithoutAValidNameHasNoEndpoints) {
    std::vector<model::Service> services{service("ext", {servicePort("", 80, 80)})};
    services[0].type = "ExternalName";
    const std::vector<model::ContainerPort> ports;
    PodEndpointSource a{"p", "default", "127.77.0.1", &ports, {{80, 80}}, true};
    auto table = buildEndpointTable(
        services, [&](std::size_t) { return std::vector<const PodEndpointSource*>{&a}; });
    EXPECT_TRUE(table->find("default", "ext", "80")->empty());
}

TEST(TopologyTest, AnExternalNameServiceReachesItsStandInWhereIngressNginxConnects) {
    std::vector<model::Service> services{
        service("ext", {servicePort("http", 80, 8080), namedTarget("web", 81, "web")})};
    services[0].type = "ExternalName";
    services[0].external_name = "api.example.com";
    const std::vector<model::ContainerPort> ports{containerPort("", 81), containerPort("", 8080),
                                                  containerPort("", 9000)};
    PodEndpointSource stand_in{"api.example.com",
                               "default",
                               "127.77.0.9",
                               &ports,
                               {{81, 31081}, {8080, 38080}, {9000, 39000}},
                               true};
    auto table = buildEndpointTable(
        services, [&](std::size_t) { return std::vector<const PodEndpointSource*>{&stand_in}; });
    const auto port_of = [&](std::string_view key) {
        const auto list = table->find("default", "ext", key);
        return list->size() == 1 && (*list)[0].pod == "api.example.com" ? (*list)[0].port : 0;
    };
    EXPECT_EQ(port_of("80"), 38080);    // a number: its targetPort
    EXPECT_EQ(port_of("http"), 38080);  // a name: its targetPort
    EXPECT_EQ(port_of("web"), 31081);   // a name with a named targetPort: the Service port
    EXPECT_EQ(port_of("81"), 0);        // a number with a named targetPort: port 0, none
    EXPECT_EQ(port_of("9000"), 39000);  // a number the Service does not list: that port
    stand_in.ready = false;
    table = buildEndpointTable(
        services, [&](std::size_t) { return std::vector<const PodEndpointSource*>{&stand_in}; });
    EXPECT_TRUE(table->find("default", "ext", "80")->empty());
}

TEST(TopologyTest, AServiceWithoutSelectorUsesItsHandWrittenReadyAddresses) {
    std::vector<model::Service> services{service("legacy", {servicePort("http", 80, 80)})};
    services[0].selector.clear();
    model::ServiceEndpoints endpoints;
    endpoints.kind = "Endpoints";
    endpoints.service = "legacy";
    endpoints.subsets.push_back({{{"127.0.0.1", true}, {"127.0.0.2", false}, {"127.0.0.1", true}},
                                 {{"http", 9000}, {"metrics", 9100}}});
    auto table = buildEndpointTable(
        services, [](std::size_t) { return std::vector<const PodEndpointSource*>{}; },
        {{endpoints}});
    const auto list = table->find("default", "legacy", "http");
    ASSERT_EQ(list->size(), 1u);  // the unready one left out, the repeated one once
    EXPECT_EQ((*list)[0].ip, "127.0.0.1");
    EXPECT_EQ((*list)[0].port, 9000);  // the Endpoints port, not the Service's targetPort
    EXPECT_EQ((*list)[0].pod, "");
    // Kubernetes matches the Endpoints port by name: an unnamed Service port finds nothing here.
    std::vector<model::Service> unnamed{service("legacy", {servicePort("", 80, 80)})};
    unnamed[0].selector.clear();
    auto none = buildEndpointTable(
        unnamed, [](std::size_t) { return std::vector<const PodEndpointSource*>{}; },
        {{endpoints}});
    EXPECT_TRUE(none->find("default", "legacy", "80")->empty());
}

}  // namespace
}  // namespace ilab::cluster
