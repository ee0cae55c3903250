#include "app/studio/bridge/lab_session.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QMetaObject>
#include <algorithm>
#include <fstream>
#include <sstream>

#include "engine/dialect/dialect.h"
#include "engine/lab/lab.h"
#include "engine/lint/linter.h"

namespace ilab::studio {
namespace {

using Clock = std::chrono::steady_clock;

bool isLabFile(const QString& path) {
    std::ifstream in(path.toStdString());
    std::string line;
    for (int i = 0; i < 200 && std::getline(in, line); ++i)
        if (line.find("apiVersion: ingress-lab.dev/") != std::string::npos) return true;
    return false;
}

// Files and folders as kubectl -f takes them, folders expanded in a stable order.
QStringList expandManifestPaths(const std::vector<std::string>& paths) {
    QStringList files;
    for (const auto& p : paths) {
        const QString path = QString::fromStdString(p);
        if (!QFileInfo(path).isDir()) {
            files << QFileInfo(path).absoluteFilePath();
            continue;
        }
        QStringList found;
        QDirIterator it(path, {"*.yaml", "*.yml", "*.json"}, QDir::Files,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) found << QFileInfo(it.next()).absoluteFilePath();
        found.sort();
        for (const auto& f : found)
            if (!isLabFile(f)) files << f;
    }
    files.removeDuplicates();
    return files;
}

std::string exampleHost(const std::string& server) {
    if (server == "_") return "lab.local";
    if (server.starts_with("*.")) return "www" + server.substr(1);
    return server;
}

// Without a scenario: one request per rule, so every route shows traffic.
scenario::TrafficProfile trafficForRules(const routing::RouteTable& table) {
    scenario::TrafficProfile p;
    p.name = "every rule";
    p.rate = 20;
    for (const auto& server : table.servers())
        for (const auto& loc : server.locations) {
            if (loc.ingress.empty() || loc.regex) continue;  // a regex has no one URL
            scenario::RequestSpec r;
            r.url = std::string(server.tls ? "https" : "http") + "://" + exampleHost(server.name) +
                    (loc.path.empty() ? "/" : loc.path);
            if (scenario::splitUrl(r)) p.requests.push_back(r);
        }
    return p;
}

// The interactive lab runs until stopped: flat rates, no offsets, no end.
std::vector<scenario::TrafficProfile> interactiveProfiles(const scenario::Scenario& s) {
    std::vector<scenario::TrafficProfile> out;
    for (auto p : s.traffic) {
        if (p.rate == 0 && !p.stages.empty()) p.rate = p.stages.back().target;
        p.stages.clear();
        p.start = {};
        p.duration.reset();
        out.push_back(std::move(p));
    }
    return out;
}

double openRate(const std::vector<scenario::TrafficProfile>& profiles) {
    double total = 0;
    for (const auto& p : profiles)
        if (p.virtual_users == 0) total += p.rate;
    return total;
}

}  // namespace

QString describeFault(const cluster::FaultSpec& f) {
    QString what;
    switch (f.kind) {
        case cluster::FaultSpec::Kind::Kill: what = "kill"; break;
        case cluster::FaultSpec::Kind::Unready: what = "unready"; break;
        case cluster::FaultSpec::Kind::Latency:
            what = QString("latency +%1 ms").arg(f.latency_ms);
            if (f.jitter_ms > 0) what += QString(" ± %1").arg(f.jitter_ms);
            break;
        case cluster::FaultSpec::Kind::Status: what = QString("answer %1").arg(f.status); break;
        case cluster::FaultSpec::Kind::Reset: what = "reset connections"; break;
        case cluster::FaultSpec::Kind::BlackHole: what = "black-hole"; break;
        case cluster::FaultSpec::Kind::Throttle:
            what = QString("throttle %1 KiB/s").arg(static_cast<double>(f.bytes_per_second) / 1024);
            break;
        case cluster::FaultSpec::Kind::CloseAfterHeaders: what = "close after headers"; break;
    }
    static const char* kinds[] = {"pod", "workload", "service"};
    what += QString(" on %1 %2/%3")
                .arg(kinds[static_cast<int>(f.target.kind)],
                     QString::fromStdString(f.target.namespace_),
                     QString::fromStdString(f.target.name));
    if (f.probability < 1.0) what += QString(", %1% of requests").arg(f.probability * 100);
    return what;
}

// Engine threads drop what they report here; the GUI thread takes it all in one go.
struct LabSession::Mailbox {
    std::mutex mutex;
    LabSession* owner = nullptr;  // null once the session is gone
    std::uint64_t shown = 0;      // the generation whose reports are kept
    LabUpdate pending;
    bool posted = false;

