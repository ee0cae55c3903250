// Services, Deployments, StatefulSets, Pods, Secrets and Namespaces: the parts the lab uses.
#include <openssl/evp.h>

#include "engine/model/certificate.h"
#include "engine/model/field_reader.h"

namespace ilab::model {

static IntOrString readIntOrString(FieldReader& r, const YamlNode* node, const std::string& path,
                                   int fallback) {
    IntOrString v;
    v.number = fallback;
    if (!node || node->isNull()) return v;
    if (auto n = node->asInt()) {
        v.number = static_cast<int>(std::clamp<long long>(*n, -1'000'000, 1'000'000));
    } else if (node->isScalar()) {
        v.is_int = false;
        v.name = node->scalar;
    } else {
        r.typeError(*node, path, "an integer or a string");
    }
    return v;
}

void decodeService(FieldReader& r, const YamlNode& root, Manifests& m) {
    Service svc;
    svc.meta = readMeta(r, root);
    const YamlNode* spec = r.map(root.find("spec"), "spec");
    if (spec) {
        svc.type = r.string(spec->find("type"), "spec.type").value_or("ClusterIP");
        if (const YamlNode* type = spec->find("type")) svc.type_location = type->location;
        svc.selector = r.stringMap(spec->find("selector"), "spec.selector", nullptr);
        svc.external_name = r.string(spec->find("externalName"), "spec.externalName").value_or("");
        if (const YamlNode* ports = r.list(spec->find("ports"), "spec.ports")) {
            for (std::size_t i = 0; i < ports->items.size(); ++i) {
                const std::string path = indexed("spec.ports", i);
                const YamlNode* p = r.map(&ports->items[i], path);
                if (!p) continue;
                ServicePort port;
                port.location = p->location;
                const auto at = [p](std::string_view key) {
                    const YamlNode* v = p->find(key);
                    return v && !v->isNull() ? v->location : p->location;
                };
                port.name_location = at("name");
                port.port_location = at("port");
                port.target_port_location = at("targetPort");
                port.protocol_location = at("protocol");
                port.node_port_location = at("nodePort");
                // Clamped so that a huge number stays out of range instead of wrapping into it.
                const auto number = [&r, p, &path](std::string_view key) {
                    return static_cast<int>(std::clamp<long long>(
                        r.integer(p->find(key), path + "." + std::string(key)).value_or(0),
                        -1'000'000, 1'000'000));
                };
                port.name = r.string(p->find("name"), path + ".name").value_or("");
                port.port = number("port");
                port.node_port = number("nodePort");
                port.protocol = r.string(p->find("protocol"), path + ".protocol").value_or("TCP");
                port.target_port =
                    readIntOrString(r, p->find("targetPort"), path + ".targetPort", port.port);
                if (!p->find("port"))
                    r.error("ILAB-API-001", path + ".port: Required value", p->location);
                svc.ports.push_back(std::move(port));
            }
        }
    }
    m.services.push_back(std::move(svc));
}

static std::vector<ContainerPort> readContainerPorts(FieldReader& r, const YamlNode* podSpec,
                                                     const std::string& path) {
    std::vector<ContainerPort> out;
    if (!r.map(podSpec, path)) return out;
    const YamlNode* containers = r.list(podSpec->find("containers"), path + ".containers");
    for (std::size_t i = 0; containers && i < containers->items.size(); ++i) {
        const std::string cpath = indexed(path + ".containers", i);
        const YamlNode* c = r.map(&containers->items[i], cpath);
        if (!c) continue;
        const std::string cname = r.string(c->find("name"), cpath + ".name").value_or("");
        const YamlNode* ports = r.list(c->find("ports"), cpath + ".ports");
        for (std::size_t j = 0; ports && j < ports->items.size(); ++j) {
            const std::string ppath = indexed(cpath + ".ports", j);
            const YamlNode* p = r.map(&ports->items[j], ppath);
            if (!p) continue;
            ContainerPort port;
            port.container = cname;
            port.name = r.string(p->find("name"), ppath + ".name").value_or("");
            port.container_port = static_cast<int>(
                r.integer(p->find("containerPort"), ppath + ".containerPort").value_or(0));
            out.push_back(std::move(port));
        }
    }
    return out;
}

void decodeWorkload(FieldReader& r, const YamlNode& root, const std::string& kind, Manifests& m) {
    Workload w;
    w.kind = kind;
    w.meta = readMeta(r, root);
    const YamlNode* spec = r.map(root.find("spec"), "spec");
    if (spec) {
        if (const YamlNode* replicas = spec->find("replicas")) {
            w.replicas = static_cast<int>(
                std::clamp<long long>(r.integer(replicas, "spec.replicas").value_or(1), 0, 1000));
            w.replicas_location = replicas->location;
        }
        if (const YamlNode* sel = r.map(spec->find("selector"), "spec.selector"))
            w.selector =
                r.stringMap(sel->find("matchLabels"), "spec.selector.matchLabels", nullptr);
        if (const YamlNode* tpl = r.map(spec->find("template"), "spec.template")) {
            if (const YamlNode* md = r.map(tpl->find("metadata"), "spec.template.metadata"))
                w.template_labels =
                    r.stringMap(md->find("labels"), "spec.template.metadata.labels", nullptr);
            w.ports = readContainerPorts(r, tpl->find("spec"), "spec.template.spec");
        }
    }
    m.workloads.push_back(std::move(w));
}

void decodePod(FieldReader& r, const YamlNode& root, Manifests& m) {
    Pod pod;
    pod.meta = readMeta(r, root);
    pod.ports = readContainerPorts(r, root.find("spec"), "spec");
    m.pods.push_back(std::move(pod));
}

static std::optional<std::string> base64Decode(std::string_view in) {
    std::string clean;
    for (char c : in)
        if (!std::isspace(static_cast<unsigned char>(c))) clean.push_back(c);
    if (clean.size() % 4 != 0) return std::nullopt;
    std::string out(clean.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(clean.data()),
                                  static_cast<int>(clean.size()));
    if (n < 0) return std::nullopt;
    std::size_t size = static_cast<std::size_t>(n);
    for (auto it = clean.rbegin(); it != clean.rend() && *it == '='; ++it)
        --size;
    out.resize(size);
    return out;
}

void decodeSecret(FieldReader& r, const YamlNode& root, Manifests& m) {
    Secret s;
    s.meta = readMeta(r, root);
    s.type = r.string(root.find("type"), "type").value_or("Opaque");
    auto readKey = [&](std::string_view key, std::string& out) {
        if (const YamlNode* sd = r.map(root.find("stringData"), "stringData")) {
            if (auto v = r.string(sd->find(key), "stringData." + std::string(key))) {
                out = *v;
                return true;
            }
        }
        if (const YamlNode* data = r.map(root.find("data"), "data")) {
            const YamlNode* v = data->find(key);
            if (auto text = r.string(v, "data." + std::string(key))) {
                if (auto decoded = base64Decode(*text)) {
                    out = *decoded;
                    return true;
                }
                r.error("ILAB-API-002",
                        "data[" + std::string(key) + "]: Invalid value: illegal base64 data",
                        v->location, "data values are base64; use stringData for plain text");
                return true;
            }
        }
        return false;
    };
    s.has_crt = readKey("tls.crt", s.crt_pem);
    s.has_key = readKey("tls.key", s.key_pem);
    if (s.has_crt && !s.crt_pem.empty()) s.certificate = readCertificate(s.crt_pem);
    // The other keys, for auth-secret and the like. The API server refuses a Secret with any
    // value that is not base64, and merges stringData over data.
    auto isTlsKey = [](std::string_view key) { return key == "tls.crt" || key == "tls.key"; };
    if (const YamlNode* data = r.map(root.find("data"), "data")) {
        for (const auto& e : data->entries) {
            if (isTlsKey(e.key)) continue;
            const auto text = r.string(&e.value, "data." + e.key);
            if (!text) continue;
            if (auto decoded = base64Decode(*text)) {
                s.data[e.key] = SecretValue{std::move(*decoded), e.value.location, 0, false};
            } else {
                r.error("ILAB-API-002", "data[" + e.key + "]: Invalid value: illegal base64 data",
                        e.value.location, "data values are base64; use stringData for plain text");
            }
        }
    }
    if (const YamlNode* string_data = r.map(root.find("stringData"), "stringData")) {
        for (const auto& e : string_data->entries) {
            if (isTlsKey(e.key)) continue;
            if (auto text = r.string(&e.value, "stringData." + e.key)) {
                const bool one_line = text->find('\n') == std::string::npos;
                s.data[e.key] = SecretValue{std::move(*text), e.value.location,
                                            e.value.block_column, !e.value.quoted && one_line};
            }
        }
    }
    m.secrets.push_back(std::move(s));
}

void decodeNamespace(FieldReader& r, const YamlNode& root, Manifests& m) {
    NamespaceObject ns;
    ns.meta = readMeta(r, root);
    ns.meta.namespace_.clear();
    m.namespaces.push_back(std::move(ns));
}

void decodeObject(const YamlNode& root, Manifests& m, int list_depth);

}  // namespace ilab::model
