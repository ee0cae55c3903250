#include "engine/workbench/workbench.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <random>

#include <nlohmann/json.hpp>

#include "engine/core/text.h"
#include "engine/controllers/controller.h"
#include "engine/lab/lab.h"
#include "engine/lint/linter.h"
#include "engine/proxy/forwarding.h"
#include "engine/scenario/expectations.h"
#include "engine/scenario/scenario_lab.h"
#include "engine/scenario/scenario_manifests.h"
#include "engine/workbench/proxy_event_watch.h"
#include "engine/workbench/workspace.h"

namespace ilab::workbench {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point epoch, Clock::time_point at) {
    return std::chrono::duration<double>(at - epoch).count();
}

std::string number(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", v);
    return buffer;
}

// The X-Request-ID a composed request goes with: the user's own, else a new one in nginx's
// $request_id format, added to its headers.
std::string ensureRequestId(scenario::RequestSpec& request) {
    for (const auto& [name, value] : request.headers)
        if (core::iequals(name, "X-Request-ID")) return value;
    std::random_device entropy;
    const auto word = [&entropy] {
        return (static_cast<std::uint64_t>(entropy()) << 32) | entropy();
    };
    std::string id = proxy::newRequestId(word(), word());
    request.headers.emplace_back("X-Request-ID", id);
    return id;
}

// The three views of a composed request's headers and who served it; the pod's echo (JSON
// with pod, service, namespace, method, path, query and headers) is parsed here only.
void describeComposed(ComposedResult& r) {
    r.sent = {r.request.target, {{"Host", r.request.host}}};
    r.sent.headers.insert(r.sent.headers.end(), r.request.headers.begin(), r.request.headers.end());
    if (!r.request.cookies.empty()) {
        std::string cookie;
        for (const auto& [n, v] : r.request.cookies) cookie += (cookie.empty() ? "" : "; ") + n + "=" + v;
        r.sent.headers.emplace_back("Cookie", cookie);
    }
    const routing::Decision& d = r.decision;
    if (d.action == routing::Action::Forward) {
        r.rewritten = HeaderView{d.upstream.path, {{"Host", d.upstream.host}}};
        r.rewritten->headers.insert(r.rewritten->headers.end(), d.upstream_headers.begin(),
                                    d.upstream_headers.end());
    }
    const auto echo = nlohmann::json::parse(r.record.body, nullptr, false);
    if (!echo.is_object() || !echo.contains("pod") || !echo["pod"].is_string()) return;
    auto text = [&echo](const char* key) {
        return echo.contains(key) && echo[key].is_string() ? echo[key].get<std::string>() : std::string();
    };
    r.served_pod = text("pod");
    r.served_service = text("service");
    r.served_namespace = echo.contains("namespace") && echo["namespace"].is_string() ? text("namespace") : "default";
    r.received_method = text("method");
    HeaderView received{text("path"), {}};
    if (const std::string query = text("query"); !query.empty()) received.target += "?" + query;
    if (echo.contains("headers") && echo["headers"].is_object())
        for (const auto& [k, v] : echo["headers"].items())
            received.headers.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
    r.received = std::move(received);
}

}  // namespace

Flow flowFor(const ComposedResult& r, const routing::RouteTable& table) {
    Flow flow;
    flow.path = {"client", "controller"};
    flow.status_class = telemetry::statusClass(r.record.status);
    if (!r.decision.ingress || !r.decision.rule) return flow;
    const auto* server = table.findServer(r.request.host.substr(0, r.request.host.find(':')));
    flow.path.push_back(ruleNodeId(*r.decision.ingress, server ? server->name : "_", r.decision.rule->path));
    if (r.served_service.empty()) return flow;
    flow.path.push_back(serviceNodeId(r.served_namespace, r.served_service));
    flow.path.push_back(podNodeId(r.served_namespace, r.served_pod));
    return flow;
}

