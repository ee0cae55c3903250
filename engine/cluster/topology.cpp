#include "engine/cluster/topology.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "engine/model/external_name.h"

namespace ilab::cluster {
namespace {

std::optional<std::uint32_t> parseIpv4(std::string_view text) {
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
        unsigned octet = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), octet);
        if (ec != std::errc() || end == text.data() || octet > 255) return std::nullopt;
        value = value << 8 | octet;
        text.remove_prefix(static_cast<std::size_t>(end - text.data()));
        if (i < 3) {
            if (text.empty() || text.front() != '.') return std::nullopt;
            text.remove_prefix(1);
        }
    }
    if (!text.empty()) return std::nullopt;
    return value;
}

bool validPort(int port) {
    return port > 0 && port <= 65535;
}

// The ready stand-ins (`pods`) of an ExternalName Service at the port ingress-nginx connects to,
// under every key an Ingress backend may use: each Service port by number and by name, and each
// other port a stand-in listens on (a backend number the Service does not list is the port).
void addExternalName(EndpointTable& table, const model::Service& service,
                     const std::vector<const PodEndpointSource*>& pods) {
    const auto add = [&](const model::ServiceBackendPort& backend) {
        auto list = std::make_shared<EndpointList>();
        const model::ExternalNameEndpoint e = model::externalNameEndpoint(service, backend);
        for (const PodEndpointSource* pod : pods) {
            if (!e.ok() || !pod->ready) continue;
            auto bound = std::find_if(pod->bound.begin(), pod->bound.end(),
                                      [&](const auto& b) { return b.first == e.port; });
            if (bound != pod->bound.end())
                list->push_back(Endpoint{pod->name, pod->namespace_, pod->ip, bound->second});
        }
        table.add(service.meta.namespace_, service.meta.name, backend.str(), std::move(list));
    };
    std::set<int> listed;
    for (const auto& sp : service.ports) {
        model::ServiceBackendPort by_number, by_name;
        by_number.number = sp.port;
        by_name.name = sp.name;
        add(by_number);
        if (!sp.name.empty()) add(by_name);
        listed.insert(sp.port);
    }
    for (const PodEndpointSource* pod : pods) {
        if (!pod->container_ports) continue;
        for (const auto& cp : *pod->container_ports) {
            if (!listed.insert(cp.container_port).second) continue;
            model::ServiceBackendPort by_number;
            by_number.number = cp.container_port;
            add(by_number);
        }
    }
}

}  // namespace

std::optional<std::string> podAddress(std::string_view base, std::uint32_t index) {
    const auto start = parseIpv4(base);
    if (!start || (*start >> 24) != 127) return std::nullopt;
    const std::uint64_t address = std::uint64_t{*start} + index;
    // 127.255.255.255 is the broadcast address of lo's /8.
    if (address >= 0x7fffffffULL) return std::nullopt;
    const auto a = static_cast<std::uint32_t>(address);
    return std::to_string(a >> 24) + "." + std::to_string(a >> 16 & 255) + "." +
           std::to_string(a >> 8 & 255) + "." + std::to_string(a & 255);
}

std::optional<std::uint16_t> resolveTargetPort(const model::ServicePort& port,
                                               const std::vector<model::ContainerPort>& ports) {
    if (port.target_port.is_int) {
        const int number = port.target_port.number != 0 ? port.target_port.number : port.port;
        if (!validPort(number)) return std::nullopt;
        return static_cast<std::uint16_t>(number);
    }
    for (const auto& p : ports)
        if (p.name == port.target_port.name && validPort(p.container_port))
            return static_cast<std::uint16_t>(p.container_port);
    return std::nullopt;
}