    void post() {  // under mutex
        if (posted || !owner) return;
        posted = true;
        LabSession* o = owner;
        QMetaObject::invokeMethod(o, [o] { o->drainMailbox(); }, Qt::QueuedConnection);
    }
    void push(std::uint64_t generation, const telemetry::Delivery& d) {
        std::lock_guard lock(mutex);
        if (generation != shown) return;
        pending.batches.insert(pending.batches.end(), d.batches.begin(), d.batches.end());
        pending.snapshot = d.snapshot;
        post();
    }
    void push(std::uint64_t generation, const cluster::ClusterEvent& e) {
        std::lock_guard lock(mutex);
        if (generation != shown) return;
        pending.cluster_events.push_back(e);
        post();
    }
    void show(std::uint64_t generation) {
        std::lock_guard lock(mutex);
        shown = generation;
        pending = {};
    }
};

LabSession::LabSession(Options options, QObject* parent)
    : QObject(parent), options_(std::move(options)), mailbox_(std::make_shared<Mailbox>()) {
    qRegisterMetaType<LabUpdate>();
    qRegisterMetaType<ComposedResult>();
    qRegisterMetaType<scenario::ExpectationResult>();
    qRegisterMetaType<scenario::Progress>();
    mailbox_->owner = this;
}

LabSession::~LabSession() {
    close();
    std::lock_guard lock(mailbox_->mutex);
    mailbox_->owner = nullptr;
}

lab::Lab* LabSession::current() const {
    std::lock_guard lock(shown_mutex_);
    return shown_;
}

bool LabSession::isOpen() const {
    return lab_ != nullptr;
}

QString LabSession::scenarioPath() const {
    return scenario_path_;
}

QString LabSession::layoutPath() const {
    if (!scenario_path_.isEmpty()) {
        const QFileInfo f(scenario_path_);
        return f.dir().filePath(f.completeBaseName() + ".layout.json");
    }
    if (manifest_files_.isEmpty()) return {};
    return QFileInfo(manifest_files_.front()).dir().filePath(".ingress-lab-layout.json");
}

bool LabSession::open(const QString& scenario_path, const QStringList& files,
                      core::Diagnostics& diagnostics) {
    std::optional<scenario::Scenario> loaded;
    QString resolved_scenario;
    std::vector<std::string> paths;
    if (!scenario_path.isEmpty()) {
        auto result = scenario::loadScenario(scenario_path.toStdString());
        diagnostics.append(result.diagnostics);
        if (!result.scenario || result.diagnostics.hasErrors()) return false;
        loaded = std::move(result.scenario);
        resolved_scenario = QFileInfo(QString::fromStdString(loaded->file)).absoluteFilePath();
        paths = loaded->manifests;
    } else {
        for (const auto& f : files) paths.push_back(f.toStdString());
    }
    const QStringList expanded = expandManifestPaths(paths);

    lab::LabOptions lo;
    for (const auto& f : expanded) lo.files.push_back(f.toStdString());
    lo.http = {"127.0.0.1", options_.http_port};
    lo.https = proxy::ListenerSpec{"127.0.0.1", options_.https_port};
    lo.ca_directory = options_.ca_directory;
    lo.cluster.address_base = options_.pod_address_base;
    lo.cluster.ephemeral_ports = options_.ephemeral_pod_ports;
    if (loaded) {
        lo.cluster.seed = loaded->seed;
        lo.proxy.seed = loaded->seed;
    }
    core::Diagnostics start_diagnostics;
    std::unique_ptr<lab::Lab> lab;
    if (loaded && !loaded->inline_manifests.empty())
        lab = lab::Lab::startFromSources({{loaded->file, loaded->inline_manifests}}, lo,
                                         start_diagnostics);
    else
        lab = lab::Lab::start(lo, start_diagnostics);
    if (!lab && (options_.http_port != 0 || options_.https_port != 0)) {
        // The usual ports are taken (another lab, a dev server): any free ones will do.
        lo.http.port = 0;
        lo.https->port = 0;
        start_diagnostics = {};
        lab = loaded && !loaded->inline_manifests.empty()
                  ? lab::Lab::startFromSources({{loaded->file, loaded->inline_manifests}}, lo,
                                               start_diagnostics)
                  : lab::Lab::start(lo, start_diagnostics);
    }
    diagnostics.append(start_diagnostics);
    if (!lab) return false;

    close();
    lab_ = std::move(lab);
    scenario_ = std::move(loaded);
    scenario_path_ = resolved_scenario;
    manifest_files_ = expanded;
    if (scenario_)
        for (const auto& b : scenario_->behaviors)
            lab_->cluster().setBehavior(b.target.target, b.behavior);
    {
        std::lock_guard lock(shown_mutex_);
        shown_ = lab_.get();
    }
    attach(*lab_);
    traffic_ = {};
    traffic_.profiles = scenario_ && !scenario_->traffic.empty()
                            ? interactiveProfiles(*scenario_)
                            : std::vector{trafficForRules(*lab_->routeTable())};
    traffic_.rate = openRate(traffic_.profiles);
    emit opened();
    emit labChanged();
    return true;
}

void LabSession::attach(lab::Lab& lab) {
    const std::uint64_t generation = ++generation_;
    mailbox_->show(generation);
    std::weak_ptr<Mailbox> box = mailbox_;
    const auto id = lab.telemetry().subscribe(
        [box, generation](const telemetry::Delivery& d) {
            if (auto b = box.lock()) b->push(generation, d);
        },
        std::chrono::milliseconds(33));  // at most ~30 updates a second
    lab.cluster().subscribe([box, generation](const cluster::ClusterEvent& e) {
        if (auto b = box.lock()) b->push(generation, e);
    });
    if (&lab == lab_.get()) {
        subscription_ = id;
        interactive_generation_ = generation;
    } else {
        run_subscription_ = id;
    }
}

void LabSession::drainMailbox() {
    LabUpdate update;
    {
        std::lock_guard lock(mailbox_->mutex);
        update = std::move(mailbox_->pending);
        mailbox_->pending = {};
        mailbox_->posted = false;
        update.generation = mailbox_->shown;
    }
    trackFaults(update.cluster_events);
    takeClientRecords();
    emit updated(update);
}

double LabSession::seriesSecondsNow() const {
    lab::Lab* lab = current();
    if (!lab) return 0;
    return std::chrono::duration<double>(Clock::now() - lab->telemetry().snapshot()->epoch).count();
}

void LabSession::trackFaults(const std::vector<cluster::ClusterEvent>& events) {
    bool changed = false;
    auto& faults = faults_[generation_];
    for (const auto& e : events) {
        if (e.kind != cluster::ClusterEvent::Kind::FaultInjected &&
            e.kind != cluster::ClusterEvent::Kind::FaultCleared)
            continue;
        // "fault 7: latency on service shop/web, for 5000ms"
        const auto colon = e.detail.find(':');
        if (!e.detail.starts_with("fault ") || colon == std::string::npos) continue;
        const std::uint64_t id = std::stoull(e.detail.substr(6, colon - 6));
        if (e.kind == cluster::ClusterEvent::Kind::FaultInjected) {
            if (faults.count(id)) continue;  // ours: injectFault() already has it
            ActiveFault f;
            f.id = id;
            f.text = QString::fromStdString(e.detail.substr(colon + 2));
            f.since_s = seriesSecondsNow();
            faults[id] = f;
            fault_history_[generation_].push_back(f);
        } else {
            faults.erase(id);
            for (auto& h : fault_history_[generation_])
                if (h.id == id && !h.until_s) h.until_s = seriesSecondsNow();
        }
        changed = true;
    }
    if (changed) emit faultsChanged();
}

bool LabSession::apply(const std::vector<model::ManifestSource>& sources,
                       core::Diagnostics& diagnostics) {
    if (!lab_) return false;
    returnToLiveLab();
    return lab_->reloadFromSources(sources, diagnostics);
}

core::Diagnostics LabSession::validate(const std::vector<model::ManifestSource>& sources) {
    const model::Manifests manifests = model::loadManifestSources(sources);
    const auto dialect = dialect::makeNginxDialect();
    return lint::lint(manifests, *dialect).diagnostics;
}

std::shared_ptr<const routing::RouteTable> LabSession::routeTable() const {
    std::lock_guard lock(shown_mutex_);
    return shown_ ? shown_->routeTable() : nullptr;
}

std::vector<cluster::PodStatus> LabSession::pods() const {
    std::lock_guard lock(shown_mutex_);
    return shown_ ? shown_->cluster().pods() : std::vector<cluster::PodStatus>{};
}

quint16 LabSession::httpPort() const {
    std::lock_guard lock(shown_mutex_);
    return shown_ ? shown_->httpPort() : 0;
}

quint16 LabSession::httpsPort() const {
    std::lock_guard lock(shown_mutex_);
    return shown_ ? shown_->httpsPort() : 0;
}

QString LabSession::caCertificatePath() const {
    return lab_ ? QString::fromStdString(lab_->caCertificatePath()) : QString();
}

std::shared_ptr<const telemetry::Snapshot> LabSession::snapshot() const {
    std::lock_guard lock(shown_mutex_);
    return shown_ ? shown_->telemetry().snapshot() : nullptr;
}

// --- Traffic ---

void LabSession::setTraffic(const TrafficSettings& settings) {
    traffic_ = settings;
    if (traffic_running_) restartGenerator();
}

void LabSession::returnToLiveLab() {
    if (scenarioPlaying() || generation_ == interactive_generation_) return;
    generation_ = interactive_generation_.load();
    mailbox_->show(generation_);
    emit labChanged();
}

void LabSession::startTraffic() {
    if (!lab_ || scenarioPlaying()) return;
    returnToLiveLab();
    traffic_running_ = true;
    traffic_paused_ = false;
    restartGenerator();
    emit trafficStateChanged();
}

void LabSession::restartGenerator() {
    if (generator_) generator_->stop(std::chrono::milliseconds(200));
    takeClientRecords();
    scenario::LoadTarget target;
    target.http_port = lab_->httpPort();
    target.https_port = lab_->httpsPort();
    generator_ = std::make_unique<scenario::LoadGenerator>(
        target, scenario_ ? scenario_->seed : 1);
    auto profiles = traffic_.profiles;
    const double configured = openRate(profiles);
    if (traffic_.rate > 0 && configured > 0)
        for (auto& p : profiles)
            if (p.virtual_users == 0) p.rate *= traffic_.rate / configured;
    generator_->start(profiles, Clock::now(), std::chrono::hours(24 * 365));
    if (traffic_paused_) generator_->setPaused("", true);
}

void LabSession::pauseTraffic(bool paused) {
    if (!generator_ || !traffic_running_) return;
    traffic_paused_ = paused;
    generator_->setPaused("", paused);
    emit trafficStateChanged();
}

void LabSession::stopTraffic() {
    if (generator_) generator_->stop(std::chrono::milliseconds(500));
    takeClientRecords();
    generator_.reset();
    const bool was = traffic_running_;
    traffic_running_ = traffic_paused_ = false;
    if (was) emit trafficStateChanged();
}

void LabSession::takeClientRecords() {
    if (!generator_) return;
    // The generator keeps every record until taken; the views read the proxy's events, so
    // only the requests that never got an answer are counted here.
    for (const auto& r : generator_->takeRecords()) client_errors_ += r.status == 0;
}

// --- Faults ---

std::uint64_t LabSession::injectFault(const cluster::FaultSpec& fault) {
    returnToLiveLab();
    std::lock_guard lock(shown_mutex_);
    if (!shown_) return 0;
    const std::uint64_t id = shown_->cluster().injectFault(fault);
    ActiveFault f;
    f.id = id;
    f.spec = fault;
    f.text = describeFault(fault);
    f.since_s = std::chrono::duration<double>(Clock::now() -
                                              shown_->telemetry().snapshot()->epoch).count();
    faults_[generation_][id] = f;
    fault_history_[generation_].push_back(f);
    emit faultsChanged();
    return id;
}

void LabSession::clearFault(std::uint64_t id) {
    {
        std::lock_guard lock(shown_mutex_);
        if (shown_) shown_->cluster().clearFault(id);  // its FaultCleared event closes the window
    }
    faults_[generation_].erase(id);
    emit faultsChanged();
}

void LabSession::clearAllFaults() {
    for (const auto& f : activeFaults()) clearFault(f.id);
}

std::vector<ActiveFault> LabSession::activeFaults() const {
    std::vector<ActiveFault> out;
    if (auto it = faults_.find(generation_); it != faults_.end())
        for (const auto& [id, f] : it->second) out.push_back(f);
    return out;
}

std::vector<ActiveFault> LabSession::faultHistory() const {
    const auto it = fault_history_.find(generation_);
    return it == fault_history_.end() ? std::vector<ActiveFault>{} : it->second;
}

std::map<std::uint64_t, std::string> LabSession::faultTexts() const {
    std::map<std::uint64_t, std::string> out;
    for (const auto& f : activeFaults()) out[f.id] = f.text.toStdString();
    return out;
}

// --- One request ---

void LabSession::compose(const scenario::RequestSpec& request) {
    returnToLiveLab();
    const auto table = routeTable();
    if (!table) return;
    scenario::LoadTarget target;
    target.http_port = httpPort();
    target.https_port = httpsPort();
    compose_threads_.emplace_back([this, request, table, target] {
        ComposedResult result;
        result.request = request;
        if (!scenario::splitUrl(result.request)) {
            result.record.error = "not an http:// or https:// URL";
        } else {
            const std::uint16_t port =
                result.request.scheme == "https" ? target.https_port : target.http_port;
            result.decision = table->match(scenario::routingRequest(result.request, port), nullptr);
            scenario::LoadGenerator client(target, 1);
            result.record = client.send(result.request);
        }
        QMetaObject::invokeMethod(
            this, [this, result] { emit requestComposed(result); }, Qt::QueuedConnection);
    });
}

// --- The scenario's timeline ---

bool LabSession::playScenario(QString* error) {
    if (!scenario_) {
        if (error) *error = "Open a scenario to play its timeline.";
        return false;
    }
    if (scenarioPlaying()) {
        if (error) *error = "The scenario is already playing.";
        return false;
    }
    if (runner_thread_.joinable()) runner_thread_.join();
    stopTraffic();
    run_cancel_ = false;
    run_finished_ = false;
    last_run_.reset();
    runner_thread_ = std::thread([this, s = *scenario_] {
        scenario::RunOptions o;
        o.cancel = &run_cancel_;
        o.ca_directory = options_.ca_directory;
        o.on_lab_started = [this](lab::Lab& lab) {
            {
                std::lock_guard lock(shown_mutex_);
                shown_ = &lab;
            }
            attach(lab);
            QMetaObject::invokeMethod(this, [this] { emit labChanged(); }, Qt::QueuedConnection);
        };
        o.on_lab_stopping = [this](lab::Lab& lab) {
            // The views keep the finished run's figures (its snapshot and events are shared,
            // immutable) until the user acts on the lab again: returnToLiveLab().
            lab.telemetry().unsubscribe(run_subscription_);
            std::lock_guard lock(shown_mutex_);
            shown_ = lab_.get();
        };
        o.on_result = [this](const scenario::ExpectationResult& r) {
            QMetaObject::invokeMethod(this, [this, r] { emit expectationJudged(r); },
                                      Qt::QueuedConnection);
        };
        o.progress = [this](const scenario::Progress& p) {
            QMetaObject::invokeMethod(this, [this, p] { emit scenarioProgress(p); },
                                      Qt::QueuedConnection);
        };
        core::Diagnostics d;
        auto result = scenario::runScenario(s, o, d);
        QMetaObject::invokeMethod(
            this,
            [this, result = std::move(result)]() mutable {
                last_run_ = std::move(result);
                run_finished_ = true;
                if (runner_thread_.joinable()) runner_thread_.join();
                emit scenarioFinished(last_run_ && !last_run_->incomplete);
            },
            Qt::QueuedConnection);
    });
    return true;
}

void LabSession::cancelScenario() {
    run_cancel_ = true;
}

void LabSession::close() {
    run_cancel_ = true;
    if (runner_thread_.joinable()) runner_thread_.join();
    for (auto& t : compose_threads_)
        if (t.joinable()) t.join();
    compose_threads_.clear();
    stopTraffic();
    if (lab_) {
        lab_->telemetry().unsubscribe(subscription_);
        {
            std::lock_guard lock(shown_mutex_);
            shown_ = nullptr;
        }
        lab_->stop();
        lab_.reset();
    }
    faults_.clear();
    fault_history_.clear();
}

}  // namespace ilab::studio
