#include "engine/model/decode.h"

#include "engine/model/field_reader.h"

namespace ilab::model {

ObjectMeta readMeta(FieldReader& r, const YamlNode& root) {
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

namespace {

void decodeObject(const YamlNode& root, Manifests& m, int list_depth);

void decodeList(FieldReader& r, const YamlNode& root, Manifests& m, int list_depth) {
    if (list_depth > 4) {
        r.error("ILAB-API-006", "Lists nested more than 4 deep", root.location);
        return;
    }
    const YamlNode* items = r.list(root.find("items"), "items");
    for (std::size_t i = 0; items && i < items->items.size(); ++i)
        decodeObject(items->items[i], m, list_depth + 1);
}

void decodeObject(const YamlNode& root, Manifests& m, int list_depth) {
    FieldReader bare(m, "");
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
    FieldReader r(m, *kind + " " + (cluster_scoped ? name : ns + "/" + name));

    const std::string& k = *kind;
    const std::string& v = *api;
    auto removedApi = [&](std::string_view now) {
        r.error("ILAB-API-007",
                "no matches for kind " + core::quoted(k) + " in version " + core::quoted(v),
                root.find("apiVersion")->location,
                "this API version was removed from Kubernetes; use " + std::string(now));
    };
    if (v.starts_with("ingress-lab.dev/")) return;  // the lab's own files (a scenario) in
                                                     // a manifest folder: not cluster objects
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
    else if (k == "ConfigMap" && v == "v1")
        decodeConfigMap(r, root, m);
    else if (k == "Endpoints" && v == "v1")
        decodeEndpoints(r, root, m);
    else if (k == "EndpointSlice" && v == "discovery.k8s.io/v1")
        decodeEndpointSlice(r, root, m);
    else if (k == "EndpointSlice" && v == "discovery.k8s.io/v1beta1")
        removedApi("discovery.k8s.io/v1");
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
