#pragma once
// The facade front ends use: it owns the threads, the simulated cluster, the proxy and the
// current RouteTable. Every method is safe from any thread and returns promptly.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/cluster/cluster.h"
#include "engine/controllers/controller.h"
#include "engine/core/diagnostic.h"
#include "engine/model/manifests.h"
#include "engine/proxy/proxy.h"
#include "engine/routing/route_table.h"

namespace ilab::tls {
class TlsStore;
}

namespace ilab::lab {

// A controller the lab runs beside the first one (LabOptions' load, compile, http and https): its
// own proxy, in front of the same Services and pods, claiming Ingresses by its own rules.
struct ControllerSpec {
    // What events and front ends call it, unique in the lab; "": the plug-in's id.
    std::string name;
    std::string controller;     // a registered id ("spec") or IngressClass spec.controller name
    // The IngressClass spec.controller value it claims (ingress-nginx's --controller-class);
    // "": the plug-in's own. A second install of one controller needs another.
    std::string controller_class;
    // The class it answers to; "": its own default. When no IngressClass of that name is in
    // the manifests, the lab stands in for the one its chart installs.
    std::string ingress_class;
    bool watch_ingress_without_class = false;
    std::string configuration;  // its configuration object, "namespace/name"; "": its default
    proxy::ListenerSpec http;
    // HTTPS needs the lab's (LabOptions::https): the certificates come from the same lab CA.
    std::optional<proxy::ListenerSpec> https;
    // Its command-line flags, applied over the fields above (Controller::applyArgs); check
    // them first where they are written (the scenario parser does): the lab only applies them.
    std::vector<controllers::ControllerArg> args;
};

// What a running controller is and where it listens.
struct RunningController {
    std::string name;              // unique in the lab, as RequestEvent::controller says it
    std::string id, title;         // its plug-in: "ingress-nginx", "ingress-nginx v1.15"
    std::string controller_name;   // its IngressClass spec.controller value
    std::string ingress_class;     // the class it answers to when none is defined
    std::uint16_t http_port = 0, https_port = 0;  // 0: not listening
};

struct LabOptions {
    std::vector<std::string> files;  // manifests: files, directories, "-"
    model::LoadOptions load;
    routing::CompileOptions compile;
    cluster::ClusterOptions cluster;
    proxy::ProxyOptions proxy;
    proxy::ListenerSpec http{"127.0.0.1", 8080};
    // The HTTPS listener; none when empty. Certificates come from the Ingresses' TLS Secrets by
    // SNI, else the default certificate the lab CA issues.
    std::optional<proxy::ListenerSpec> https;
    // Where the lab CA lives (ca.crt, ca.key); empty: tls::defaultCaDirectory(), the user's
    // ~/.local/share/ingress-lab. Only read when `https` is set.
    std::string ca_directory;
    // The admin listener (/metrics, /healthz); none when empty.
    std::optional<proxy::ListenerSpec> admin;
    // The first controller's name in the lab (RunningController::name); "": its plug-in's id.
    std::string name;
    // The first controller's plug-in, by id or controller name; "": the one that claims under
    // `load` (controllers::controllerFor). Needed when its controller class is its own.
    std::string plugin;
    // More controllers, each with a proxy of its own; the first is the one above.
    std::vector<ControllerSpec> more_controllers;
};

// How the controller `spec` describes claims Ingresses: its plug-in's claiming with the spec's
// class, controller class and flags, reading files as `base` does (none of `base`'s claiming
// is its). With `compile`, also what its configuration (when it names one) and flags set
// there. Nullopt when the lab does not simulate its controller.
std::optional<model::LoadOptions> claimingFor(const ControllerSpec& spec,
                                              const model::LoadOptions& base,
                                              routing::CompileOptions* compile = nullptr);

class Lab {
  public:
    // Loads the manifests, starts the pods and the proxy. Returns nullptr when the manifests
    // cannot be read or a listener cannot bind; `diagnostics` says why. A lab CA that cannot be
    // used (ILAB-TLS-003) is not fatal: the lab then serves plain HTTP only.
    static std::unique_ptr<Lab> start(const LabOptions& options, core::Diagnostics& diagnostics);
    // Loads from text instead of files (tests, the studio's editor, the web API).
    static std::unique_ptr<Lab> startFromText(const std::string& manifests,
                                              const LabOptions& options,
                                              core::Diagnostics& diagnostics);
    // Loads from several named texts (the studio's editor tabs): diagnostics name each file.
    static std::unique_ptr<Lab> startFromSources(const std::vector<model::ManifestSource>& sources,
                                                 const LabOptions& options,
                                                 core::Diagnostics& diagnostics);
    ~Lab();
    Lab(const Lab&) = delete;
    Lab& operator=(const Lab&) = delete;

    // The controllers the lab runs, in order: the first is LabOptions' own, and the
    // accessors below without a controller index are about it.
    std::vector<RunningController> controllers() const;

    std::uint16_t httpPort() const;
    // The bound HTTPS port; 0 when HTTPS is off or the lab CA could not be used.
    std::uint16_t httpsPort() const;
    std::uint16_t adminPort() const;  // 0 when there is no admin listener
    // Request events, histograms and time series of a controller's proxy; subscribe for
    // batches. Each event names its controller (RequestEvent::controller).
    telemetry::Telemetry& telemetry(std::size_t controller = 0);
    // The lab CA's certificate, for clients to trust (curl --cacert); "" without HTTPS.
    std::string caCertificatePath() const;

    // Re-reads the option's files (or uses `text`), compiles a new RouteTable and swaps it in,
    // with the TLS certificates its Ingresses name; pods are added and removed to match. On load
    // errors the running table stays and the diagnostics say why. Returns whether the new
    // configuration is serving.
    bool reload(core::Diagnostics& diagnostics);
    bool reloadFromText(const std::string& manifests, core::Diagnostics& diagnostics);
    bool reloadFromSources(const std::vector<model::ManifestSource>& sources,
                           core::Diagnostics& diagnostics);
    // Reloads from another set of files (a scenario's timeline applying a change), which
    // later reload() calls then read.
    bool reloadFiles(const std::vector<std::string>& files, core::Diagnostics& diagnostics);
    // Scales and rolls workloads and sets Ingress annotations over what the manifests say
    // (kubectl scale, rollout, annotate), then reloads the current manifests with them. The
    // overrides stay for later reloads until replaced.
    bool applyOverrides(const model::LiveOverrides& overrides, core::Diagnostics& diagnostics);

    cluster::Cluster& cluster();
    // Whether the manifests now serving define the target: a Service or workload of that
    // namespace and name, or a pod (one the manifests name, or one a workload runs). Any
    // thread.
    bool defines(const cluster::Target& target) const;
    std::shared_ptr<const routing::RouteTable> routeTable(std::size_t controller = 0) const;
    // Which certificate each host presents (engine/tls/tls_store.h); null without HTTPS.
    std::shared_ptr<const tls::TlsStore> tlsStore(std::size_t controller = 0) const;
    proxy::ProxyCounters counters(std::size_t controller = 0) const;

    // Drains and stops; the destructor calls it.
    void stop();

  private:
    struct Impl;
    static std::unique_ptr<Lab> launch(const LabOptions& options, const model::Manifests& manifests,
                                       core::Diagnostics& diagnostics);
    explicit Lab(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ilab::lab
