#include "engine/lab/lab.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_set>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "engine/controllers/controller.h"
#include "engine/core/text.h"
#include "engine/dialect/dialect.h"
#include "engine/tls/certificate_authority.h"
#include "engine/tls/tls_store.h"

namespace ilab::lab {

namespace asio = boost::asio;

// One controller of the lab: its plug-in, how it claims and compiles, and its proxy on an event
// loop of its own (one worker, as the nginx it is compared with), like a controller pod of its
// own in front of the cluster's pods.
struct Edge {
    std::string name;  // unique in the lab
    const controllers::Controller* controller = nullptr;
    model::LoadOptions load;        // its claiming rules
    routing::CompileOptions compile;
    proxy::ListenerSpec http;
    std::optional<proxy::ListenerSpec> https;
    std::string ingress_class;
    std::unique_ptr<asio::io_context> io = std::make_unique<asio::io_context>(1);
    asio::executor_work_guard<asio::io_context::executor_type> work{io->get_executor()};
    std::thread thread;
    std::unique_ptr<proxy::Proxy> proxy;
    std::uint16_t http_port = 0, https_port = 0;
};

// The pods' event loop on one thread, each controller's proxy on another, like processes on a
// node.
struct Lab::Impl {
    LabOptions options;
    asio::io_context pods_io{1};
    asio::executor_work_guard<asio::io_context::executor_type> pods_work{pods_io.get_executor()};
    std::thread pods_thread;
    std::unique_ptr<cluster::Cluster> cluster;
    // [0]: the controller of options.load. After the cluster: each proxy points into it.
    std::vector<std::unique_ptr<Edge>> edges;
    std::uint16_t admin_port = 0;
    std::optional<tls::CertificateAuthority> ca;  // set when HTTPS is on and the CA is usable
    std::mutex reload_mutex;  // also guards parse_cache, text_source and options.load
    model::ParseCache parse_cache;
    // The manifests, when given as text (one "<lab>" source for startFromText).
    std::optional<std::vector<model::ManifestSource>> text_source;

    Edge& primary() const { return *edges.front(); }

    // The first edge from options.load (its controller chose the claiming already), then one
    // per more_controllers entry; false with a diagnostic for a controller the lab lacks.
    bool makeEdges(core::Diagnostics& diagnostics) {
        auto first = std::make_unique<Edge>();
        first->controller = options.plugin.empty()
                                ? &controllers::controllerFor(options.load)
                                : controllers::Registry::builtin().find(options.plugin);
        if (!first->controller) {
            diagnostics.error("ILAB-LAB-001",
                              "the lab does not simulate controller " +
                                  core::quoted(options.plugin) + " (it knows " +
                                  controllers::Registry::builtin().describeKnown() + ")",
                              {}, "name one of those, by controller name or id");
            return false;
        }
        first->name = options.name.empty() ? std::string(first->controller->id()) : options.name;
        first->load = options.load;
        first->compile = options.compile;
        first->http = options.http;
        first->https = options.https;
        first->ingress_class = options.load.default_class_name;
        edges.push_back(std::move(first));
        for (const ControllerSpec& spec : options.more_controllers) {
            const controllers::Controller* plugin =
                controllers::Registry::builtin().find(spec.controller);
            if (!plugin) {
                diagnostics.error("ILAB-LAB-001",
                                  "the lab does not simulate controller " +
                                      core::quoted(spec.controller) + " (it knows " +
                                      controllers::Registry::builtin().describeKnown() + ")",
                                  {}, "name one of those, by controller name or id");
                return false;
            }
            auto edge = std::make_unique<Edge>();
            edge->controller = plugin;
            edge->name = spec.name.empty() ? std::string(plugin->id()) : spec.name;
            for (const auto& other : edges)
                if (other->name == edge->name) {
                    diagnostics.error("ILAB-LAB-001",
                                      "two controllers of the lab are called " +
                                          core::quoted(edge->name),
                                      {}, "give the second a name of its own");
                    return false;
                }
            // Its own claiming and configuration only: the first's flags and ConfigMap are not its
            // (another install reads its own release's ConfigMap unless the spec names one).
            edge->compile = routing::CompileOptions{};
            edge->compile.configuration = plugin->configurationFor(edge->name);
            edge->load = *claimingFor(spec, options.load, &edge->compile);
            edge->ingress_class = edge->load.default_class_name;
            edge->http = spec.http;
            if (options.https) edge->https = spec.https;
            edges.push_back(std::move(edge));
        }
        return true;
    }

