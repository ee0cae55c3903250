#pragma once
// The loaded topology: every object from a set of manifest files, plus what loading found.
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/core/diagnostic.h"
#include "engine/core/yaml_tree.h"
#include "engine/model/objects.h"

namespace ilab::model {

// The controller name of ingress-nginx; IngressClasses with this controller are the lab's.
inline constexpr std::string_view kNginxController = "k8s.io/ingress-nginx";

// Changes a live lab makes over what the manifests say, as `kubectl scale`, `kubectl rollout`
// and `kubectl annotate` would (a scenario's timeline). Keys are "namespace/name".
struct WorkloadOverride {
    std::optional<int> replicas;
    // A new pod template (a rollout): pods get new names. The previous template keeps
    // `previous_replicas` pods while the rollout is under way.
    int revision = 0;
    int previous_replicas = 0;
};
struct LiveOverrides {
    std::map<std::string, WorkloadOverride> workloads;
    std::map<std::string, std::map<std::string, std::string>> ingress_annotations;
    bool empty() const { return workloads.empty() && ingress_annotations.empty(); }
};

struct LoadOptions {
    std::string controller = std::string(kNginxController);
    // ingress-nginx --watch-ingress-without-class: also serve Ingresses that name no class.
    bool watch_ingress_without_class = false;
    // Claim every Ingress the API server accepts, whatever class it names or whether it names
    // one: a controller standing in for any conformant one (`--controller spec`).
    bool claim_every_ingress = false;
    // The IngressClass name ingress-nginx answers to when the manifests define none (its
    // chart installs "nginx").
    std::string default_class_name = "nginx";
    // ingress-nginx --ingress-class-by-name: also claim the IngressClass of that name, whatever
    // controller it names.
    bool ingress_class_by_name = false;
    // ingress-nginx --watch-namespace: only Ingresses of this namespace ("" : all).
    std::string watch_namespace;
    // ingress-nginx --disable-catch-all: ignore every Ingress with a spec.defaultBackend.
    bool disable_catch_all = false;
    // ConfigMaps a controller's install creates beside the manifests (the Helm chart's, from
    // its values file), added after them: one the manifests define too is replaced, with the
    // usual ILAB-MODEL-002.
    std::vector<ConfigMap> installed_config_maps;
    core::YamlLimits yaml;
    LiveOverrides overrides;
    // Where "-" reads from; nullptr means std::cin. Read up to yaml.max_bytes, as every file.
    std::istream* standard_input = nullptr;
    // When set, every file read must lead (symlinks followed) inside this folder: a scenario's
    // manifests, including what a folder it names holds, stay in the scenario's folder.
    std::string confine_to;
};

struct Manifests {
    std::vector<Ingress> ingresses;
    std::vector<IngressClass> ingress_classes;
    std::vector<Service> services;
    std::vector<Workload> workloads;
    std::vector<Pod> pods;  // bare Pods and the pods workloads would run
    std::vector<Secret> secrets;
    std::vector<ConfigMap> config_maps;
    std::vector<ServiceEndpoints> endpoints;  // hand-written, for Services without a selector
    std::vector<NamespaceObject> namespaces;
    std::vector<IgnoredObject> ignored;
    std::vector<std::string> files;  // every file read, in order
    core::Diagnostics diagnostics;
    bool input_unreadable = false;  // a file could not be read or parsed at all
    std::size_t objects_read = 0;   // gives each object its load_order

    // Lookups, indexed by finishLoading(): a linear scan per backend made compiling 10,000
    // Ingresses take 15 s (tests/perf). Do not change the object vectors after loading.
    const Service* findService(std::string_view ns, std::string_view name) const;
    const Secret* findSecret(std::string_view ns, std::string_view name) const;
    const ConfigMap* findConfigMap(std::string_view ns, std::string_view name) const;
    const IngressClass* findIngressClass(std::string_view name) const;
    // Pods a Service selects (any readiness), in load order.
    std::vector<const Pod*> selectedPods(const Service& service) const;
    // The Endpoints and EndpointSlices of a Service without a selector, in load order.
    std::vector<const ServiceEndpoints*> externalEndpoints(const Service& service) const;
    void buildIndexes();

  private:
    // Points into the vectors above, so a copy of the Manifests starts without it (lookups then
    // scan) while a move keeps it.
    struct Index {
        bool built = false;
        std::unordered_map<std::string, const Service*> services;             // ns \0 name
        std::unordered_map<std::string, const Secret*> secrets;               // ns \0 name
        std::unordered_map<std::string, std::vector<const Pod*>> pod_labels;  // ns \0 key \0 value
        Index() = default;
        Index(const Index&) {}
        Index& operator=(const Index&) {
            *this = Index();
            return *this;
        }
        Index(Index&&) noexcept = default;
        Index& operator=(Index&&) noexcept = default;
    };
    Index index_;
};

// What each file read decoded to, kept between loads so that a reload decodes only the files
// whose content changed (a 10,000-Ingress directory where one file changed parses and decodes
// that one; parsing and decoding are most of a load, copying the kept objects a fraction).
// Keyed by path and a hash of the content, so an editor's save, a touch or a rename is always
// seen. One per lab; not thread-safe.
class ParseCache {
  public:
    // The objects, findings and objects_read of `text` decoded alone (load orders from 0).
    std::shared_ptr<const Manifests> decode(const std::string& path, std::string_view text,
                                            const core::YamlLimits& limits);
    void beginLoad();
    void endLoad();  // forgets files the load did not read
    std::size_t parsedInLastLoad() const { return parsed_; }
    std::size_t size() const { return entries_.size(); }

  private:
    struct Entry {
        std::size_t hash = 0, size = 0;
        std::uint64_t generation = 0;
        std::shared_ptr<const Manifests> decoded;
    };
    std::unordered_map<std::string, Entry> entries_;
    std::uint64_t generation_ = 0;
    std::size_t parsed_ = 0;
};

// Loads and validates manifests from files, directories (recursively: .yaml, .yml, .json) and
// "-" for standard input, as kubectl -f does. Never throws on bad input. Only regular files are
// read (a FIFO or a device given by name is an ILAB-INPUT-002 error, never opened for reading),
// each up to options.yaml.max_bytes (ILAB-INPUT-003). With a cache, files whose content did not
// change since the last load through it are not parsed again.
Manifests loadManifests(const std::vector<std::string>& paths, const LoadOptions& options = {},
                        ParseCache* cache = nullptr);

// Loads manifests from text already in memory (the studio's editor, the web API, tests).
// `file_name` is what diagnostics call it.
Manifests loadManifestsFromText(std::string_view text, const std::string& file_name,
                                const LoadOptions& options = {});

// Several named texts loaded as one set, each named in diagnostics by its own file_name (the
// studio's editor tabs, one per manifest file, applied before they are saved).
struct ManifestSource {
    std::string file_name;
    std::string text;
};
Manifests loadManifestSources(const std::vector<ManifestSource>& sources,
                              const LoadOptions& options = {});

// Adds another stream to an existing set, then call finishLoading() once.
void addManifestText(Manifests& manifests, std::string_view text, const std::string& file_name,
                     const LoadOptions& options);
// Generates pods, stamps default classes and decides which Ingresses are claimed.
void finishLoading(Manifests& manifests, const LoadOptions& options);
// Decides again which Ingresses are claimed, for another controller's `options` (its
// controller name, class and flags): one load serves every controller of a lab.
void claimIngresses(Manifests& manifests, const LoadOptions& options);

}  // namespace ilab::model