std::string describeFault(const cluster::FaultSpec& f) {
    std::string what;
    switch (f.kind) {
        case cluster::FaultSpec::Kind::Kill: what = "kill"; break;
        case cluster::FaultSpec::Kind::Unready: what = "unready"; break;
        case cluster::FaultSpec::Kind::Latency:
            what = "latency +" + number(f.latency_ms) + " ms";
            if (f.jitter_ms > 0) what += " ± " + number(f.jitter_ms);
            break;
        case cluster::FaultSpec::Kind::Status: what = "answer " + std::to_string(f.status); break;
        case cluster::FaultSpec::Kind::Reset: what = "reset connections"; break;
        case cluster::FaultSpec::Kind::BlackHole: what = "black-hole"; break;
        case cluster::FaultSpec::Kind::Throttle:
            what = "throttle " + number(static_cast<double>(f.bytes_per_second) / 1024) + " KiB/s";
            break;
        case cluster::FaultSpec::Kind::CloseAfterHeaders: what = "close after headers"; break;
    }
    static const char* kinds[] = {"pod", "workload", "service"};
    what += std::string(" on ") + kinds[static_cast<int>(f.target.kind)] + " " +
            f.target.namespace_ + "/" + f.target.name;
    if (f.probability < 1.0) what += ", " + number(f.probability * 100) + "% of requests";
    return what;
}

// A fault injected or cleared on one lab, with that lab's series second 0.
struct Workbench::FaultEvent {
    std::uint64_t generation = 0;
    Clock::time_point epoch;
    cluster::ClusterEvent event;
};

// Engine threads drop what they report here; the owner takes it all in one go.
struct Workbench::Mailbox {
    std::mutex mutex;
    std::function<void()> wake;  // empty once the workbench is gone
    std::uint64_t shown = 0;     // the generation whose data is kept
    Update pending;
    // Fault events of every lab, kept when another lab is shown: the fault list follows all
    // of them, whatever the views show.
    std::vector<FaultEvent> fault_events;
    bool posted = false;

    void post() {  // under mutex
        if (posted || !wake) return;
        posted = true;
        wake();
    }
    // The figures (snapshot) are the lab's first controller's; the others add their events.
    void push(std::uint64_t generation, const telemetry::Delivery& d, bool with_snapshot) {
        std::lock_guard lock(mutex);
        if (generation != shown) return;
        pending.batches.insert(pending.batches.end(), d.batches.begin(), d.batches.end());
        if (with_snapshot) pending.snapshot = d.snapshot;
        post();
    }
    void push(std::uint64_t generation, Clock::time_point epoch, const cluster::ClusterEvent& e) {
        std::lock_guard lock(mutex);
        const bool fault = e.kind == cluster::ClusterEvent::Kind::FaultInjected ||
                           e.kind == cluster::ClusterEvent::Kind::FaultCleared;
        if (fault) fault_events.push_back({generation, epoch, e});
        if (generation == shown) pending.cluster_events.push_back(e);
        if (fault || generation == shown) post();
    }
    void push(Notice notice) {
        std::lock_guard lock(mutex);
        pending.notices.push_back(std::move(notice));
        post();
    }
    void show(std::uint64_t generation) {
        std::lock_guard lock(mutex);
        shown = generation;
        pending.batches.clear();
        pending.snapshot.reset();
        pending.cluster_events.clear();
    }
};

Workbench::Workbench(WorkbenchOptions options, std::function<void()> wake)
    : options_(std::move(options)), mailbox_(std::make_shared<Mailbox>()) {
    mailbox_->wake = std::move(wake);
}

Workbench::~Workbench() {
    close();
    std::lock_guard lock(mailbox_->mutex);
    mailbox_->wake = nullptr;
}

void Workbench::notify(Notice notice) {
    mailbox_->push(std::move(notice));
}

bool Workbench::open(const std::string& scenario_path, const std::vector<std::string>& files,
                     core::Diagnostics& diagnostics) {
    close();
    scenario_.reset();
    scenario_path_ = resolveScenarioPath(scenario_path);
    manifest_files_.clear();
    if (!scenario_path_.empty()) {
        auto result = scenario::loadScenario(scenario_path_);
        diagnostics.append(result.diagnostics);
        if (!result.scenario || result.diagnostics.hasErrors()) return false;
        scenario_ = std::move(result.scenario);
        manifest_files_ = expandManifestPaths(scenario_->manifests);
    } else {
        manifest_files_ = expandManifestPaths(files);
    }
    if (!startLab(diagnostics)) return false;
    if (options_.traffic_on_open && trafficProblem().empty()) startTraffic();
    return true;
}