    // The manifests as `edge` claims them: the loaded ones for the first, a re-claimed copy
    // (indexed again: a copy starts without lookups) for the others.
    static const model::Manifests& claimedBy(const Edge& edge, const Edge& first,
                                             const model::Manifests& loaded,
                                             std::optional<model::Manifests>& copy) {
        if (&edge == &first) return loaded;
        copy.emplace(loaded);
        model::claimIngresses(*copy, edge.load);
        copy->buildIndexes();
        return *copy;
    }

    // Compiles `edge`'s table; a second controller's findings are added only where they are
    // not the first's already (both read the same objects).
    std::shared_ptr<const routing::RouteTable> compileFor(const Edge& edge,
                                                          const model::Manifests& claimed,
                                                          core::Diagnostics& diagnostics) const {
        if (&edge == &primary()) return edge.controller->compile(claimed, edge.compile, &diagnostics);
        core::Diagnostics own;
        auto table = edge.controller->compile(claimed, edge.compile, &own);
        if (own.empty()) return table;
        const auto key = [](const core::Diagnostic& d) {
            return d.code + '\0' + d.message + '\0' + d.location.str();
        };
        std::unordered_set<std::string> seen;
        for (const core::Diagnostic& d : diagnostics.items()) seen.insert(key(d));
        for (const core::Diagnostic& d : own.items())
            if (seen.insert(key(d)).second) diagnostics.add(d);
        return table;
    }

    model::Manifests loadCurrent() {
        if (text_source) return model::loadManifestSources(*text_source, options.load);
        return model::loadManifests(options.files, options.load, &parse_cache);
    }
    bool stopped = false;

    // The Services, workloads and pods of the serving manifests ("namespace/name" each), for
    // defines(): a fault on a Service that does not exist is refused, not listed as active.
    struct Names {
        std::set<std::string> services, workloads, pods;
    };
    mutable std::mutex names_mutex;
    std::shared_ptr<const Names> names = std::make_shared<Names>();
    void rememberNames(const model::Manifests& manifests) {
        auto next = std::make_shared<Names>();
        for (const auto& s : manifests.services)
            next->services.insert(s.meta.qualifiedName());
        for (const auto& w : manifests.workloads)
            next->workloads.insert(w.meta.qualifiedName());
        for (const auto& p : manifests.pods)
            next->pods.insert(p.meta.qualifiedName());
        std::lock_guard lock(names_mutex);
        names = std::move(next);
    }

    // Compiles and publishes. A change with any error-level finding is rejected whole: the
    // running tables keep serving, so a typo in a live edit never takes routes down.
    bool publish(const model::Manifests& manifests, core::Diagnostics& diagnostics) {
        diagnostics.append(manifests.diagnostics);
        if (manifests.input_unreadable || manifests.diagnostics.hasErrors()) return false;
        std::vector<std::shared_ptr<const routing::RouteTable>> tables;
        std::vector<std::optional<model::Manifests>> copies(edges.size());
        for (std::size_t i = 0; i < edges.size(); ++i)
            tables.push_back(compileFor(
                *edges[i], claimedBy(*edges[i], primary(), manifests, copies[i]), diagnostics));
        if (cluster) cluster->apply(manifests, diagnostics);
        rememberNames(manifests);
        for (std::size_t i = 0; i < edges.size(); ++i) {
            Edge& edge = *edges[i];
            if (!edge.proxy) continue;
            const model::Manifests& claimed = copies[i] ? *copies[i] : manifests;
            publishCertificates(edge, claimed, *tables[i], diagnostics);
            std::shared_ptr<const routing::RouteTable> previous = edge.proxy->routeTable();
            edge.proxy->setRouteTable(std::move(tables[i]));
            releaseHere(std::move(previous));
        }
        return true;
    }

