#include "engine/model/external_name.h"

#include <charconv>
#include <map>
#include <optional>
#include <set>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "engine/core/text.h"
#include "engine/model/validation.h"

namespace ilab::model {
namespace {

using Refusal = ExternalNameEndpoint::Refusal;

// Go's net.ParseIP(name).IsLoopback(): 127.0.0.0/8, ::1 and IPv4-mapped 127.x.
bool isLoopbackIp(const std::string& name) {
    in_addr v4{};
    if (inet_pton(AF_INET, name.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (inet_pton(AF_INET6, name.c_str(), &v6) != 1) return false;
    return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
}

std::optional<int> parseInt(std::string_view text) {
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// intstr.IntValue() of a targetPort the API server defaulted: a number as is (an unset one is
// the port), a name only when it spells a number, else 0.
int intValue(const ServicePort& port) {
    if (port.target_port.is_int)
        return port.target_port.number != 0 ? port.target_port.number : port.port;
    return parseInt(port.target_port.name).value_or(0);
}

void refuse(ExternalNameEndpoint& e, Refusal refusal, std::string why) {
    e.refusal = refusal;
    e.why = std::move(why);
}

bool refusesName(Refusal refusal) {
    return refusal == Refusal::LoopbackName || refusal == Refusal::InvalidName ||
           refusal == Refusal::IpAddress;
}

// externalNamePorts(): the Service port and the port ingress-nginx connects to.
void resolvePort(const Service& svc, const ServiceBackendPort& backend, ExternalNameEndpoint& e) {
    const std::optional<int> number = parseInt(backend.str());  // strconv.Atoi(port.String())
    if (!number) {
        for (const ServicePort& p : svc.ports) {
            if (p.name != backend.name) continue;
            // A named targetPort falls back to the Service port here (not below).
            const int target = intValue(p);
            e.service_port = p.port;
            e.port = target != 0 ? target : p.port;
            return;
        }
        refuse(e, Refusal::NoSuchPort,
               "Service " + core::quoted(svc.meta.qualifiedName()) + " has no port " +
                   core::quoted(backend.name));
        return;
    }
    for (const ServicePort& p : svc.ports) {
        if (p.port != *number) continue;
        e.service_port = p.port;
        // ingress-nginx returns the raw targetPort here: a name reads as port 0.
        e.port = intValue(p);
        if (e.port == 0)
            refuse(e, Refusal::PortZero,
                   "port " + std::to_string(p.port) + " of Service " +
                       core::quoted(svc.meta.qualifiedName()) + " has the named targetPort " +
                       core::quoted(p.target_port.name) +
                       ", which ingress-nginx reads as port 0 for a backend port number");
        return;
    }
    // "ExternalName without port": the backend's number is the port.
    e.service_port = *number;
    e.port = *number;
    if (e.port <= 0)
        refuse(e, Refusal::NoSuchPort,
               "Service " + core::quoted(svc.meta.qualifiedName()) + " has no port " +
                   core::quoted(backend.str()));
}

}  // namespace

ExternalNameEndpoint externalNameEndpoint(const Service& svc, const ServiceBackendPort& port) {
    ExternalNameEndpoint e;
    const std::string& name = svc.external_name;
    if (name == "localhost" || isLoopbackIp(name)) {
        refuse(e, Refusal::LoopbackName,
               "ingress-nginx refuses the loopback name " + core::quoted(name));
        return e;
    }
    if (isIpAddress(name)) {
        refuse(e, Refusal::IpAddress,
               "ingress-nginx resolves " + core::quoted(name) +
                   " through DNS, which has no answer for an IP address");
        return e;
    }
    if (!dns1123SubdomainErrors(externalNameHost(svc)).empty()) {
        refuse(e, Refusal::InvalidName,
               "ingress-nginx refuses " + core::quoted(name) + ": not a valid DNS name");
        return e;
    }
    resolvePort(svc, port, e);
    if (e.ok()) e.address = name;
    return e;
}

std::string externalNameHost(const Service& svc) {
    std::string host = svc.external_name;
    if (core::endsWith(host, ".")) host.pop_back();
    return host;
}

std::vector<Pod> externalNamePods(const Manifests& m) {
    std::set<std::string> taken;
    for (const Pod& pod : m.pods)
        taken.insert(pod.meta.qualifiedName());
    std::vector<Pod> out;
    std::map<std::string, std::size_t> index;    // namespace/host -> out
    std::map<std::string, std::set<int>> ports;  // namespace/host -> its ports
    for (const Service& svc : m.services) {
        if (svc.type != "ExternalName") continue;
        if (refusesName(externalNameEndpoint(svc, {}).refusal)) continue;
        const std::string key = svc.meta.namespace_ + "/" + externalNameHost(svc);
        if (taken.count(key)) continue;
        if (index.try_emplace(key, out.size()).second) {
            Pod& pod = out.emplace_back();
            pod.meta.name = externalNameHost(svc);
            pod.meta.namespace_ = svc.meta.namespace_;
            pod.meta.location = svc.meta.location;
            pod.meta.load_order = svc.meta.load_order;
            pod.owner_kind = std::string(kExternalNameOwner);
        }
        std::set<int>& wanted = ports[key];
        const auto add = [&](const ServiceBackendPort& backend) {
            const ExternalNameEndpoint e = externalNameEndpoint(svc, backend);
            if (e.ok()) wanted.insert(e.port);
        };
        for (const ServicePort& p : svc.ports) {
            ServiceBackendPort by_number, by_name;
            by_number.number = p.port;
            by_name.name = p.name;
            add(by_number);
            if (!p.name.empty()) add(by_name);
        }
        for (const Ingress& ing : m.ingresses) {
            if (ing.rejected || ing.meta.namespace_ != svc.meta.namespace_) continue;
            const auto visit = [&](const IngressBackend& backend) {
                if (backend.service && backend.service->name == svc.meta.name)
                    add(backend.service->port);
            };
            if (ing.default_backend) visit(*ing.default_backend);
            for (const auto& rule : ing.rules)
                for (const auto& path : rule.paths)
                    visit(path.backend);
        }
    }
    for (const auto& [key, i] : index)
        for (int port : ports[key]) {
            ContainerPort cp;
            cp.container_port = port;
            out[i].ports.push_back(std::move(cp));
        }
    return out;
}

const Pod* externalNamePod(const Manifests& m, const Service& svc) {
    if (svc.type != "ExternalName" || refusesName(externalNameEndpoint(svc, {}).refusal))
        return nullptr;
    const std::string host = externalNameHost(svc);
    // Stand-ins come after every other pod (finishLoading): search from the back.
    for (auto it = m.pods.rbegin(); it != m.pods.rend(); ++it)
        if (it->owner_kind == kExternalNameOwner && it->meta.name == host &&
            it->meta.namespace_ == svc.meta.namespace_)
            return &*it;
    return nullptr;
}

}  // namespace ilab::model
