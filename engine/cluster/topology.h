#pragma once
// How manifests become a running topology: pod addresses, the ports each pod listens on, and
// the endpoint table Services resolve to. Pure functions over the model; cluster.cpp owns the
// live state.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cluster/cluster.h"
#include "engine/model/objects.h"

namespace ilab::cluster {

// The `index`-th pod address after `base` (index 1 is base + 1). nullopt when `base` is not an
// IPv4 address in 127.0.0.0/8 or the result would leave it: the lab only ever uses loopback.
std::optional<std::string> podAddress(std::string_view base, std::uint32_t index);

// The container port a Service port reaches on a pod: a numeric targetPort as is, a named one
// through the pod's containerPort of that name. nullopt when the name is not declared (the
// pod is then no endpoint of that port, as in Kubernetes).
std::optional<std::uint16_t> resolveTargetPort(const model::ServicePort& port,
                                               const std::vector<model::ContainerPort>& ports);

struct ListenPort {
    std::uint16_t container_port = 0;
    // The Service a connection on this port belongs to, when exactly one selecting Service
    // targets it; nullopt when none or several do.
    std::optional<std::string> service;
};

// Every containerPort the pod declares plus every port a selecting Service targets; port 80
// when that leaves none. Sorted by port. An ExternalName Service "selecting" its stand-in pod
// owns each of the stand-in's containerPorts.
std::vector<ListenPort> listenPorts(const model::Pod& pod,
                                    const std::vector<const model::Service*>& selecting);

using EndpointList = std::vector<Endpoint>;

// Ready endpoints by (namespace, service, port number or name). Immutable once built and
// shared through shared_ptr<const EndpointTable>; lookups take string_views and allocate
// nothing.
class EndpointTable {
  public:
    void add(const std::string& namespace_, const std::string& service, const std::string& port_key,
             std::shared_ptr<const EndpointList> endpoints);
    // Never null: an unknown key gives the shared empty list.
    std::shared_ptr<const EndpointList> find(std::string_view namespace_, std::string_view service,
                                             std::string_view port) const;
    std::size_t serviceCount() const;

  private:
    template <class V>
    using Map = std::map<std::string, V, std::less<>>;
    Map<Map<Map<std::shared_ptr<const EndpointList>>>> entries_;
};

// What the table builder needs to know about one pod.
struct PodEndpointSource {
    std::string name, namespace_, ip;
    const std::vector<model::ContainerPort>* container_ports = nullptr;
    std::vector<std::pair<std::uint16_t, std::uint16_t>> bound;  // container port -> bound
    bool ready = false;
};

// Builds the table: for each Service port, the ready pods among `selected(service)` in their
// order, at the bound port their targetPort resolves to. A Service without a selector gets the
// ready addresses of its hand-written Endpoints and EndpointSlices instead
// (`external[service_index]`, may be shorter than `services`), at the port of the same name.
// An ExternalName Service gets its stand-in pod (`selected`) at the port ingress-nginx connects
// to (model::externalNameEndpoint), also under backend port numbers the Service does not list.
std::shared_ptr<const EndpointTable> buildEndpointTable(
    const std::vector<model::Service>& services,
    const std::function<std::vector<const PodEndpointSource*>(std::size_t service_index)>&
        selected,
    const std::vector<std::vector<model::ServiceEndpoints>>& external = {});

// The ready addresses of hand-written endpoints for one Service port (Kubernetes matches the
// Endpoints port by the Service port's name; a single unnamed port matches the unnamed one).
EndpointList externalEndpointList(const model::ServicePort& port,
                                  const std::vector<model::ServiceEndpoints>& endpoints,
                                  const std::string& namespace_);

}  // namespace ilab::cluster