namespace {

// What decides a scenario's controllers, as text to compare.
std::string controllersOf(const scenario::Scenario& s) {
    std::string out = scenario::scenarioLoadOptions(s).controller;
    for (const auto& c : s.controllers) {
        out += "|" + c.name + "," + c.controller + "," + c.controller_class + "," +
               c.ingress_class + "," + c.config_map + "," + c.values + "," +
               (c.watch_ingress_without_class ? "w" : "") + "," +
               std::to_string(c.http_port.value_or(0)) + "," +
               std::to_string(c.https_port.value_or(0));
        for (const auto& a : c.args) out += "," + a.text;
    }
    return out;
}

}  // namespace

bool Workbench::reloadScenario(core::Diagnostics& diagnostics) {
    if (!lab_ || scenario_path_.empty()) return false;
    auto loaded = scenario::loadScenario(scenario_path_);
    diagnostics.append(loaded.diagnostics);
    if (!loaded.scenario || loaded.diagnostics.hasErrors()) return false;
    if (scenarioPlaying()) return false;
    returnToLiveLab();
    stopTraffic();
    // Other controllers (or the same ones claiming or configured otherwise) need another lab:
    // a running lab's controllers are fixed when it starts.
    if (!scenario_ || controllersOf(*loaded.scenario) != controllersOf(*scenario_)) {
        const std::string path = scenario_path_;
        close();
        return open(path, {}, diagnostics);
    }
    const auto files = expandManifestPaths(loaded.scenario->manifests);
    const bool applied = loaded.scenario->inline_manifests.empty()
                             ? lab_->reloadFiles(files, diagnostics)
                             : lab_->reloadFromSources(
                                   {{loaded.scenario->inline_manifests_name, loaded.scenario->inline_manifests}},
                                   diagnostics);
    if (!applied) return false;
    scenario_ = std::move(loaded.scenario);
    manifest_files_ = files;
    for (const auto& b : scenario_->behaviors) lab_->cluster().setBehavior(b.target.target, b.behavior);
    traffic_ = {};
    traffic_.profiles = !scenario_->traffic.empty() ? interactiveProfiles(*scenario_)
                                                    : std::vector{trafficForRules(*lab_->routeTable())};
    traffic_.rate = openRate(traffic_.profiles);
    notify(Notice::of(Notice::Kind::LabChanged));
    announceProblem();
    return true;
}

std::string Workbench::routingProblem() const {
    return lab_ ? nothingRoutable(*lab_->routeTable()) : std::string();
}

std::string Workbench::trafficProblem() const {
    if (!lab_) return "the lab is not running";
    return nothingToSend(traffic_.profiles, lab_->routeTable().get());
}

void Workbench::announceProblem() {
    std::string why = routingProblem();
    if (why.empty()) why = trafficProblem();
    if (why.empty()) return;
    Notice n = Notice::of(Notice::Kind::Problem);
    n.text = std::move(why);
    notify(std::move(n));
}

