#pragma once
// The Kubernetes objects the lab understands, as loaded from manifests. Every object and the
// fields that diagnostics point at keep their SourceLocation.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/diagnostic.h"

namespace ilab::model {

using core::SourceLocation;

struct ObjectMeta {
    std::string name;
    std::string namespace_ = "default";  // a missing namespace means default
    std::map<std::string, std::string> labels;
    std::map<std::string, std::string> annotations;
    std::map<std::string, SourceLocation> annotation_locations;  // where each annotation's value is
    std::string creation_timestamp;  // as written (RFC 3339); empty when absent
    // Age order used where ingress-nginx says "the oldest wins": by creationTimestamp when set,
    // then by load order (an object loaded earlier was created earlier).
    std::size_t load_order = 0;
    SourceLocation location;       // the object's first line (its document)
    SourceLocation name_location;  // metadata.name

    std::string qualifiedName() const { return namespace_ + "/" + name; }
};

// Is `a` older than `b` in ingress-nginx's sense (creationTimestamp, then load order)?
bool isOlder(const ObjectMeta& a, const ObjectMeta& b);

struct ServiceBackendPort {
    std::string name;                // port.name, or empty
    int number = 0;                  // port.number, or 0
    SourceLocation location;         // the port map
    SourceLocation name_location;    // the value of port.name
    SourceLocation number_location;  // the value of port.number
    std::string str() const { return name.empty() ? std::to_string(number) : name; }
};

struct IngressServiceBackend {
    std::string name;
    ServiceBackendPort port;
    SourceLocation location;
    SourceLocation name_location;
};

struct TypedLocalObjectReference {
    std::string api_group, kind, name;
};

struct IngressBackend {
    std::optional<IngressServiceBackend> service;
    std::optional<TypedLocalObjectReference> resource;
    SourceLocation location;
};

enum class PathType { Exact, Prefix, ImplementationSpecific };
std::string_view pathTypeName(PathType type);

struct HttpIngressPath {
    std::string path;
    PathType path_type = PathType::Prefix;
    bool path_type_set = false;  // false when the manifest left pathType out (invalid in v1)
    std::string path_type_text;  // as written, for the "Unsupported value" check
    IngressBackend backend;
    SourceLocation location;
    SourceLocation path_location;
    SourceLocation path_type_location;
};

struct IngressRule {
    std::string host;  // empty: every host
    bool has_http = false;
    std::vector<HttpIngressPath> paths;
    SourceLocation location;
    SourceLocation paths_location;  // http.paths
    SourceLocation host_location;
};

struct IngressTls {
    std::vector<std::string> hosts;
    std::vector<SourceLocation> host_locations;
    std::string secret_name;
    SourceLocation location;
    SourceLocation secret_location;
};

// Why an Ingress is (or is not) handled by the lab's controller.
enum class ClassSource { Field, Annotation, DefaultClass, None };

struct Ingress {
    ObjectMeta meta;
    SourceLocation spec_location;
    std::optional<std::string> ingress_class_name;  // spec.ingressClassName as written
    SourceLocation class_location;
    std::optional<IngressBackend> default_backend;
    std::vector<IngressRule> rules;
    std::vector<IngressTls> tls;

