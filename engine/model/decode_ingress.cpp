// Ingress and IngressClass (networking.k8s.io/v1), every field with its location.
#include "engine/model/field_reader.h"

namespace ilab::model {
namespace {

IngressBackend readBackend(FieldReader& r, const YamlNode* node, const std::string& path) {
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

}  // namespace

void decodeIngress(FieldReader& r, const YamlNode& root, Manifests& m) {
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
                        const YamlNode::Entry* b = p->findEntry("backend");
                        hp.backend = readBackend(r, b ? &b->value : nullptr, ppath + ".backend");
                        // "Required value" points at the path entry without a backend, or at an
                        // empty `backend:` (a null, whose own place is wherever the next token is).
                        if (!b)
                            hp.backend.location = p->location;
                        else if (b->value.isNull())
                            hp.backend.location = b->key_location;
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

void decodeIngressClass(FieldReader& r, const YamlNode& root, Manifests& m) {
    IngressClass cls;
    cls.meta = readMeta(r, root);
    cls.meta.namespace_.clear();  // cluster-scoped
    const YamlNode* spec = r.map(root.find("spec"), "spec");
    r.unknownFields(spec, "spec", {"controller", "parameters"});
    if (spec) {
        const YamlNode* controller = spec->find("controller");
        cls.controller = r.string(controller, "spec.controller").value_or("");
        if (controller) cls.controller_location = controller->location;
    }
    auto def = cls.meta.annotations.find("ingressclass.kubernetes.io/is-default-class");
    cls.is_default = def != cls.meta.annotations.end() && def->second == "true";
    m.ingress_classes.push_back(std::move(cls));
}

}  // namespace ilab::model