bool Workbench::startLab(core::Diagnostics& diagnostics) {
    lab::LabOptions lo;
    lo.files = manifest_files_;
    lo.load = options_.load;
    lo.compile = options_.compile;
    if (!options_.configuration.empty()) lo.compile.configuration = options_.configuration;
    if (scenario_ && !scenario_path_.empty()) {
        // What a folder the scenario names holds stays inside the scenario's folder too, on
        // every reload (scenario_parser checks the names themselves).
        const auto folder = std::filesystem::path(scenario_path_).parent_path();
        lo.load.confine_to = folder.empty() ? "." : folder.string();
    }
    lo.http = {options_.http_address, options_.http_port};
    if (options_.https) lo.https = proxy::ListenerSpec{options_.http_address, options_.https_port};
    lo.ca_directory = options_.ca_directory;
    lo.cluster.address_base = options_.pod_address_base;
    lo.cluster.ephemeral_ports = options_.ephemeral_pod_ports;
    if (options_.admin) lo.admin = proxy::ListenerSpec{options_.admin->first, options_.admin->second};
    const std::uint64_t seed = options_.seed.value_or(scenario_ ? scenario_->seed : 1);
    lo.cluster.seed = seed;
    lo.proxy.seed = seed;
    lo.more_controllers = options_.more_controllers;
    if (scenario_) {
        lo.load = scenario::scenarioLoadOptions(*scenario_, lo.load);
        scenario::applyScenarioControllers(*scenario_, lo, true);
    }
    const bool inline_manifests = scenario_ && !scenario_->inline_manifests.empty();
    auto start = [&](core::Diagnostics& d) {
        return inline_manifests
                   ? lab::Lab::startFromSources(
                         {{scenario_->inline_manifests_name, scenario_->inline_manifests}}, lo, d)
                   : lab::Lab::start(lo, d);
    };
    core::Diagnostics start_diagnostics;
    std::unique_ptr<lab::Lab> lab = start(start_diagnostics);
    if (!lab && (options_.http_port != 0 || options_.https_port != 0 || !lo.more_controllers.empty())) {
        // The usual ports are taken (another lab, a dev server): any free ones will do.
        lo.http.port = 0;
        if (lo.https) lo.https->port = 0;
        for (auto& c : lo.more_controllers) {
            c.http.port = 0;
            if (c.https) c.https->port = 0;
        }
        start_diagnostics = {};
        lab = start(start_diagnostics);
    }
    diagnostics.append(start_diagnostics);
    if (!lab) return false;

    lab_ = std::move(lab);
    if (scenario_)
        for (const auto& b : scenario_->behaviors)
            lab_->cluster().setBehavior(b.target.target, b.behavior);
    const std::uint64_t generation = attach(*lab_);
    {
        std::lock_guard lock(shown_mutex_);
        shown_ = lab_.get();
        shown_lab_generation_ = generation;
    }
    traffic_ = {};
    traffic_.profiles = scenario_ && !scenario_->traffic.empty()
                            ? interactiveProfiles(*scenario_)
                            : std::vector{trafficForRules(*lab_->routeTable())};
    traffic_.rate = openRate(traffic_.profiles);
    notify(Notice::of(Notice::Kind::LabChanged));
    announceProblem();
    return true;
}

void Workbench::unsubscribe(lab::Lab& lab, std::vector<telemetry::SubscriptionId>& ids) {
    for (std::size_t i = 0; i < ids.size(); ++i) lab.telemetry(i).unsubscribe(ids[i]);
    ids.clear();
}

LabRoutes Workbench::routes() const {
    std::lock_guard lock(shown_mutex_);
    LabRoutes out;
    if (!shown_) return out;
    const auto running = shown_->controllers();
    for (std::size_t i = 0; i < running.size(); ++i)
        out.push_back({running[i].name, shown_->routeTable(i)});
    return out;
}

std::vector<lab::RunningController> Workbench::controllers() const {
    std::lock_guard lock(shown_mutex_);
    return shown_ ? shown_->controllers() : std::vector<lab::RunningController>{};
}

std::uint64_t Workbench::attach(lab::Lab& lab) {
    const std::uint64_t generation = ++generation_;
    mailbox_->show(generation);
    const Clock::time_point epoch = lab.telemetry().snapshot()->epoch;
    std::weak_ptr<Mailbox> box = mailbox_;
    std::vector<telemetry::SubscriptionId> ids;
    const std::size_t controllers = lab.controllers().size();
    for (std::size_t i = 0; i < controllers; ++i)
        ids.push_back(lab.telemetry(i).subscribe(
            [box, generation, first = i == 0](const telemetry::Delivery& d) {
                if (auto b = box.lock()) b->push(generation, d, first);
            },
            std::chrono::milliseconds(33)));  // at most ~30 updates a second
    lab.cluster().subscribe([box, generation, epoch](const cluster::ClusterEvent& e) {
        if (auto b = box.lock()) b->push(generation, epoch, e);
    });
    if (&lab == lab_.get()) {
        subscriptions_ = std::move(ids);
        interactive_generation_ = generation;
    } else {
        run_subscriptions_ = std::move(ids);
        run_generation_ = generation;
    }
    return generation;
}

Update Workbench::takeUpdate() {
    Update update;
    std::vector<FaultEvent> fault_events;
    {
        std::lock_guard lock(mailbox_->mutex);
        update = std::move(mailbox_->pending);
        mailbox_->pending = {};
        fault_events.swap(mailbox_->fault_events);
        mailbox_->posted = false;
        update.generation = mailbox_->shown;
    }
    // The run's last fault events before its end: once it has ended, its lab is gone.
    trackFaults(fault_events);
    for (const auto& n : update.notices)
        if (n.kind == Notice::Kind::RunFinished) finishRun();
    takeClientRecords();
    return update;
}