    // Filled in by the loader:
    std::string effective_class;  // the class that decides who serves it ("" when none)
    ClassSource class_source = ClassSource::None;
    bool claimed = false;   // an IngressClass of the lab's controller claims it
    // Why a flag of the controller left it out although its class is the controller's
    // (--watch-namespace, --disable-catch-all); "" otherwise.
    std::string excluded_by;
    bool rejected = false;  // the API server would refuse it: it is not stored, so never served
};

struct IngressClass {
    ObjectMeta meta;
    std::string controller;
    core::SourceLocation controller_location;
    bool is_default = false;
};

// An int-or-string field such as targetPort.
struct IntOrString {
    bool is_int = true;
    int number = 0;
    std::string name;
    std::string str() const { return is_int ? std::to_string(number) : name; }
};

struct ServicePort {
    std::string name;
    int port = 0;
    IntOrString target_port;  // defaults to port
    std::string protocol = "TCP";
    int node_port = 0;  // 0: none given (the API server would allocate one for a NodePort)
    SourceLocation location;
    // Where each field's value is, for validateService(); the port's map when not given.
    SourceLocation name_location, port_location, target_port_location, protocol_location,
        node_port_location;
};

struct Service {
    ObjectMeta meta;
    std::string type = "ClusterIP";
    SourceLocation type_location;
    std::map<std::string, std::string> selector;
    std::vector<ServicePort> ports;
    std::string external_name;  // type ExternalName
};

// The addresses behind a Service without a selector, written by hand as a v1 Endpoints or a
// discovery.k8s.io/v1 EndpointSlice: how a cluster points a Service at something outside it
// (here: a process on this machine, such as a real backend or a benchmark's server).
struct EndpointPort {
    std::string name;  // matches the Service port's name ("" for a single unnamed port)
    int port = 0;
};
struct EndpointAddress {
    std::string ip;
    bool ready = true;  // Endpoints: notReadyAddresses; EndpointSlice: conditions.ready
};
struct EndpointSubset {
    std::vector<EndpointAddress> addresses;
    std::vector<EndpointPort> ports;
};
struct ServiceEndpoints {
    ObjectMeta meta;
    std::string kind;     // "Endpoints" or "EndpointSlice"
    std::string service;  // Endpoints: its own name; EndpointSlice: kubernetes.io/service-name
    std::vector<EndpointSubset> subsets;
};

struct ContainerPort {
    std::string name;
    int container_port = 0;
    std::string container;  // container name
};

// A pod as the cluster would run it: bare Pods as written, workloads' pods generated with
// Kubernetes-style names (web-7d4b9c8f6-x2kq9, db-0).
struct Pod {
    ObjectMeta meta;
    // "Deployment", "StatefulSet", "ExternalName" (the lab's stand-in for an external name,
    // engine/model/external_name.h) or "" for a bare Pod
    std::string owner_kind;
    std::string owner_name;
    std::vector<ContainerPort> ports;
    bool ready = true;  // statically every pod is ready; the live lab changes this
};

struct Workload {
    ObjectMeta meta;
    std::string kind;  // Deployment or StatefulSet
    int replicas = 1;
    std::map<std::string, std::string> selector;
    std::map<std::string, std::string> template_labels;
    std::vector<ContainerPort> ports;
    SourceLocation replicas_location;
};

// What the loader could read from a TLS certificate.
struct CertificateInfo {
    bool parsed = false;
    std::string error;                   // why it could not be parsed
    std::vector<std::string> dns_names;  // subjectAltName DNS entries, else the CN
    long long not_before = 0;            // seconds since the epoch
    long long not_after = 0;
    std::string subject;
    // Does the certificate cover this host (exact or one-label wildcard)?
    bool covers(std::string_view host) const;
};

// One key of a Secret, decoded, and where it was written.
struct SecretValue {
    std::string value;
    SourceLocation location;  // the value in the manifest
    // How positions inside `value` map to the manifest: a literal block ("|") of stringData
    // keeps one source line per line, starting at `block_column`; a plain (unquoted) one-line
    // stringData value keeps its columns; base64 `data` and quoted strings map to nothing finer
    // than `location`.
    int block_column = 0;
    bool plain = false;

    // The manifest position of 1-based `line` and `column` of `value`, as close as it is known.
    SourceLocation at(std::size_t line, std::size_t column) const;
};

struct Secret {
    ObjectMeta meta;
    std::string type = "Opaque";
    bool has_crt = false, has_key = false;
    std::string crt_pem, key_pem;
    CertificateInfo certificate;
    // Every other key of `data` and `stringData` (stringData wins, as the API server merges it):
    // what an Ingress's auth-secret reads. tls.crt and tls.key are only in the fields above.
    std::map<std::string, SecretValue> data;
};

// A ConfigMap: what a controller reads its own configuration from (ingress-nginx's
// --configmap) and what its custom-headers setting names. Values are strings, as the API
// server stores them; each keeps where its key and its value were written.
struct ConfigMapValue {
    std::string value;
    SourceLocation key_location;
    SourceLocation value_location;  // the key's when the value is empty
};

struct ConfigMap {
    ObjectMeta meta;
    std::map<std::string, ConfigMapValue> data;
};

struct NamespaceObject {
    ObjectMeta meta;
};

// A document of a kind the lab does not model: kept and reported, never dropped silently.
struct IgnoredObject {
    std::string api_version, kind, name, namespace_;
    SourceLocation location;
};

}  // namespace ilab::model