    // Frees a replaced table on this (the reloading) thread once the requests that matched it
    // have let go, rather than on the proxy's thread in the middle of serving: freeing a
    // 10,000-host table takes milliseconds. Requests in flight usually let go within a few
    // milliseconds; a table still held after 50 ms (a long request, a front end keeping it)
    // is retired and freed by a later reload once nothing else holds it.
    void releaseHere(std::shared_ptr<const routing::RouteTable> table) {
        std::erase_if(retired, [](const auto& t) { return t.use_count() == 1; });
        for (int i = 0; i < 10 && table && table.use_count() > 1; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        if (table && table.use_count() > 1) retired.push_back(std::move(table));
    }
    std::vector<std::shared_ptr<const routing::RouteTable>> retired;  // under reload_mutex

    // Builds this generation's certificates beside the running ones (reusing contexts whose
    // Secrets did not change) and swaps them in.
    void publishCertificates(Edge& edge, const model::Manifests& manifests,
                             const routing::RouteTable& table, core::Diagnostics& diagnostics) {
        if (!ca || !edge.https) return;
        const std::shared_ptr<const tls::TlsStore> previous = edge.proxy->tlsStore();
        const auto settings = edge.controller->edgeSettings(manifests, edge.compile);
        auto store = tls::TlsStore::build(manifests, *ca, settings.tls, diagnostics,
                                          previous.get(), servedBy(table));
        if (store) edge.proxy->setTlsStore(std::move(store));
    }

    // Only Ingresses the table serves bind certificates: the model alone cannot tell canaries
    // and Ingresses the dialect drops, which ingress-nginx leaves out of its servers.
    static tls::IngressFilter servedBy(const routing::RouteTable& table) {
        return [&table](const model::Ingress& ingress) {
            const auto it = table.policies().find(ingress.meta.qualifiedName());
            return it != table.policies().end() &&
                   it->second->disposition != dialect::Disposition::Dropped &&
                   !it->second->canary.enabled;
        };
    }

    void loadCertificateAuthority(core::Diagnostics& diagnostics) {
        const std::filesystem::path directory = options.ca_directory.empty()
                                                    ? tls::defaultCaDirectory()
                                                    : std::filesystem::path(options.ca_directory);
        if (directory.empty()) {
            diagnostics.error("ILAB-TLS-003",
                              "the lab CA has no home: neither XDG_DATA_HOME nor HOME is set", {},
                              "set HOME, or serve without --https");
            return;
        }
        ca = tls::CertificateAuthority::loadOrCreate(directory, diagnostics);
    }

    // The proxy's options for `edge`, with the limits its configuration sets (ingress-nginx:
    // keep-alive, client-header-timeout, ...). The proxy keeps them until the lab restarts.
    proxy::ProxyOptions proxyOptionsFor(const Edge& edge, const model::Manifests& manifests) const {
        proxy::ProxyOptions proxy_options = options.proxy;
        proxy_options.controller_id = edge.name;
        proxy_options.controller_class = edge.load.controller;
        const auto settings = edge.controller->edgeSettings(manifests, edge.compile);
        proxy::ProxyLimits& limits = proxy_options.limits;
        limits.keepalive_timeout = settings.keepalive_timeout.value_or(limits.keepalive_timeout);
        limits.header_timeout = settings.header_timeout.value_or(limits.header_timeout);
        limits.body_timeout = settings.body_timeout.value_or(limits.body_timeout);
        limits.upstream_idle_per_endpoint =
            settings.upstream_idle_per_endpoint.value_or(limits.upstream_idle_per_endpoint);
        return proxy_options;
    }

    bool boot(const model::Manifests& manifests, core::Diagnostics& diagnostics) {
        diagnostics.append(manifests.diagnostics);
        if (manifests.input_unreadable) return false;
        if (!makeEdges(diagnostics)) return false;
        cluster = cluster::Cluster::create(pods_io, manifests, options.cluster);
        rememberNames(manifests);
        if (options.https) loadCertificateAuthority(diagnostics);
        for (auto& edge_ptr : edges) {
            Edge& edge = *edge_ptr;
            std::optional<model::Manifests> copy;
            const model::Manifests& claimed = claimedBy(edge, primary(), manifests, copy);
            edge.proxy = proxy::Proxy::create(*edge.io, *cluster, proxyOptionsFor(edge, claimed));
            auto table = compileFor(edge, claimed, diagnostics);
            // Without a usable CA there is no default certificate: serve plain HTTP only, as
            // docs/tls.md promises, rather than refuse to start.
            publishCertificates(edge, claimed, *table, diagnostics);
            edge.proxy->setRouteTable(std::move(table));
        }
        pods_thread = std::thread([this] { pods_io.run(); });
        for (auto& edge : edges) edge->thread = std::thread([io = edge->io.get()] { io->run(); });
        cluster->start(diagnostics);
        for (auto& edge_ptr : edges) {
            Edge& edge = *edge_ptr;
            edge.http_port = edge.proxy->listenHttp(edge.http, diagnostics);
            if (edge.http_port == 0) return false;
            if (edge.https && edge.proxy->tlsStore()) {
                edge.https_port = edge.proxy->listenHttps(*edge.https, diagnostics);
                if (edge.https_port == 0) return false;
            }
        }
        if (options.admin) {
            admin_port = primary().proxy->listenAdmin(*options.admin, diagnostics);
            if (admin_port == 0) return false;
        }
        return true;
    }

    void shutdown() {
        if (stopped) return;
        stopped = true;
        for (auto& edge : edges)
            if (edge->proxy && edge->thread.joinable()) edge->proxy->stop();
        if (cluster && pods_thread.joinable()) cluster->stop();
        pods_work.reset();
        for (auto& edge : edges) edge->work.reset();
        // Let every coroutine finish on its own (their sockets and timers are closed now):
        // a frame left in an io_context would be destroyed with it, after the proxy and the
        // cluster it points into. Only a stuck operation meets the hard stop below.
        for (auto& edge : edges) drain(*edge->io, edge->thread);
        drain(pods_io, pods_thread);
    }

    static void drain(asio::io_context& io, std::thread& thread) {
        if (!thread.joinable()) return;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!io.stopped() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        io.stop();
        thread.join();
    }
};

std::optional<model::LoadOptions> claimingFor(const ControllerSpec& spec,
                                              const model::LoadOptions& base,
                                              routing::CompileOptions* compile) {
    const controllers::Controller* plugin = controllers::Registry::builtin().find(spec.controller);
    if (!plugin) return std::nullopt;
    model::LoadOptions load;  // how it reads files is the lab's; how it claims is its own
    load.yaml = base.yaml;
    load.overrides = base.overrides;
    load.standard_input = base.standard_input;
    load.confine_to = base.confine_to;
    load.installed_config_maps = base.installed_config_maps;
    load.watch_ingress_without_class = spec.watch_ingress_without_class;
    load.default_class_name = spec.ingress_class;
    load = plugin->claiming(std::move(load));
    if (!spec.controller_class.empty()) load.controller = spec.controller_class;
    routing::CompileOptions own;
    if (!compile) compile = &own;
    if (!spec.configuration.empty()) compile->configuration = spec.configuration;
    core::Diagnostics checked_where_written;  // by whoever wrote them (the scenario parser)
    plugin->applyArgs(spec.args, load, *compile, checked_where_written);
    return load;
}

Lab::Lab(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Lab::~Lab() {
    stop();
}

std::unique_ptr<Lab> Lab::launch(const LabOptions& options, const model::Manifests& manifests,
                                 core::Diagnostics& diagnostics) {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    std::unique_ptr<Lab> lab(new Lab(std::move(impl)));
    if (!lab->impl_->boot(manifests, diagnostics)) return nullptr;
    return lab;
}

std::unique_ptr<Lab> Lab::start(const LabOptions& options, core::Diagnostics& diagnostics) {
    // The cache is filled here, before the lab exists; launch() moves it in.
    model::ParseCache cache;
    auto lab = launch(options, model::loadManifests(options.files, options.load, &cache),
                      diagnostics);
    if (lab) lab->impl_->parse_cache = std::move(cache);
    return lab;
}

std::unique_ptr<Lab> Lab::startFromText(const std::string& text, const LabOptions& options,
                                        core::Diagnostics& diagnostics) {
    return startFromSources({{"<lab>", text}}, options, diagnostics);
}

std::unique_ptr<Lab> Lab::startFromSources(const std::vector<model::ManifestSource>& sources,
                                           const LabOptions& options,
                                           core::Diagnostics& diagnostics) {
    auto lab = launch(options, model::loadManifestSources(sources, options.load), diagnostics);
    if (lab) lab->impl_->text_source = sources;
    return lab;
}

std::vector<RunningController> Lab::controllers() const {
    std::vector<RunningController> out;
    for (const auto& edge : impl_->edges) {
        RunningController c;
        c.name = edge->name;
        c.id = std::string(edge->controller->id());
        c.title = std::string(edge->controller->title());
        c.controller_name = edge->load.controller;
        c.ingress_class = edge->ingress_class;
        c.http_port = edge->http_port;
        c.https_port = edge->https_port;
        out.push_back(std::move(c));
    }
    return out;
}

std::uint16_t Lab::httpPort() const {
    return impl_->primary().http_port;
}

std::uint16_t Lab::httpsPort() const {
    return impl_->primary().https_port;
}

std::uint16_t Lab::adminPort() const {
    return impl_->admin_port;
}

telemetry::Telemetry& Lab::telemetry(std::size_t controller) {
    return impl_->edges.at(controller)->proxy->telemetry();
}

std::string Lab::caCertificatePath() const {
    return impl_->ca && impl_->primary().https_port ? impl_->ca->certificatePath().string() : std::string();
}

bool Lab::reload(core::Diagnostics& diagnostics) {
    std::lock_guard lock(impl_->reload_mutex);
    return impl_->publish(impl_->loadCurrent(), diagnostics);
}

bool Lab::applyOverrides(const model::LiveOverrides& overrides, core::Diagnostics& diagnostics) {
    std::lock_guard lock(impl_->reload_mutex);
    impl_->options.load.overrides = overrides;
    return impl_->publish(impl_->loadCurrent(), diagnostics);
}

bool Lab::reloadFiles(const std::vector<std::string>& files, core::Diagnostics& diagnostics) {
    std::lock_guard lock(impl_->reload_mutex);
    impl_->options.files = files;
    impl_->text_source.reset();
    return impl_->publish(
        model::loadManifests(impl_->options.files, impl_->options.load, &impl_->parse_cache),
        diagnostics);
}

bool Lab::reloadFromText(const std::string& text, core::Diagnostics& diagnostics) {
    return reloadFromSources({{"<lab>", text}}, diagnostics);
}

bool Lab::reloadFromSources(const std::vector<model::ManifestSource>& sources,
                            core::Diagnostics& diagnostics) {
    std::lock_guard lock(impl_->reload_mutex);
    // The text becomes the lab's source only once it serves: a rejected edit must not be
    // what the next reload reads.
    if (!impl_->publish(model::loadManifestSources(sources, impl_->options.load), diagnostics))
        return false;
    impl_->text_source = sources;
    return true;
}

cluster::Cluster& Lab::cluster() {
    return *impl_->cluster;
}

bool Lab::defines(const cluster::Target& target) const {
    std::shared_ptr<const Impl::Names> names;
    {
        std::lock_guard lock(impl_->names_mutex);
        names = impl_->names;
    }
    const std::string key = target.namespace_ + "/" + target.name;
    switch (target.kind) {
        case cluster::Target::Kind::Service:
            return names->services.count(key) > 0;
        case cluster::Target::Kind::Workload:
            return names->workloads.count(key) > 0;
        case cluster::Target::Kind::Pod:
            if (names->pods.count(key)) return true;
            for (const auto& pod : impl_->cluster->pods())
                if (pod.namespace_ == target.namespace_ && pod.name == target.name) return true;
            return false;
    }
    return false;
}

std::shared_ptr<const routing::RouteTable> Lab::routeTable(std::size_t controller) const {
    return impl_->edges.at(controller)->proxy->routeTable();
}

std::shared_ptr<const tls::TlsStore> Lab::tlsStore(std::size_t controller) const {
    return impl_->edges.at(controller)->proxy->tlsStore();
}

proxy::ProxyCounters Lab::counters(std::size_t controller) const {
    return impl_->edges.at(controller)->proxy->counters();
}

void Lab::stop() {
    if (impl_) impl_->shutdown();
}

}  // namespace ilab::lab