std::vector<ListenPort> listenPorts(const model::Pod& pod,
                                    const std::vector<const model::Service*>& selecting) {
    std::map<std::uint16_t, std::set<std::string>> services;  // port -> Services targeting it
    for (const auto& p : pod.ports)
        if (validPort(p.container_port)) services[static_cast<std::uint16_t>(p.container_port)];
    for (const model::Service* service : selecting) {
        // An ExternalName Service's stand-in listens only where that name's backends connect.
        if (service->type == "ExternalName") {
            for (auto& [port, names] : services)
                names.insert(service->meta.name);
            continue;
        }
        for (const auto& sp : service->ports)
            if (auto port = resolveTargetPort(sp, pod.ports))
                services[*port].insert(service->meta.name);
    }
    if (services.empty()) services[80];
    std::vector<ListenPort> out;
    for (const auto& [port, names] : services) {
        ListenPort lp;
        lp.container_port = port;
        if (names.size() == 1) lp.service = *names.begin();
        out.push_back(std::move(lp));
    }
    return out;
}

void EndpointTable::add(const std::string& namespace_, const std::string& service,
                        const std::string& port_key,
                        std::shared_ptr<const EndpointList> endpoints) {
    entries_[namespace_][service][port_key] = std::move(endpoints);
}

std::shared_ptr<const EndpointList> EndpointTable::find(std::string_view namespace_,
                                                        std::string_view service,
                                                        std::string_view port) const {
    static const auto empty = std::make_shared<const EndpointList>();
    auto ns = entries_.find(namespace_);
    if (ns == entries_.end()) return empty;
    auto svc = ns->second.find(service);
    if (svc == ns->second.end()) return empty;
    auto entry = svc->second.find(port);
    if (entry == svc->second.end()) return empty;
    return entry->second;
}

std::size_t EndpointTable::serviceCount() const {
    std::size_t n = 0;
    for (const auto& [ns, services] : entries_)
        n += services.size();
    return n;
}

EndpointList externalEndpointList(const model::ServicePort& port,
                                  const std::vector<model::ServiceEndpoints>& endpoints,
                                  const std::string& namespace_) {
    EndpointList out;
    std::set<std::pair<std::string, int>> seen;  // EndpointSlices may repeat an address
    for (const auto& e : endpoints)
        for (const auto& subset : e.subsets) {
            auto p = std::find_if(subset.ports.begin(), subset.ports.end(),
                                  [&](const model::EndpointPort& ep) { return ep.name == port.name; });
            if (p == subset.ports.end() || !validPort(p->port)) continue;
            for (const auto& a : subset.addresses)
                if (a.ready && seen.emplace(a.ip, p->port).second)
                    out.push_back(
                        Endpoint{"", namespace_, a.ip, static_cast<std::uint16_t>(p->port)});
        }
    return out;
}

std::shared_ptr<const EndpointTable> buildEndpointTable(
    const std::vector<model::Service>& services,
    const std::function<std::vector<const PodEndpointSource*>(std::size_t)>& selected,
    const std::vector<std::vector<model::ServiceEndpoints>>& external) {
    auto table = std::make_shared<EndpointTable>();
    for (std::size_t i = 0; i < services.size(); ++i) {
        const model::Service& service = services[i];
        const auto pods = selected(i);
        if (service.type == "ExternalName") {
            addExternalName(*table, service, pods);
            continue;
        }
        for (const auto& sp : service.ports) {
            auto list = std::make_shared<EndpointList>();
            if (service.selector.empty() && i < external.size())
                *list = externalEndpointList(sp, external[i], service.meta.namespace_);
            for (const PodEndpointSource* pod : pods) {
                if (!pod->ready || !pod->container_ports) continue;
                const auto target = resolveTargetPort(sp, *pod->container_ports);
                if (!target) continue;
                auto bound = std::find_if(pod->bound.begin(), pod->bound.end(),
                                          [&](const auto& b) { return b.first == *target; });
                if (bound == pod->bound.end()) continue;
                list->push_back(Endpoint{pod->name, pod->namespace_, pod->ip, bound->second});
            }
            std::shared_ptr<const EndpointList> shared = std::move(list);
            table->add(service.meta.namespace_, service.meta.name, std::to_string(sp.port), shared);
            if (!sp.name.empty())
                table->add(service.meta.namespace_, service.meta.name, sp.name, shared);
        }
    }
    return table;
}

}  // namespace ilab::cluster
