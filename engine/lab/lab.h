#pragma once
// The facade front ends use: it owns the threads, the simulated cluster, the proxy and the
// current RouteTable. Every method is safe from any thread and returns promptly.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/cluster/cluster.h"
#include "engine/core/diagnostic.h"
#include "engine/model/manifests.h"
#include "engine/proxy/proxy.h"
#include "engine/routing/route_table.h"

namespace ilab::lab {

struct LabOptions {
    std::vector<std::string> files;  // manifests: files, directories, "-"
    model::LoadOptions load;
    routing::CompileOptions compile;
    cluster::ClusterOptions cluster;
    proxy::ProxyOptions proxy;
    proxy::ListenerSpec http{"127.0.0.1", 8080};
};

class Lab {
  public:
    // Loads the manifests, starts the pods and the proxy. Returns nullptr when the manifests
    // cannot be read or the HTTP listener cannot bind; `diagnostics` says why.
    static std::unique_ptr<Lab> start(const LabOptions& options, core::Diagnostics& diagnostics);
    // Loads from text instead of files (tests, the studio's editor, the web API).
    static std::unique_ptr<Lab> startFromText(const std::string& manifests,
                                              const LabOptions& options,
                                              core::Diagnostics& diagnostics);
    ~Lab();
    Lab(const Lab&) = delete;
    Lab& operator=(const Lab&) = delete;

    std::uint16_t httpPort() const;

    // Re-reads the option's files (or uses `text`), compiles a new RouteTable and swaps it in;
    // pods are added and removed to match. On load errors the running table stays and the
    // diagnostics say why. Returns whether the new configuration is serving.
    bool reload(core::Diagnostics& diagnostics);
    bool reloadFromText(const std::string& manifests, core::Diagnostics& diagnostics);

    cluster::Cluster& cluster();
    std::shared_ptr<const routing::RouteTable> routeTable() const;
    proxy::ProxyCounters counters() const;

    // Drains and stops; the destructor calls it.
    void stop();

  private:
    struct Impl;
    explicit Lab(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ilab::lab
