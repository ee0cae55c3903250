#pragma once
// ExternalName Services as ingress-nginx v1.15 proxies to them, and the stand-in the lab runs
// for each external name. ingress-nginx gives such a backend one endpoint, the external name
// itself, at a port resolved from the Ingress backend (kubernetes/ingress-nginx
// internal/ingress/controller/controller.go: serviceEndpoints, externalNamePorts;
// endpointslices.go: getEndpointsFromSlices), then resolves the name through DNS in its Lua
// balancer (rootfs/etc/nginx/lua/balancer.lua: resolve_external_names). The lab resolves every
// name it accepts to its stand-in: a pod named after the host.
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/manifests.h"

namespace ilab::model {

// The owner kind of a stand-in pod (Pod::owner_kind).
inline constexpr std::string_view kExternalNameOwner = "ExternalName";

struct ExternalNameEndpoint {
    enum class Refusal {
        None,
        LoopbackName,  // "localhost" or a loopback IP: getEndpointsFromSlices refuses it
        InvalidName,   // not a DNS-1123 subdomain (a final dot allowed)
        IpAddress,     // an IP literal: DNS does not resolve it, so the Lua balancer drops it
        NoSuchPort,    // a backend port name the Service does not declare (port 0)
        PortZero,      // a backend port number whose Service port has a named targetPort
    };
    Refusal refusal = Refusal::None;
    std::string address;   // spec.externalName as written
    int port = 0;          // where ingress-nginx connects
    int service_port = 0;  // the Service port resolved; the backend's number when none matches
    std::string why;       // the refusal as a clause, for traces and findings ("" when none)
    bool ok() const { return refusal == Refusal::None; }
};

// What ingress-nginx makes of an Ingress backend (port by number or name) on ExternalName
// Service `service`: one endpoint, or none and why.
ExternalNameEndpoint externalNameEndpoint(const Service& service, const ServiceBackendPort& port);

// The host the stand-in answers as: spec.externalName without its final dot.
std::string externalNameHost(const Service& service);

// The stand-in pods for `m`'s ExternalName Services whose name ingress-nginx accepts: one per
// namespace and host, named after the host, owner kind kExternalNameOwner, no labels, ready,
// with a containerPort for every port an Ingress backend or a Service port resolves to. A host
// that an existing pod's name already takes gets none. For finishLoading().
std::vector<Pod> externalNamePods(const Manifests& m);

// The stand-in pod of an ExternalName Service in `m`, or nullptr (not ExternalName, a refused
// name, or no stand-in).
const Pod* externalNamePod(const Manifests& m, const Service& service);

}  // namespace ilab::model
