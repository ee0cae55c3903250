// Hand-written Endpoints (v1) and EndpointSlices (discovery.k8s.io/v1): the addresses behind a
// Service without a selector. Both become the same ServiceEndpoints value.
#include <arpa/inet.h>

#include "engine/model/field_reader.h"

namespace ilab::model {
namespace {

bool validIp(const std::string& text) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
           inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

// One address, checked as the API server checks it: a literal IP, never a name.
std::optional<std::string> readIp(FieldReader& r, const YamlNode* node, const std::string& path) {
    auto ip = r.string(node, path);
    if (!ip) {
        if (!node) r.error("ILAB-API-001", path + ": Required value", {});
        return std::nullopt;
    }
    if (!validIp(*ip)) {
        r.error("ILAB-API-002",
                path + ": Invalid value: " + core::quoted(*ip) + ": must be a valid IP address",
                node->location, "write the address as a literal IPv4 or IPv6 address");
        return std::nullopt;
    }
    return ip;
}

std::vector<EndpointPort> readPorts(FieldReader& r, const YamlNode* node,
                                    const std::string& path) {
    std::vector<EndpointPort> out;
    const YamlNode* ports = r.list(node, path);
    for (std::size_t i = 0; ports && i < ports->items.size(); ++i) {
        const std::string ppath = indexed(path, i);
        const YamlNode* p = r.map(&ports->items[i], ppath);
        if (!p) continue;
        r.unknownFields(p, ppath, {"name", "port", "protocol", "appProtocol"});
        EndpointPort port;
        port.name = r.string(p->find("name"), ppath + ".name").value_or("");
        const auto number = r.integer(p->find("port"), ppath + ".port");
        if (!number) {
            if (!p->find("port")) r.error("ILAB-API-001", ppath + ".port: Required value",
                                          p->location);
            continue;
        }
        if (*number < 1 || *number > 65535) {
            r.error("ILAB-API-002",
                    ppath + ".port: Invalid value: " + std::to_string(*number) +
                        ": must be between 1 and 65535, inclusive",
                    p->find("port")->location);
            continue;
        }
        port.port = static_cast<int>(*number);
        out.push_back(std::move(port));
    }
    return out;
}

}  // namespace

void decodeEndpoints(FieldReader& r, const YamlNode& root, Manifests& m) {
    ServiceEndpoints e;
    e.kind = "Endpoints";
    e.meta = readMeta(r, root);
    e.service = e.meta.name;  // an Endpoints object belongs to the Service of the same name
    r.unknownFields(&root, "", {"apiVersion", "kind", "metadata", "subsets"});
    const YamlNode* subsets = r.list(root.find("subsets"), "subsets");
    for (std::size_t i = 0; subsets && i < subsets->items.size(); ++i) {
        const std::string path = indexed("subsets", i);
        const YamlNode* s = r.map(&subsets->items[i], path);
        if (!s) continue;
        r.unknownFields(s, path, {"addresses", "notReadyAddresses", "ports"});
        EndpointSubset subset;
        for (const auto& [field, ready] : {std::pair{"addresses", true},
                                           std::pair{"notReadyAddresses", false}}) {
            const std::string apath = path + "." + field;
            const YamlNode* list = r.list(s->find(field), apath);
            for (std::size_t j = 0; list && j < list->items.size(); ++j) {
                const std::string ipath = indexed(apath, j);
                const YamlNode* a = r.map(&list->items[j], ipath);
                if (!a) continue;
                r.unknownFields(a, ipath, {"ip", "hostname", "nodeName", "targetRef"});
                if (!a->find("ip")) {
                    r.error("ILAB-API-001", ipath + ".ip: Required value", a->location);
                    continue;
                }
                if (auto ip = readIp(r, a->find("ip"), ipath + ".ip"))
                    subset.addresses.push_back({*ip, ready});
            }
        }
        subset.ports = readPorts(r, s->find("ports"), path + ".ports");
        e.subsets.push_back(std::move(subset));
    }
    m.endpoints.push_back(std::move(e));
}

void decodeEndpointSlice(FieldReader& r, const YamlNode& root, Manifests& m) {
    ServiceEndpoints e;
    e.kind = "EndpointSlice";
    e.meta = readMeta(r, root);
    r.unknownFields(&root, "",
                    {"apiVersion", "kind", "metadata", "addressType", "endpoints", "ports"});
    if (auto it = e.meta.labels.find("kubernetes.io/service-name"); it != e.meta.labels.end())
        e.service = it->second;
    else
        r.error("ILAB-API-001",
                "metadata.labels[kubernetes.io/service-name]: Required value: an EndpointSlice "
                "belongs to the Service this label names",
                root.find("metadata") ? root.find("metadata")->location : root.location);
    const auto type = r.string(root.find("addressType"), "addressType");
    if (!type) {
        r.error("ILAB-API-001", "addressType: Required value", root.location);
    } else if (*type != "IPv4" && *type != "IPv6") {
        r.error("ILAB-API-002",
                "addressType: Unsupported value: " + core::quoted(*type) +
                    ": supported values: \"IPv4\", \"IPv6\"",
                root.find("addressType")->location);
    }
    EndpointSubset subset;
    const YamlNode* endpoints = r.list(root.find("endpoints"), "endpoints");
    for (std::size_t i = 0; endpoints && i < endpoints->items.size(); ++i) {
        const std::string path = indexed("endpoints", i);
        const YamlNode* ep = r.map(&endpoints->items[i], path);
        if (!ep) continue;
        r.unknownFields(ep, path,
                        {"addresses", "conditions", "hostname", "nodeName", "targetRef", "zone",
                         "hints", "deprecatedTopology"});
        bool ready = true;  // "a nil value should be interpreted as ready" (the API's docs)
        if (const YamlNode* c = r.map(ep->find("conditions"), path + ".conditions")) {
            const YamlNode* flag = c->find("ready");
            if (flag && flag->isScalar()) {
                if (flag->scalar == "false") ready = false;
                else if (flag->scalar != "true") r.typeError(*flag, path + ".conditions.ready",
                                                            "a boolean");
            }
        }
        const YamlNode* addresses = r.list(ep->find("addresses"), path + ".addresses");
        if (!addresses || addresses->items.empty())
            r.error("ILAB-API-001", path + ".addresses: Required value", ep->location);
        for (std::size_t j = 0; addresses && j < addresses->items.size(); ++j)
            if (auto ip = readIp(r, &addresses->items[j], indexed(path + ".addresses", j)))
                subset.addresses.push_back({*ip, ready});
    }
    subset.ports = readPorts(r, root.find("ports"), "ports");
    e.subsets.push_back(std::move(subset));
    m.endpoints.push_back(std::move(e));
}

}  // namespace ilab::model