void Workbench::trackFaults(const std::vector<FaultEvent>& events) {
    bool changed = false;
    for (const auto& [generation, epoch, e] : events) {
        const auto known =
            std::find_if(fault_records_.begin(), fault_records_.end(), [&](const FaultRecord& r) {
                return r.generation == generation && r.cluster_id == e.fault_id;
            });
        if (e.kind == cluster::ClusterEvent::Kind::FaultInjected) {
            // Injected here (listed already, perhaps cleared since), or seen before.
            if (known != fault_records_.end()) continue;
            const bool live = generation == interactive_generation_;
            if (!live && generation != run_generation_) continue;  // a lab that is gone
            // "fault 7: latency on service shop/web, for 5000ms": the text after the id.
            const auto colon = e.detail.find(": ");
            FaultRecord r;
            r.generation = generation;
            r.cluster_id = e.fault_id;
            r.epoch = epoch;
            r.fault.id = next_fault_id_++;
            r.fault.text = colon == std::string::npos ? e.detail : e.detail.substr(colon + 2);
            r.fault.since_s = secondsSince(epoch, e.at);
            r.fault.scenario_run = !live;
            fault_records_.push_back(std::move(r));
        } else {
            if (known == fault_records_.end() || known->fault.until_s) continue;  // cleared here
            known->fault.until_s = secondsSince(epoch, e.at);
        }
        changed = true;
    }
    if (changed) notify(Notice::of(Notice::Kind::FaultsChanged));
}

void Workbench::endRunFaults() {
    const auto now = Clock::now();
    bool changed = false;
    for (auto& r : fault_records_)
        if (r.generation != interactive_generation_ && !r.fault.until_s) {
            r.fault.until_s = secondsSince(r.epoch, now);
            changed = true;
        }
    run_generation_ = 0;
    // Earlier runs' windows: no view shows their lab any more.
    std::erase_if(fault_records_, [this](const FaultRecord& r) {
        return r.generation != interactive_generation_ && r.generation != generation_;
    });
    if (changed) notify(Notice::of(Notice::Kind::FaultsChanged));
}

bool Workbench::apply(const std::vector<model::ManifestSource>& sources,
                      core::Diagnostics& diagnostics) {
    if (!lab_) return false;
    returnToLiveLab();
    if (!lab_->reloadFromSources(sources, diagnostics)) return false;
    if (!scenario_ || scenario_->traffic.empty()) {
        // The default mix follows the rules: one fixed in the editor gets traffic at once.
        const double rate = traffic_.rate;
        traffic_.profiles = {trafficForRules(*lab_->routeTable())};
        traffic_.rate = rate > 0 ? rate : openRate(traffic_.profiles);
        if (traffic_running_ && trafficProblem().empty())
            restartGenerator();
        else if (traffic_running_)
            stopTraffic();
        notify(Notice::of(Notice::Kind::TrafficChanged));
    }
    announceProblem();
    return true;
}

core::Diagnostics Workbench::validate(const std::vector<model::ManifestSource>& manifests,
                                      const std::optional<model::ManifestSource>& scenario) {
    core::Diagnostics all;
    std::optional<scenario::Scenario> parsed;
    if (scenario) {
        const auto folder = std::filesystem::path(scenario->file_name).parent_path().string();
        scenario::LoadedScenario loaded =
            scenario::loadScenarioFromText(scenario->text, scenario->file_name, folder);
        all.append(loaded.diagnostics);
        if (!loaded.diagnostics.hasErrors()) parsed = std::move(loaded.scenario);
    }
    // The editor's manifests, read once: linted as `check` does, and what the scenario runs on.
    const model::LoadOptions load =
        parsed ? scenario::scenarioLoadOptions(*parsed) : model::LoadOptions{};
    std::optional<model::Manifests> tabs;
    if (!manifests.empty()) {
        tabs = model::loadManifestSources(manifests, load);
        all.append(lint::lint(*tabs, controllers::controllerFor(load)).diagnostics);
    }
    // What `run` checks next (runner.cpp): every Service, workload, pod and rule the scenario
    // names exists in the manifests it runs on (ILAB-SCENARIO-006). Those are the editor's
    // manifests when it has them, else the scenario's own.
    if (parsed) {
        const model::Manifests runs_on = !tabs || !parsed->inline_manifests.empty()
                                             ? scenario::loadScenarioManifests(*parsed, load)
                                             : std::move(*tabs);
        if (!runs_on.input_unreadable && !runs_on.diagnostics.hasErrors())
            scenario::checkReferences(*parsed, runs_on, all);
    }
    return all;
}

