#include "engine/model/decode.h"

#include <functional>
#include <set>

#include <openssl/evp.h>

#include "engine/core/text.h"
#include "engine/model/certificate.h"

namespace ilab::model {
namespace {

using core::YamlNode;

// Fields removed with networking.k8s.io/v1beta1, which people still copy from old posts.
const std::map<std::string_view, std::string_view> kLegacyFieldHints = {
    {"serviceName", "networking.k8s.io/v1 uses backend.service.name"},
    {"servicePort", "networking.k8s.io/v1 uses backend.service.port.number or .name"},
    {"backend", "networking.k8s.io/v1 calls it spec.defaultBackend"},
};

// Reads typed fields out of one object's tree, reporting problems with their field path.
class Reader {
  public:
    Reader(Manifests& manifests, std::string object) : m_(manifests), object_(std::move(object)) {}

    core::Diagnostic& error(std::string code, std::string message, const core::SourceLocation& at,
                            std::string hint = {}) {
        auto& d = m_.diagnostics.error(std::move(code), std::move(message), at, std::move(hint));
        d.object = object_;
        return d;
    }

    bool typeError(const YamlNode& node, const std::string& path, std::string_view expected) {
        std::string found(node.typeName());
        if (node.isScalar()) found += " (" + node.scalar + ")";
        error("ILAB-API-004",
              path + ": Invalid type: expected " + std::string(expected) + ", found " + found,
              node.location,
              expected == "a string" && node.isScalar() ? "quote the value: \"" + node.scalar + "\""
                                                        : std::string());
        return false;
    }

    const YamlNode* map(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return nullptr;
        if (!node->isMap()) {
            typeError(*node, path, "a map");
            return nullptr;
        }
        return node;
    }

    const YamlNode* list(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return nullptr;
        if (!node->isSequence()) {
            typeError(*node, path, "a list");
            return nullptr;
        }
        return node;
    }

    // Kubernetes string fields refuse YAML numbers and booleans (json: cannot unmarshal ...).
    std::optional<std::string> string(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return std::nullopt;
        if (!node->isScalar() || node->scalarType() != core::ScalarType::String) {
            typeError(*node, path, "a string");
            return std::nullopt;
        }
        return node->scalar;
    }

    std::optional<long long> integer(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return std::nullopt;
        auto value = node->asInt();
        if (!value) {
            typeError(*node, path, "an integer");
            return std::nullopt;
        }
        return value;
    }

    std::map<std::string, std::string> stringMap(const YamlNode* node, const std::string& path,
                                                 std::map<std::string, core::SourceLocation>* at) {
        std::map<std::string, std::string> out;
        if (!map(node, path)) return out;
        for (const auto& e : node->entries) {
            if (auto v = string(&e.value, path + "." + e.key)) {
                out[e.key] = *v;
                if (at) (*at)[e.key] = e.value.isNull() ? e.key_location : e.value.location;
            } else if (e.value.isNull()) {
                out[e.key] = "";
                if (at) (*at)[e.key] = e.key_location;
            }
        }
        return out;
    }

    void unknownFields(const YamlNode* node, const std::string& path,
                       std::initializer_list<std::string_view> known) {
        if (!node || !node->isMap()) return;
        for (const auto& e : node->entries) {
            if (std::find(known.begin(), known.end(), e.key) != known.end()) continue;
            std::string hint;
            if (auto legacy = kLegacyFieldHints.find(e.key); legacy != kLegacyFieldHints.end())
                hint = std::string(legacy->second);
            else if (auto near = core::closestMatch(e.key, std::vector<std::string_view>(known), 2);
                     !near.empty())
                hint = "did you mean \"" + near + "\"?";
            const std::string field = path.empty() ? e.key : path + "." + e.key;
            error("ILAB-API-005", "unknown field " + core::quoted(field), e.key_location, hint);
        }
    }

