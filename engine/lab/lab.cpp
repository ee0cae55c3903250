#include "engine/lab/lab.h"

#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "engine/dialect/dialect.h"

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
    std::unique_ptr<dialect::Dialect> dialect = dialect::makeNginxDialect();
    std::unique_ptr<cluster::Cluster> cluster;
    std::unique_ptr<proxy::Proxy> proxy;
    std::uint16_t http_port = 0;
    std::mutex reload_mutex;
    bool stopped = false;

    // Compiles and publishes. A change with any error-level finding is rejected whole: the
    // running table keeps serving, so a typo in a live edit never takes routes down.
    bool publish(const model::Manifests& manifests, core::Diagnostics& diagnostics) {
        diagnostics.append(manifests.diagnostics);
        if (manifests.input_unreadable || manifests.diagnostics.hasErrors()) return false;
        auto table =
            routing::RouteTable::compile(manifests, *dialect, options.compile, &diagnostics);
        if (cluster) cluster->apply(manifests, diagnostics);
        if (proxy) proxy->setRouteTable(std::move(table));
        return true;
    }

    bool boot(const model::Manifests& manifests, core::Diagnostics& diagnostics) {
        diagnostics.append(manifests.diagnostics);
        if (manifests.input_unreadable) return false;
        cluster = cluster::Cluster::create(pods_io, manifests, options.cluster);
        proxy = proxy::Proxy::create(proxy_io, *cluster, options.proxy);
        proxy->setRouteTable(
            routing::RouteTable::compile(manifests, *dialect, options.compile, &diagnostics));
        pods_thread = std::thread([this] { pods_io.run(); });
        proxy_thread = std::thread([this] { proxy_io.run(); });
        cluster->start(diagnostics);
        http_port = proxy->listenHttp(options.http, diagnostics);
        return http_port != 0;
    }

    void shutdown() {
        if (stopped) return;
        stopped = true;
        if (proxy && proxy_thread.joinable()) proxy->stop();
        if (cluster && pods_thread.joinable()) cluster->stop();
        pods_work.reset();
        proxy_work.reset();
        proxy_io.stop();
        pods_io.stop();
        if (proxy_thread.joinable()) proxy_thread.join();
        if (pods_thread.joinable()) pods_thread.join();
    }
};

Lab::Lab(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Lab::~Lab() {
    stop();
}

std::unique_ptr<Lab> Lab::start(const LabOptions& options, core::Diagnostics& diagnostics) {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    const model::Manifests manifests = model::loadManifests(options.files, options.load);
    std::unique_ptr<Lab> lab(new Lab(std::move(impl)));
    if (!lab->impl_->boot(manifests, diagnostics)) return nullptr;
    return lab;
}

std::unique_ptr<Lab> Lab::startFromText(const std::string& text, const LabOptions& options,
                                        core::Diagnostics& diagnostics) {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    const model::Manifests manifests = model::loadManifestsFromText(text, "<lab>", options.load);
    std::unique_ptr<Lab> lab(new Lab(std::move(impl)));
    if (!lab->impl_->boot(manifests, diagnostics)) return nullptr;
    return lab;
}

std::uint16_t Lab::httpPort() const {
    return impl_->http_port;
}

bool Lab::reload(core::Diagnostics& diagnostics) {
    std::lock_guard lock(impl_->reload_mutex);
    return impl_->publish(model::loadManifests(impl_->options.files, impl_->options.load),
                          diagnostics);
}

bool Lab::reloadFromText(const std::string& text, core::Diagnostics& diagnostics) {
    std::lock_guard lock(impl_->reload_mutex);
    return impl_->publish(model::loadManifestsFromText(text, "<lab>", impl_->options.load),
                          diagnostics);
}

cluster::Cluster& Lab::cluster() {
    return *impl_->cluster;
}

std::shared_ptr<const routing::RouteTable> Lab::routeTable() const {
    return impl_->proxy->routeTable();
}

proxy::ProxyCounters Lab::counters() const {
    return impl_->proxy->counters();
}

void Lab::stop() {
    if (impl_) impl_->shutdown();
}

}  // namespace ilab::lab