std::shared_ptr<const routing::RouteTable> Workbench::routeTable() const {
    std::lock_guard lock(shown_mutex_);
    return shown_ ? shown_->routeTable() : nullptr;
}

std::vector<cluster::PodStatus> Workbench::pods() const {
    std::vector<cluster::PodStatus> pods;
    std::uint64_t generation = 0;
    {
        std::lock_guard lock(shown_mutex_);
        if (!shown_) return pods;
        pods = shown_->cluster().pods();
        generation = shown_lab_generation_;
    }
    // The cluster's own ids, as the list names them; one not listed yet (its event is on its
    // way) gets its badge with the next update.
    for (auto& pod : pods) {
        std::vector<std::uint64_t> ids;
        for (const std::uint64_t cluster_id : pod.active_faults)
            for (const auto& r : fault_records_)
                if (r.generation == generation && r.cluster_id == cluster_id && !r.fault.until_s)
                    ids.push_back(r.fault.id);
        pod.active_faults = std::move(ids);
    }
    return pods;
}

std::uint16_t Workbench::httpPort() const {
    std::lock_guard lock(shown_mutex_);
    return shown_ ? shown_->httpPort() : 0;
}

std::uint16_t Workbench::httpsPort() const {
    std::lock_guard lock(shown_mutex_);
    return shown_ ? shown_->httpsPort() : 0;
}

std::uint16_t Workbench::adminPort() const {
    return lab_ ? lab_->adminPort() : 0;
}

std::string Workbench::caCertificatePath() const {
    return lab_ ? lab_->caCertificatePath() : std::string();
}

std::shared_ptr<const telemetry::Snapshot> Workbench::snapshot() const {
    std::lock_guard lock(shown_mutex_);
    return shown_ ? shown_->telemetry().snapshot() : nullptr;
}

// --- Traffic ---

void Workbench::setTraffic(const TrafficSettings& settings) {
    traffic_ = settings;
    if (traffic_running_) restartGenerator();
}

void Workbench::returnToLiveLab() {
    if (scenarioPlaying() || generation_ == interactive_generation_) return;
    generation_ = interactive_generation_.load();
    mailbox_->show(generation_);
    notify(Notice::of(Notice::Kind::LabChanged));
}

bool Workbench::startTraffic() {
    if (!lab_ || scenarioPlaying()) return false;
    returnToLiveLab();
    if (std::string why = trafficProblem(); !why.empty()) {
        Notice n = Notice::of(Notice::Kind::Problem);
        n.text = std::move(why);
        notify(std::move(n));
        return false;
    }
    traffic_running_ = true;
    traffic_paused_ = false;
    restartGenerator();
    notify(Notice::of(Notice::Kind::TrafficChanged));
    return true;
}

void Workbench::restartGenerator() {
    if (generator_) generator_->stop(std::chrono::milliseconds(200));
    takeClientRecords();
    scenario::LoadTarget target;
    target.http_port = lab_->httpPort();
    target.https_port = lab_->httpsPort();
    if (scenario_)
        for (const auto& [name, ports] : scenario::controllerPorts(*scenario_, *lab_))
            target.controllers[name] = {ports.first, ports.second};
    generator_ = std::make_unique<scenario::LoadGenerator>(target, scenario_ ? scenario_->seed : 1);
    auto profiles = traffic_.profiles;
    const double configured = openRate(profiles);
    if (traffic_.rate > 0 && configured > 0)
        for (auto& p : profiles)
            if (p.virtual_users == 0) p.rate *= traffic_.rate / configured;
    generator_->start(profiles, Clock::now(), std::chrono::hours(24 * 365));
    if (traffic_paused_) generator_->setPaused("", true);
}