    Manifests& m_;
    std::string object_;
};

std::string indexed(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

ObjectMeta readMeta(Reader& r, const YamlNode& root) {
    ObjectMeta meta;
    meta.location = root.location;
    meta.load_order = r.m_.objects_read++;
    const YamlNode* md = r.map(root.find("metadata"), "metadata");
    r.unknownFields(
        md, "metadata",
        {"name", "namespace", "labels", "annotations", "creationTimestamp", "generateName", "uid",
         "resourceVersion", "generation", "managedFields", "ownerReferences", "finalizers",
         "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"});
    if (!md) {
        r.error("ILAB-API-001", "metadata.name: Required value: name or generateName is required",
                root.location);
        return meta;
    }
    if (auto name = r.string(md->find("name"), "metadata.name")) {
        meta.name = *name;
        meta.name_location = md->find("name")->location;
    } else if (!md->find("name")) {
        r.error("ILAB-API-001", "metadata.name: Required value: name or generateName is required",
                md->location);
    }
    if (auto ns = r.string(md->find("namespace"), "metadata.namespace"); ns && !ns->empty())
        meta.namespace_ = *ns;
    meta.labels = r.stringMap(md->find("labels"), "metadata.labels", nullptr);
    meta.annotations =
        r.stringMap(md->find("annotations"), "metadata.annotations", &meta.annotation_locations);
    if (const YamlNode* ts = md->find("creationTimestamp"); ts && ts->isScalar())
        meta.creation_timestamp = ts->scalar;
    return meta;
}

IngressBackend readBackend(Reader& r, const YamlNode* node, const std::string& path) {
    IngressBackend backend;
    if (!r.map(node, path)) return backend;
    backend.location = node->location;
    r.unknownFields(node, path, {"service", "resource"});
    if (const YamlNode* svc = r.map(node->find("service"), path + ".service")) {
        IngressServiceBackend service;
        service.location = svc->location;
        r.unknownFields(svc, path + ".service", {"name", "port"});
        if (auto name = r.string(svc->find("name"), path + ".service.name")) {
            service.name = *name;
            service.name_location = svc->find("name")->location;
        } else {
            service.name_location = svc->location;
        }
        service.port.location = svc->location;
        if (const YamlNode* port = r.map(svc->find("port"), path + ".service.port")) {
            service.port.location = port->location;
            r.unknownFields(port, path + ".service.port", {"name", "number"});
            service.port.name_location = service.port.number_location = port->location;
            if (auto n = r.string(port->find("name"), path + ".service.port.name")) {
                service.port.name = *n;
                service.port.name_location = port->find("name")->location;
            }
            if (auto n = r.integer(port->find("number"), path + ".service.port.number")) {
                service.port.number = static_cast<int>(std::clamp<long long>(*n, -1, 1'000'000));
                service.port.number_location = port->find("number")->location;
            }
        }
        backend.service = std::move(service);
    }
    if (const YamlNode* res = r.map(node->find("resource"), path + ".resource")) {
        TypedLocalObjectReference ref;
        ref.api_group = r.string(res->find("apiGroup"), path + ".resource.apiGroup").value_or("");
        ref.kind = r.string(res->find("kind"), path + ".resource.kind").value_or("");
        ref.name = r.string(res->find("name"), path + ".resource.name").value_or("");
        backend.resource = std::move(ref);
    }
    return backend;
}

void decodeIngress(Reader& r, const YamlNode& root, Manifests& m) {
    const std::size_t errors_before = m.diagnostics.count(core::Severity::Error);
    Ingress ing;
    ing.meta = readMeta(r, root);
    r.unknownFields(&root, "", {"apiVersion", "kind", "metadata", "spec", "status"});
    const YamlNode* spec = r.map(root.find("spec"), "spec");
    r.unknownFields(spec, "spec", {"ingressClassName", "defaultBackend", "rules", "tls"});
    ing.spec_location =
        root.findEntry("spec") ? root.findEntry("spec")->key_location : root.location;
    if (spec) {
        if (const YamlNode* cls = spec->find("ingressClassName")) {
            ing.ingress_class_name = r.string(cls, "spec.ingressClassName");
            ing.class_location = cls->location;
        }
        if (const YamlNode* def = spec->find("defaultBackend"); def && !def->isNull())
            ing.default_backend = readBackend(r, def, "spec.defaultBackend");
        if (const YamlNode* rules = r.list(spec->find("rules"), "spec.rules")) {
            for (std::size_t i = 0; i < rules->items.size(); ++i) {
                const std::string rpath = indexed("spec.rules", i);
                const YamlNode* rule = r.map(&rules->items[i], rpath);
                if (!rule) continue;
                r.unknownFields(rule, rpath, {"host", "http"});
                IngressRule out;
                out.location = rule->location;
                out.host_location = rule->location;
                if (const YamlNode* host = rule->find("host")) {
                    out.host = r.string(host, rpath + ".host").value_or("");
                    out.host_location = host->location;
                }
                if (const YamlNode* http = r.map(rule->find("http"), rpath + ".http")) {
                    out.has_http = true;
                    out.paths_location = http->findEntry("paths")
                                             ? http->findEntry("paths")->key_location
                                             : http->location;
                    r.unknownFields(http, rpath + ".http", {"paths"});
                    const YamlNode* paths = r.list(http->find("paths"), rpath + ".http.paths");
                    for (std::size_t j = 0; paths && j < paths->items.size(); ++j) {
                        const std::string ppath = indexed(rpath + ".http.paths", j);
                        const YamlNode* p = r.map(&paths->items[j], ppath);
                        if (!p) continue;
                        r.unknownFields(p, ppath, {"path", "pathType", "backend"});
                        HttpIngressPath hp;
                        hp.location = hp.path_location = hp.path_type_location = p->location;
                        if (const YamlNode* v = p->find("path")) {
                            hp.path = r.string(v, ppath + ".path").value_or("");
                            hp.path_location = v->location;
                        }
                        if (const YamlNode* v = p->find("pathType")) {
                            hp.path_type_location = v->location;
                            if (auto t = r.string(v, ppath + ".pathType")) {
                                hp.path_type_set = true;
                                hp.path_type_text = *t;
                                if (*t == "Exact")
                                    hp.path_type = PathType::Exact;
                                else if (*t == "ImplementationSpecific")
                                    hp.path_type = PathType::ImplementationSpecific;
                            }
                        }
                        hp.backend = readBackend(r, p->find("backend"), ppath + ".backend");
                        if (!p->find("backend")) hp.backend.location = p->location;
                        out.paths.push_back(std::move(hp));
                    }
                    if (!paths) out.paths.clear();
                }
                ing.rules.push_back(std::move(out));
            }
        }
        if (const YamlNode* tls = r.list(spec->find("tls"), "spec.tls")) {
            for (std::size_t k = 0; k < tls->items.size(); ++k) {
                const std::string tpath = indexed("spec.tls", k);
                const YamlNode* t = r.map(&tls->items[k], tpath);
                if (!t) continue;
                r.unknownFields(t, tpath, {"hosts", "secretName"});
                IngressTls out;
                out.location = out.secret_location = t->location;
                if (const YamlNode* hosts = r.list(t->find("hosts"), tpath + ".hosts")) {
                    for (std::size_t h = 0; h < hosts->items.size(); ++h) {
                        if (auto s = r.string(&hosts->items[h], indexed(tpath + ".hosts", h))) {
                            out.hosts.push_back(*s);
                            out.host_locations.push_back(hosts->items[h].location);
                        }
                    }
                }
                if (const YamlNode* s = t->find("secretName")) {
                    out.secret_name = r.string(s, tpath + ".secretName").value_or("");
                    out.secret_location = s->location;
                }
                ing.tls.push_back(std::move(out));
            }
        }
    }
    // An object that does not decode is refused whole; validation never sees it.
    ing.rejected = m.diagnostics.count(core::Severity::Error) > errors_before;
    m.ingresses.push_back(std::move(ing));
}

void decodeIngressClass(Reader& r, const YamlNode& root, Manifests& m) {
    IngressClass cls;
    cls.meta = readMeta(r, root);
    cls.meta.namespace_.clear();  // cluster-scoped
    const YamlNode* spec = r.map(root.find("spec"), "spec");
    r.unknownFields(spec, "spec", {"controller", "parameters"});
    if (spec) cls.controller = r.string(spec->find("controller"), "spec.controller").value_or("");
    auto def = cls.meta.annotations.find("ingressclass.kubernetes.io/is-default-class");
    cls.is_default = def != cls.meta.annotations.end() && def->second == "true";
    m.ingress_classes.push_back(std::move(cls));
}

IntOrString readIntOrString(Reader& r, const YamlNode* node, const std::string& path,
                            int fallback) {
    IntOrString v;
    v.number = fallback;
    if (!node || node->isNull()) return v;
    if (auto n = node->asInt()) {
        v.number = static_cast<int>(std::clamp<long long>(*n, -1, 1'000'000));
    } else if (node->isScalar()) {
        v.is_int = false;
        v.name = node->scalar;
    } else {
        r.typeError(*node, path, "an integer or a string");
    }
    return v;
}

void decodeService(Reader& r, const YamlNode& root, Manifests& m) {
    Service svc;
    svc.meta = readMeta(r, root);
    const YamlNode* spec = r.map(root.find("spec"), "spec");
    if (spec) {
        svc.type = r.string(spec->find("type"), "spec.type").value_or("ClusterIP");
        svc.selector = r.stringMap(spec->find("selector"), "spec.selector", nullptr);
        svc.external_name = r.string(spec->find("externalName"), "spec.externalName").value_or("");
        if (const YamlNode* ports = r.list(spec->find("ports"), "spec.ports")) {
            for (std::size_t i = 0; i < ports->items.size(); ++i) {
                const std::string path = indexed("spec.ports", i);
                const YamlNode* p = r.map(&ports->items[i], path);
                if (!p) continue;
                ServicePort port;
                port.location = p->location;
                port.name = r.string(p->find("name"), path + ".name").value_or("");
                port.port =
                    static_cast<int>(r.integer(p->find("port"), path + ".port").value_or(0));
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

std::vector<ContainerPort> readContainerPorts(Reader& r, const YamlNode* podSpec,
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

void decodeWorkload(Reader& r, const YamlNode& root, const std::string& kind, Manifests& m) {
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

void decodePod(Reader& r, const YamlNode& root, Manifests& m) {
    Pod pod;
    pod.meta = readMeta(r, root);
    pod.ports = readContainerPorts(r, root.find("spec"), "spec");
    m.pods.push_back(std::move(pod));
}

std::optional<std::string> base64Decode(std::string_view in) {
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

void decodeSecret(Reader& r, const YamlNode& root, Manifests& m) {
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
    m.secrets.push_back(std::move(s));
}

void decodeNamespace(Reader& r, const YamlNode& root, Manifests& m) {
    NamespaceObject ns;
    ns.meta = readMeta(r, root);
    ns.meta.namespace_.clear();
    m.namespaces.push_back(std::move(ns));
}

void decodeObject(const YamlNode& root, Manifests& m, int list_depth);

void decodeList(Reader& r, const YamlNode& root, Manifests& m, int list_depth) {
    if (list_depth > 4) {
        r.error("ILAB-API-006", "Lists nested more than 4 deep", root.location);
        return;
    }
    const YamlNode* items = r.list(root.find("items"), "items");
    for (std::size_t i = 0; items && i < items->items.size(); ++i)
        decodeObject(items->items[i], m, list_depth + 1);
}

void decodeObject(const YamlNode& root, Manifests& m, int list_depth) {
    Reader bare(m, "");
    if (!root.isMap()) {
        bare.error("ILAB-API-006",
                   "document is " + std::string(root.typeName()) +
                       ", not a Kubernetes object (a map with apiVersion and kind)",
                   root.location);
        return;
    }
    auto api = bare.string(root.find("apiVersion"), "apiVersion");
    auto kind = bare.string(root.find("kind"), "kind");
    if (!api || !kind || api->empty() || kind->empty()) {
        std::string missing = (!kind || kind->empty()) ? "kind not set" : "";
        if (!api || api->empty())
            missing += std::string(missing.empty() ? "" : ", ") + "apiVersion not set";
        bare.error("ILAB-API-006", "error validating data: [" + missing + "]", root.location);
        return;
    }
    std::string name, ns = "default";
    if (const YamlNode* md = root.find("metadata"); md && md->isMap()) {
        if (const YamlNode* n = md->find("name"); n && n->isScalar()) name = n->scalar;
        if (const YamlNode* n = md->find("namespace"); n && n->isScalar()) ns = n->scalar;
    }
    const bool cluster_scoped = *kind == "Namespace" || *kind == "IngressClass";
    Reader r(m, *kind + " " + (cluster_scoped ? name : ns + "/" + name));

    const std::string& k = *kind;
    const std::string& v = *api;
    auto removedApi = [&](std::string_view now) {
        r.error("ILAB-API-007",
                "no matches for kind " + core::quoted(k) + " in version " + core::quoted(v),
                root.find("apiVersion")->location,
                "this API version was removed from Kubernetes; use " + std::string(now));
    };
    if (k == "List" && v == "v1")
        decodeList(r, root, m, list_depth);
    else if (k == "Ingress" && v == "networking.k8s.io/v1")
        decodeIngress(r, root, m);
    else if (k == "Ingress" && (v == "extensions/v1beta1" || v == "networking.k8s.io/v1beta1"))
        removedApi("networking.k8s.io/v1 (removed in 1.22: service.name, service.port, pathType)");
    else if (k == "IngressClass" && v == "networking.k8s.io/v1")
        decodeIngressClass(r, root, m);
    else if (k == "IngressClass" && v == "networking.k8s.io/v1beta1")
        removedApi("networking.k8s.io/v1");
    else if (k == "Service" && v == "v1")
        decodeService(r, root, m);
    else if ((k == "Deployment" || k == "StatefulSet") && v == "apps/v1")
        decodeWorkload(r, root, k, m);
    else if ((k == "Deployment" || k == "StatefulSet") &&
             (v == "extensions/v1beta1" || v == "apps/v1beta1" || v == "apps/v1beta2"))
        removedApi("apps/v1");
    else if (k == "Pod" && v == "v1")
        decodePod(r, root, m);
    else if (k == "Secret" && v == "v1")
        decodeSecret(r, root, m);
    else if (k == "Namespace" && v == "v1")
        decodeNamespace(r, root, m);
    else {
        IgnoredObject ignored{v, k, name, ns, root.location};
        auto& d = m.diagnostics.info("ILAB-MODEL-001",
                                     k + " " + core::quoted(name) + " (" + v +
                                         ") is not modelled by the lab: kept, not simulated",
                                     root.location);
        d.object = k + " " + name;
        m.ignored.push_back(std::move(ignored));
    }
}

}  // namespace

void decodeDocument(const YamlNode& root, Manifests& manifests) {
    decodeObject(root, manifests, 0);
}

}  // namespace ilab::model
