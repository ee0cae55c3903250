#include "engine/lab/lab.h"

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "engine/controllers/controller.h"
#include "engine/dialect/dialect.h"
#include "engine/tls/certificate_authority.h"
#include "engine/tls/tls_store.h"

namespace ilab::lab {

namespace asio = boost::asio;

// Two event loops on two threads, like two processes on a node: the pods on one, the proxy
// (one worker, as the nginx it is compared with) on the other.
struct Lab::Impl {
    LabOptions options;
    asio::io_context pods_io{1};
    asio::io_context proxy_io{1};
    asio::executor_work_guard<asio::io_context::executor_type> pods_work{pods_io.get_executor()};
    asio::executor_work_guard<asio::io_context::executor_type> proxy_work{proxy_io.get_executor()};
    std::thread pods_thread, proxy_thread;
    // The controller plug-in the manifests are claimed for (options.load.controller).
    const controllers::Controller& controller() const {
        return controllers::controllerFor(options.load);
    }
    std::unique_ptr<cluster::Cluster> cluster;
    std::unique_ptr<proxy::Proxy> proxy;
    std::uint16_t http_port = 0;
    std::uint16_t https_port = 0;
    std::uint16_t admin_port = 0;
    std::optional<tls::CertificateAuthority> ca;  // set when HTTPS is on and the CA is usable
    std::mutex reload_mutex;  // also guards parse_cache, text_source and options.load
    model::ParseCache parse_cache;
    // The manifests, when given as text (one "<lab>" source for startFromText).
    std::optional<std::vector<model::ManifestSource>> text_source;

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
    // running table keeps serving, so a typo in a live edit never takes routes down.
    bool publish(const model::Manifests& manifests, core::Diagnostics& diagnostics) {
        diagnostics.append(manifests.diagnostics);
        if (manifests.input_unreadable || manifests.diagnostics.hasErrors()) return false;
        auto table = controller().compile(manifests, options.compile, &diagnostics);
        if (cluster) cluster->apply(manifests, diagnostics);
        rememberNames(manifests);
        if (proxy) {
            publishCertificates(manifests, *table, diagnostics);
            std::shared_ptr<const routing::RouteTable> previous = proxy->routeTable();
            proxy->setRouteTable(std::move(table));
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
    void publishCertificates(const model::Manifests& manifests, const routing::RouteTable& table,
                             core::Diagnostics& diagnostics) {
        if (!ca) return;
        const std::shared_ptr<const tls::TlsStore> previous = proxy->tlsStore();
        const auto edge = controller().edgeSettings(manifests, options.compile);
        auto store = tls::TlsStore::build(manifests, *ca, edge.tls, diagnostics, previous.get(),
                                          servedBy(table));
        if (store) proxy->setTlsStore(std::move(store));
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

    // The proxy's limits with what the controller's configuration sets (ingress-nginx:
    // keep-alive, client-header-timeout, ...). The proxy keeps them until the lab restarts.
    proxy::ProxyOptions withEdgeLimits(const model::Manifests& manifests) const {
        proxy::ProxyOptions proxy_options = options.proxy;
        const auto edge = controller().edgeSettings(manifests, options.compile);
        proxy::ProxyLimits& limits = proxy_options.limits;
        limits.keepalive_timeout = edge.keepalive_timeout.value_or(limits.keepalive_timeout);
        limits.header_timeout = edge.header_timeout.value_or(limits.header_timeout);
        limits.body_timeout = edge.body_timeout.value_or(limits.body_timeout);
        limits.upstream_idle_per_endpoint =
            edge.upstream_idle_per_endpoint.value_or(limits.upstream_idle_per_endpoint);
        return proxy_options;
    }

    bool boot(const model::Manifests& manifests, core::Diagnostics& diagnostics) {
        diagnostics.append(manifests.diagnostics);
        if (manifests.input_unreadable) return false;
        cluster = cluster::Cluster::create(pods_io, manifests, options.cluster);
        rememberNames(manifests);
        proxy = proxy::Proxy::create(proxy_io, *cluster, withEdgeLimits(manifests));
        auto table = controller().compile(manifests, options.compile, &diagnostics);
        if (options.https) {
            // Without a usable CA there is no default certificate: serve plain HTTP only, as
            // docs/tls.md promises, rather than refuse to start.
            loadCertificateAuthority(diagnostics);
            publishCertificates(manifests, *table, diagnostics);
        }
        proxy->setRouteTable(std::move(table));
        pods_thread = std::thread([this] { pods_io.run(); });
        proxy_thread = std::thread([this] { proxy_io.run(); });
        cluster->start(diagnostics);
        http_port = proxy->listenHttp(options.http, diagnostics);
        if (http_port == 0) return false;
        if (options.https && proxy->tlsStore()) {
            https_port = proxy->listenHttps(*options.https, diagnostics);
            if (https_port == 0) return false;
        }
        if (options.admin) {
            admin_port = proxy->listenAdmin(*options.admin, diagnostics);
            if (admin_port == 0) return false;
        }
        return true;
    }

    void shutdown() {
        if (stopped) return;
        stopped = true;
        if (proxy && proxy_thread.joinable()) proxy->stop();
        if (cluster && pods_thread.joinable()) cluster->stop();
        pods_work.reset();
        proxy_work.reset();
        // Let every coroutine finish on its own (their sockets and timers are closed now):
        // a frame left in an io_context would be destroyed with it, after the proxy and the
        // cluster it points into. Only a stuck operation meets the hard stop below.
        drain(proxy_io, proxy_thread);
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

std::uint16_t Lab::httpPort() const {
    return impl_->http_port;
}

std::uint16_t Lab::httpsPort() const {
    return impl_->https_port;
}

std::uint16_t Lab::adminPort() const {
    return impl_->admin_port;
}

telemetry::Telemetry& Lab::telemetry() {
    return impl_->proxy->telemetry();
}

std::string Lab::caCertificatePath() const {
    return impl_->ca && impl_->https_port ? impl_->ca->certificatePath().string() : std::string();
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

std::shared_ptr<const routing::RouteTable> Lab::routeTable() const {
    return impl_->proxy->routeTable();
}

std::shared_ptr<const tls::TlsStore> Lab::tlsStore() const {
    return impl_->proxy->tlsStore();
}

proxy::ProxyCounters Lab::counters() const {
    return impl_->proxy->counters();
}

void Lab::stop() {
    if (impl_) impl_->shutdown();
}

}  // namespace ilab::lab