void Workbench::pauseTraffic(bool paused) {
    if (!generator_ || !traffic_running_) return;
    traffic_paused_ = paused;
    generator_->setPaused("", paused);
    notify(Notice::of(Notice::Kind::TrafficChanged));
}

void Workbench::stopTraffic() {
    if (generator_) generator_->stop(std::chrono::milliseconds(500));
    takeClientRecords();
    generator_.reset();
    const bool was = traffic_running_;
    traffic_running_ = traffic_paused_ = false;
    if (was) notify(Notice::of(Notice::Kind::TrafficChanged));
}

void Workbench::takeClientRecords() {
    if (!generator_) return;
    // The generator keeps every record until taken; the views read the proxy's events, so
    // only the requests that never got an answer are counted here.
    for (const auto& r : generator_->takeRecords()) client_errors_ += r.status == 0;
}

// --- Faults ---

std::uint64_t Workbench::injectFault(const cluster::FaultSpec& fault, std::string* error) {
    returnToLiveLab();
    FaultRecord r;
    {
        std::lock_guard lock(shown_mutex_);
        if (!shown_) {
            if (error) *error = "the lab is not running";
            return 0;
        }
        if (!shown_->defines(fault.target)) {
            static const char* kinds[] = {"pod", "workload", "Service"};
            if (error)
                *error = std::string(kinds[static_cast<int>(fault.target.kind)]) + " " +
                         core::quoted(fault.target.namespace_ + "/" + fault.target.name) +
                         " does not exist in the lab's manifests: no fault injected";
            return 0;
        }
        r.cluster_id = shown_->cluster().injectFault(fault);
        r.generation = shown_lab_generation_;
        r.epoch = shown_->telemetry().snapshot()->epoch;
    }
    r.fault.id = next_fault_id_++;
    r.fault.spec = fault;
    r.fault.text = describeFault(fault);
    r.fault.since_s = secondsSince(r.epoch, Clock::now());
    r.fault.scenario_run = r.generation != interactive_generation_;
    fault_records_.push_back(r);
    notify(Notice::of(Notice::Kind::FaultsChanged));
    return r.fault.id;
}

void Workbench::clearFault(std::uint64_t id) {
    const auto it =
        std::find_if(fault_records_.begin(), fault_records_.end(),
                     [id](const FaultRecord& r) { return r.fault.id == id && !r.fault.until_s; });
    if (it == fault_records_.end()) return;
    if (it->generation == interactive_generation_) {
        if (lab_) lab_->cluster().clearFault(it->cluster_id);
    } else {
        // On a run's lab: only while it still serves (its faults end with it anyway).
        std::lock_guard lock(shown_mutex_);
        if (shown_ && shown_lab_generation_ == it->generation)
            shown_->cluster().clearFault(it->cluster_id);
    }
    it->fault.until_s = secondsSince(it->epoch, Clock::now());
    notify(Notice::of(Notice::Kind::FaultsChanged));
}

void Workbench::clearAllFaults() {
    for (const auto& f : activeFaults()) clearFault(f.id);
}

std::vector<ActiveFault> Workbench::activeFaults() const {
    std::vector<ActiveFault> out;
    for (const auto& r : fault_records_)
        if (!r.fault.until_s) out.push_back(r.fault);
    return out;
}

std::vector<ActiveFault> Workbench::faultHistory() const {
    std::vector<ActiveFault> out;
    for (const auto& r : fault_records_)
        if (r.generation == generation_) out.push_back(r.fault);
    return out;
}

std::map<std::uint64_t, std::string> Workbench::faultTexts() const {
    std::map<std::uint64_t, std::string> out;
    for (const auto& f : activeFaults()) out[f.id] = f.text;
    return out;
}

// --- One request ---

bool Workbench::compose(const scenario::RequestSpec& request,
                        std::function<void(ComposedResult)> done) {
    returnToLiveLab();
    const auto table = routeTable();
    if (!table) return false;
    std::erase_if(compose_threads_, [](ComposeThread& t) {
        if (!t.done->load()) return false;
        t.thread.join();
        return true;
    });
    if (compose_threads_.size() >= kMaxComposing) return false;
    scenario::LoadTarget target;
    target.http_port = httpPort();
    target.https_port = httpsPort();
    // A black-holed pod must not hold a composer (and close(), which joins it) for long.
    target.request_timeout = std::chrono::seconds(10);
    ComposedResult result;
    result.request = request;
    // The request's id is chosen here (or is the user's own X-Request-ID), so the proxy's event
    // for it is known before it is sent.
    std::shared_ptr<ProxyEventWatch> watch;
    if (scenario::splitUrl(result.request))
        watch = ProxyEventWatch::start(lab_->telemetry(), ensureRequestId(result.request));
    else
        result.record.error = "not an http:// or https:// URL";
    auto finished = std::make_shared<std::atomic<bool>>(false);
    std::thread worker([result = std::move(result), table, target, finished, watch,
                        done = std::move(done)]() mutable {
        if (watch) {
            const std::uint16_t port =
                result.request.scheme == "https" ? target.https_port : target.http_port;
            scenario::LoadGenerator client(target, 1);
            result.record = client.send(result.request);
            // The decision core's trace for the draw the proxy made; without the proxy's event
            // (no answer, or the lab changed meanwhile) it shows the main backend, and says so.
            routing::RouteTable::MatchOptions options;
            if (result.record.status == 0) {
                watch->finish();
            } else if (auto event = watch->wait(std::chrono::seconds(2))) {
                options.canary_draw = event->canary_draw;
            }
            result.decision =
                table->match(scenario::routingRequest(result.request, port), nullptr, options);
            describeComposed(result);
        }
        done(std::move(result));
        *finished = true;
    });
    compose_threads_.push_back({std::move(worker), std::move(finished)});
    return true;
}

// --- The scenario's timeline ---

bool Workbench::playScenario(std::string* error) {
    if (!scenario_) {
        if (error) *error = "open a scenario to play its timeline";
        return false;
    }
    if (scenarioPlaying()) {
        if (error) *error = "the scenario is already playing";
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
            const std::uint64_t generation = attach(lab);
            {
                std::lock_guard lock(shown_mutex_);
                shown_ = &lab;
                shown_lab_generation_ = generation;
            }
            notify(Notice::of(Notice::Kind::LabChanged));
        };
        o.on_lab_stopping = [this](lab::Lab& lab) {
            // The run's figures (its snapshot and batches are shared, immutable) stay shown
            // until the owner uses the lab again: returnToLiveLab().
            unsubscribe(lab, run_subscriptions_);
            std::lock_guard lock(shown_mutex_);
            shown_ = lab_.get();
            shown_lab_generation_ = interactive_generation_;
        };
        o.on_result = [this](const scenario::ExpectationResult& r) {
            Notice n = Notice::of(Notice::Kind::Judged);
            n.judged = r;
            notify(std::move(n));
        };
        o.progress = [this](const scenario::Progress& p) {
            Notice n = Notice::of(Notice::Kind::Progress);
            n.progress = p;
            notify(std::move(n));
        };
        core::Diagnostics d;
        auto result = scenario::runScenario(s, o, d);
        Notice n = Notice::of(Notice::Kind::RunFinished);
        n.run_passed = result && result->passed() && !result->incomplete;
        {
            std::lock_guard lock(run_mutex_);
            pending_run_ = std::move(result);
        }
        run_finished_ = true;
        notify(std::move(n));
    });
    return true;
}

void Workbench::finishRun() {
    if (runner_thread_.joinable()) runner_thread_.join();
    endRunFaults();
    std::lock_guard lock(run_mutex_);
    if (pending_run_) last_run_ = std::move(*pending_run_);
    pending_run_.reset();
}

void Workbench::cancelScenario() {
    run_cancel_ = true;
}

void Workbench::close() {
    run_cancel_ = true;
    if (runner_thread_.joinable()) runner_thread_.join();
    for (auto& t : compose_threads_)
        if (t.thread.joinable()) t.thread.join();
    compose_threads_.clear();
    stopTraffic();
    if (lab_) {
        unsubscribe(*lab_, subscriptions_);
        {
            std::lock_guard lock(shown_mutex_);
            shown_ = nullptr;
        }
        lab_->stop();
        lab_.reset();
    }
    fault_records_.clear();
    run_generation_ = 0;
}

}  // namespace ilab::workbench
