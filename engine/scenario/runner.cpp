#include "engine/scenario/runner.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "engine/core/input_file.h"
#include "engine/core/text.h"
#include "engine/lab/lab.h"
#include "engine/scenario/scenario_lab.h"
#include "engine/scenario/expectations.h"
#include "engine/scenario/load_generator.h"
#include "engine/scenario/scenario_manifests.h"

namespace ilab::scenario {
namespace {

using Clock = std::chrono::steady_clock;

// Does a server of the route table ("_" for host-less rules, "*.foo.com") take this host?
bool serverTakes(const std::string& server, const std::string& host) {
    if (server == "_" || server.empty() || server == host) return true;
    return server.starts_with("*.") && host.size() > server.size() - 1 &&
           host.ends_with(server.substr(1));
}

// A rolling update under way (RollSpec), advanced by the run loop.
struct Rollout {
    RollSpec spec;
    std::string key;  // "ns/name"
    int desired = 0, new_count = 0, old_count = 0;
    std::set<std::string> old_pods;
    double started_s = 0;
    bool done = false;
};

// A progressive canary under way (PromoteSpec).
struct Promotion {
    PromoteSpec spec;
    std::size_t step = 0;
    Clock::time_point next_check;
    bool done = false;
};


}  // namespace

bool RunResult::passed() const {
    return std::all_of(expectations.begin(), expectations.end(),
                       [](const ExpectationResult& e) { return e.passed; });
}

std::optional<RunResult> runScenario(const Scenario& s, const RunOptions& options,
                                     core::Diagnostics& diagnostics) {
    // 1. The topology, and every name the scenario uses.
    // What the scenario names was checked to be inside its folder; what a folder it names holds
    // is checked as it is read, on every reload too. `check` and `explain` read it the same way.
    const model::LoadOptions load = scenarioLoadOptions(s);
    model::Manifests manifests = loadScenarioManifests(s, load);
    for (const auto& d : manifests.diagnostics.items())
        if (d.severity == core::Severity::Error) diagnostics.add(d);
    if (manifests.input_unreadable || manifests.diagnostics.hasErrors()) return std::nullopt;
    checkReferences(s, manifests, diagnostics);
    if (diagnostics.hasErrors()) return std::nullopt;

    // 2. The lab, on ports nobody else holds.
    lab::LabOptions lab_options;
    lab_options.files = s.manifests;
    lab_options.load = load;
    lab_options.http = {"127.0.0.1", 0};
    lab_options.https = proxy::ListenerSpec{"127.0.0.1", 0};
    lab_options.ca_directory = options.ca_directory;
    lab_options.cluster.ephemeral_ports = true;
    lab_options.cluster.seed = s.seed;
    lab_options.proxy.seed = s.seed;
    applyScenarioControllers(s, lab_options, false);
    core::Diagnostics start_diagnostics;
    std::unique_ptr<lab::Lab> lab =
        s.inline_manifests.empty()
            ? lab::Lab::start(lab_options, start_diagnostics)
            : lab::Lab::startFromSources({{s.inline_manifests_name, s.inline_manifests}},
                                         lab_options, start_diagnostics);
    if (!lab) {
        for (const auto& d : start_diagnostics.items())
            if (d.severity == core::Severity::Error) diagnostics.add(d);
        diagnostics.error("ILAB-RUN-001", "the lab did not start", {});
        return std::nullopt;
    }
    for (const auto& b : s.behaviors) lab->cluster().setBehavior(b.target.target, b.behavior);
    if (options.on_lab_started) options.on_lab_started(*lab);
    const auto judged = [&options](const ExpectationResult& r) {
        if (options.on_result) options.on_result(r);
    };

    RunResult result;
    result.scenario = s.name;
    result.file = s.file;
    result.description = s.description;
    result.seed = s.seed;
    result.planned_s = std::chrono::duration<double>(s.duration).count();
    if (const auto running = lab->controllers(); running.size() > 1)
        for (const auto& c : running) result.controllers.push_back(c.name + ": " + c.title);
    auto table = lab->routeTable();  // released before traffic: reloads must not wait for it
    for (const auto& server : table->servers())
        for (const auto& loc : server.locations) {
            if (loc.ingress.empty()) continue;  // the controller's own default backend
            result.coverage.push_back({loc.ingress, server.name, loc.path, loc.backend.service, 0});
            if (loc.canary && loc.canary->policy.weight > 0)
                result.canary_weights.push_back(
                    {loc.backend.service, loc.canary->backend.service,
                     100.0 * std::min(1.0, static_cast<double>(loc.canary->policy.weight) /
                                               loc.canary->policy.effectiveWeightTotal()),
                     {}});
        }

    LoadTarget target;
    target.http_port = lab->httpPort();
    target.https_port = lab->httpsPort();
    for (const auto& [name, ports] : controllerPorts(s, *lab))
        target.controllers[name] = {ports.first, ports.second};
    LoadGenerator client(target, s.seed);

    // Readiness delays: give pods that start unready their time before checking requests.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    // 3. Request expectations without a time: before traffic and faults.
    // Request expectations with a time, checked by the timeline; by the scenario's index.
    std::vector<std::optional<ExpectationResult>> timed_checks(s.request_expectations.size());
    for (const auto& x : s.request_expectations)
        if (!x.at) {
            result.expectations.push_back(checkRequest(
                x, *lab, client, controllerIndex(s, x.request.controller).value_or(0)));
            judged(result.expectations.back());
        }
    const std::size_t judged_before_traffic = result.expectations.size();

    // 4. What the proxy records, by request id.
    std::mutex routed_mutex;
    std::unordered_map<std::string, RoutedAs> routed;
    const auto record_routes = [&](const telemetry::Delivery& d) {
        std::lock_guard lock(routed_mutex);
        for (const auto& batch : d.batches)
            for (const auto& e : batch->events) {
                RoutedAs a;
                a.ingress = e.ingress.str();
                a.rule_path = e.rule_path;
                a.canary = e.canary;
                a.service = e.canary ? e.canary_service.name : e.service.name;
                if (!e.upstreams.empty()) a.pod = e.upstreams.back().pod;
                a.status = e.status;
                a.at = e.complete;
                a.host = e.host;
                routed[e.request_id] = std::move(a);
            }
    };
    const std::size_t controller_count = lab->controllers().size();
    std::vector<telemetry::SubscriptionId> subscriptions;
    for (std::size_t i = 0; i < controller_count; ++i)
        subscriptions.push_back(lab->telemetry(i).subscribe(record_routes));

    // 5. Traffic and the timeline, in real time.
    struct Action {
        Millis at;
        std::function<void()> run;
    };
    std::vector<Action> actions;
    const auto run_start = Clock::now() + std::chrono::milliseconds(50);
    const auto seconds_now = [&] {
        return std::chrono::duration<double>(Clock::now() - run_start).count();
    };
    model::LiveOverrides overrides;
    const auto applyOverrides = [&] {
        core::Diagnostics d;
        lab->applyOverrides(overrides, d);
        for (const auto& item : d.items())
            if (item.severity == core::Severity::Error) diagnostics.add(item);
    };
    std::vector<std::pair<std::string, std::string>> canaried;  // (canary Service, main)
    for (const auto& server : table->servers())
        for (const auto& loc : server.locations)
            if (loc.canary) canaried.emplace_back(loc.canary->backend.service, loc.backend.service);
    table.reset();
    std::vector<Rollout> rollouts;
    const auto startRollout = [&](const RollSpec& spec) {
        Rollout r;
        r.spec = spec;
        r.key = spec.namespace_ + "/" + spec.workload;
        for (const auto& w : manifests.workloads)
            if (w.meta.qualifiedName() == r.key) r.desired = w.replicas;
        auto& o = overrides.workloads[r.key];
        if (o.replicas) r.desired = *o.replicas;
        for (const auto& pod : lab->cluster().pods())
            if (pod.namespace_ == spec.namespace_ && pod.owner_name == spec.workload)
                r.old_pods.insert(pod.name);
        r.old_count = r.desired;
        o.revision += 1;
        o.replicas = 0;
        o.previous_replicas = r.old_count;
        r.started_s = seconds_now();
        result.timeline.push_back({r.started_s, r.started_s, "rolling update of " + spec.workload + " starts"});
        rollouts.push_back(std::move(r));
    };
    // One step of the Deployment controller's arithmetic: surge new pods, then retire old
    // ones as far as the ready pods allow.
    const auto advanceRollout = [&](Rollout& r) {
        int new_ready = 0, old_ready = 0;
        for (const auto& pod : lab->cluster().pods()) {
            if (pod.namespace_ != r.spec.namespace_ || pod.owner_name != r.spec.workload) continue;
            if (pod.phase != cluster::PodPhase::Running || !pod.ready) continue;
            (r.old_pods.count(pod.name) ? old_ready : new_ready) += 1;
        }
        auto& o = overrides.workloads[r.key];
        bool changed = false;
        const int ceiling = r.desired + r.spec.max_surge;
        if (r.new_count < r.desired && r.new_count + r.old_count < ceiling) {
            r.new_count = std::min(r.desired, ceiling - r.old_count);
            changed = true;
        }
        const int removable = std::min(r.old_count, std::min(new_ready, r.new_count) + old_ready -
                                                        (r.desired - r.spec.max_unavailable));
        if (removable > 0) {
            r.old_count -= removable;
            changed = true;
        }
        if (changed) {
            o.replicas = r.new_count;
            o.previous_replicas = r.old_count;
            applyOverrides();
        }
        if (r.old_count == 0 && r.new_count == r.desired && new_ready >= r.desired) {
            r.done = true;
            const double at = seconds_now();
            result.timeline.push_back({r.started_s, at, "rolling update of " + r.spec.workload +
                                                            " done in " + formatValue(at - r.started_s, 1) + " s"});
        }
    };
    std::vector<Promotion> promotions;
    const auto setWeight = [&](const PromoteSpec& spec, int weight) {
        overrides.ingress_annotations[spec.namespace_ + "/" + spec.ingress]
                                     ["nginx.ingress.kubernetes.io/canary-weight"] = std::to_string(weight);
        applyOverrides();
        for (auto& split : result.canary_weights)
            if (split.canary == spec.service) split.steps.emplace_back(seconds_now(), weight);
    };
    const auto startPromotion = [&](const PromoteSpec& spec) {
        if (spec.weights.empty()) return;
        Promotion p;
        p.spec = spec;
        p.next_check = Clock::now() + spec.every;
        if (std::none_of(result.canary_weights.begin(), result.canary_weights.end(),
                         [&](const auto& c) { return c.canary == spec.service; })) {
            std::string main_service;
            for (const auto& [canary, main] : canaried)
                if (canary == spec.service) main_service = main;
            result.canary_weights.push_back({main_service, spec.service, 0, {}});
        }
        setWeight(spec, spec.weights.front());
        const double at = seconds_now();
        result.timeline.push_back({at, at, spec.ingress + ": canary weight " +
                                               std::to_string(spec.weights.front()) + "%"});
        promotions.push_back(std::move(p));
    };
    // The gate before each step: the canary's error rate over the step just finished.
    const auto advancePromotion = [&](Promotion& p) {
        if (Clock::now() < p.next_check) return;
        std::size_t served = 0, failed = 0;
        {
            std::lock_guard lock(routed_mutex);
            for (const auto& [id, a] : routed) {
                if (a.service != p.spec.service || a.at < p.next_check - p.spec.every) continue;
                ++served;
                failed += a.status >= 500;
            }
        }
        const double rate = served ? static_cast<double>(failed) / static_cast<double>(served) : 0;
        const double at = seconds_now();
        if (rate > p.spec.max_error_rate) {
            setWeight(p.spec, 0);
            result.timeline.push_back(
                {at, at, p.spec.ingress + ": rolled back to 0% (canary error rate " + formatValue(rate) +
                             " > " + formatValue(p.spec.max_error_rate) + " over " +
                             std::to_string(served) + " requests)"});
            p.done = true;
            return;
        }
        if (++p.step >= p.spec.weights.size()) {
            result.timeline.push_back({at, at, p.spec.ingress + ": promotion complete"});
            p.done = true;
            return;
        }
        setWeight(p.spec, p.spec.weights[p.step]);
        result.timeline.push_back({at, at, p.spec.ingress + ": canary weight " +
                                               std::to_string(p.spec.weights[p.step]) + "% (error rate " +
                                               formatValue(rate) + " over " + std::to_string(served) + ")"});
        p.next_check += p.spec.every;
    };
    for (const TimelineEntry& e : s.timeline) {
        const auto seconds_of = [](Millis d) { return std::chrono::duration<double>(d).count(); };
        AppliedEvent shown{seconds_of(e.at), seconds_of(e.at + e.duration.value_or(Millis{0})),
                           e.describe()};
        result.timeline.push_back(shown);
        switch (e.kind) {
            case TimelineEntry::Kind::Fault: {
                cluster::FaultSpec fault = e.fault;
                fault.duration = e.duration;
                actions.push_back({e.at, [&lab, fault] { lab->cluster().injectFault(fault); }});
                break;
            }
            case TimelineEntry::Kind::Behavior: {
                actions.push_back({e.at, [&lab, b = e.behavior] {
                                       lab->cluster().setBehavior(b.target.target, b.behavior);
                                   }});
                if (e.duration) {
                    cluster::Behavior before;
                    for (const auto& b : s.behaviors)
                        if (b.target.target.name == e.behavior.target.target.name) before = b.behavior;
                    actions.push_back({e.at + *e.duration, [&lab, t = e.behavior.target.target, before] {
                                           lab->cluster().setBehavior(t, before);
                                       }});
                }
                break;
            }
            case TimelineEntry::Kind::Apply: {
                auto apply = [&lab, &s, path = e.apply_path, &diagnostics] {
                    core::Diagnostics d;
                    if (s.inline_manifests.empty()) {
                        auto files = s.manifests;
                        files.push_back(path);
                        lab->reloadFiles(files, d);
                    } else if (core::InputText applied = core::readInputFile(path); applied.ok()) {
                        lab->reloadFromSources({{s.inline_manifests_name, s.inline_manifests},
                                                {path, applied.text}},
                                               d);
                    } else {  // it was there when the scenario was read; it need not be now
                        core::addInputError(d, applied,
                                            {std::make_shared<const std::string>(path), 0, 0});
                    }
                    for (const auto& item : d.items())
                        if (item.severity == core::Severity::Error) diagnostics.add(item);
                };
                actions.push_back({e.at, apply});
                if (e.duration)
                    actions.push_back({e.at + *e.duration, [&lab, &s] {
                                           core::Diagnostics d;
                                           if (s.inline_manifests.empty())
                                               lab->reloadFiles(s.manifests, d);
                                           else
                                               lab->reloadFromSources(
                                                   {{s.inline_manifests_name, s.inline_manifests}}, d);
                                       }});
                break;
            }
            case TimelineEntry::Kind::Scale:
                actions.push_back({e.at, [&, spec = e.scale] {
                                       auto& o = overrides.workloads[spec.namespace_ + "/" + spec.workload];
                                       o.replicas = spec.replicas;
                                       applyOverrides();
                                   }});
                break;
            case TimelineEntry::Kind::Roll:
                result.timeline.pop_back();  // shown when it starts and ends, with real times
                actions.push_back({e.at, [&, spec = e.roll] { startRollout(spec); }});
                break;
            case TimelineEntry::Kind::Promote:
                result.timeline.pop_back();  // each step is shown as it happens
                actions.push_back({e.at, [&, spec = e.promote] { startPromotion(spec); }});
                break;
            case TimelineEntry::Kind::Pause:
                actions.push_back({e.at, [&client, p = e.pause_profile] { client.setPaused(p, true); }});
                if (e.duration)
                    actions.push_back({e.at + *e.duration,
                                       [&client, p = e.pause_profile] { client.setPaused(p, false); }});
                break;
        }
    }
    for (std::size_t i = 0; i < s.request_expectations.size(); ++i) {
        const RequestExpectation& x = s.request_expectations[i];
        if (x.at)
            actions.push_back({*x.at, [&, i, expectation = &x] {
                                   const std::size_t via =
                                       controllerIndex(s, expectation->request.controller).value_or(0);
                                   timed_checks[i] = checkRequest(*expectation, *lab, client, via);
                                   judged(*timed_checks[i]);
                               }});
    }
    std::stable_sort(actions.begin(), actions.end(),
                     [](const Action& a, const Action& b) { return a.at < b.at; });

    const auto run_end = run_start + s.duration;
    client.start(s.traffic, run_start, s.duration);
    std::size_t next_action = 0;
    auto next_poll = run_start;
    auto next_progress = run_start + std::chrono::seconds(1);
    std::uint64_t last_requests = 0;
    while (Clock::now() < run_end) {
        if (options.cancel && options.cancel->load()) {
            result.incomplete = true;
            break;
        }
        const auto now = Clock::now();
        while (next_action < actions.size() && run_start + actions[next_action].at <= now)
            actions[next_action++].run();
        if (now >= next_poll) {  // rollouts and promotions move on what the cluster reports
            for (auto& r : rollouts)
                if (!r.done) advanceRollout(r);
            for (auto& p : promotions)
                if (!p.done) advancePromotion(p);
            next_poll = now + std::chrono::milliseconds(50);
        }
        if (now >= next_progress && options.progress) {
            Progress p;
            p.elapsed_s = std::chrono::duration<double>(now - run_start).count();
            p.planned_s = result.planned_s;
            p.requests = p.errors = 0;
            for (std::size_t i = 0; i < controller_count; ++i) {
                p.requests += lab->telemetry(i).recordedEvents();
                p.errors += lab->counters(i).status_5xx;
            }
            p.rate = static_cast<double>(p.requests - last_requests);
            last_requests = p.requests;
            options.progress(p);
            next_progress += std::chrono::seconds(1);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    client.stop(std::chrono::seconds(5));
    result.elapsed_s = std::chrono::duration<double>(Clock::now() - run_start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // the proxy's last flush
    for (std::size_t i = 0; i < controller_count; ++i)
        lab->telemetry(i).unsubscribe(subscriptions[i]);
    std::vector<RequestRecord> records = client.takeRecords();

    // 6. Join, summarise, judge.
    std::vector<Measured> measured;
    measured.reserve(records.size());
    {
        std::lock_guard lock(routed_mutex);
        for (const RequestRecord& r : records) {
            auto it = routed.find(r.request_id);
            measured.push_back({&r, it == routed.end() ? nullptr : &it->second,
                                std::chrono::duration<double>(r.intended - run_start).count()});
        }
    }
    result.requests = records.size();
    for (std::size_t i = 0; i < s.traffic.size(); ++i) {
        ProfileSummary p;
        p.name = s.traffic[i].name;
        std::vector<double> latencies;
        for (const Measured& m : measured) {
            if (m.record->profile != static_cast<int>(i)) continue;
            ++p.requests;
            const int st = m.record->status;
            ++p.by_class[st == 0 ? 0 : std::clamp(st / 100, 1, 5)];
            ++p.by_status[st];
            p.errors += st == 0 || st >= 500;
            latencies.push_back(m.record->latencyMs());
        }
        p.rate = result.elapsed_s > 0 ? static_cast<double>(p.requests) / result.elapsed_s : 0;
        p.p50_ms = percentile(latencies, 50);
        p.p95_ms = percentile(latencies, 95);
        p.p99_ms = percentile(latencies, 99);
        p.max_ms = latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end());
        result.profiles.push_back(p);
    }
    const int seconds = static_cast<int>(std::ceil(result.planned_s));
    std::vector<std::vector<double>> latency_by_second(static_cast<std::size_t>(std::max(seconds, 1)));
    std::vector<std::map<std::string, std::uint64_t>> services_by_second(latency_by_second.size());
    result.seconds.resize(latency_by_second.size());
    for (std::size_t k = 0; k < result.seconds.size(); ++k) result.seconds[k].second = static_cast<int>(k);
    for (const Measured& m : measured) {
        if (m.at_s < 0) continue;
        const auto k = std::min(result.seconds.size() - 1, static_cast<std::size_t>(m.at_s));
        SecondPoint& p = result.seconds[k];
        const int st = m.record->status;
        ++p.requests;
        ++p.by_class[st == 0 ? 0 : std::clamp(st / 100, 1, 5)];
        p.errors += st == 0 || st >= 500;
        latency_by_second[k].push_back(m.record->latencyMs());
        if (m.routed && !m.routed->service.empty()) ++services_by_second[k][m.routed->service];
        if (m.routed)
            for (auto& c : result.coverage)
                if (c.ingress == m.routed->ingress && c.path == m.routed->rule_path &&
                    serverTakes(c.host, m.routed->host)) {
                    ++c.requests;
                    c.failed += st == 0 || st >= 500;
                    break;
                }
    }
    for (std::size_t k = 0; k < result.seconds.size(); ++k) {
        result.seconds[k].p50_ms = percentile(latency_by_second[k], 50);
        result.seconds[k].p99_ms = percentile(latency_by_second[k], 99);
        result.seconds[k].by_service.assign(services_by_second[k].begin(), services_by_second[k].end());
    }
    std::size_t covered = 0;
    for (const auto& c : result.coverage) covered += c.requests > 0;
    result.coverage_percent =
        result.coverage.empty() ? 100.0 : 100.0 * static_cast<double>(covered) /
                                                static_cast<double>(result.coverage.size());

    std::stable_sort(result.timeline.begin(), result.timeline.end(),
                     [](const AppliedEvent& a, const AppliedEvent& b) { return a.at_s < b.at_s; });
    for (std::size_t i = 0; i < s.request_expectations.size(); ++i) {
        const RequestExpectation& x = s.request_expectations[i];
        if (!x.at) continue;
        if (timed_checks[i]) {  // already handed to on_result when checked
            result.expectations.push_back(std::move(*timed_checks[i]));
            continue;
        }
        ExpectationResult missed;  // due after a run cut short
        missed.kind = ExpectationResult::Kind::Request;
        missed.name = x.name;
        missed.location = x.location;
        missed.expected = "checked at " + formatValue(std::chrono::duration<double>(*x.at).count()) + " s";
        missed.measured = "not checked: the run ended first";
        result.expectations.push_back(std::move(missed));
    }
    for (const auto& x : s.metric_expectations)
        result.expectations.push_back(checkMetric(x, measured, s));
    const auto fail_under = options.coverage_fail_under ? options.coverage_fail_under : s.coverage_fail_under;
    if (fail_under) {
        ExpectationResult c;
        c.kind = ExpectationResult::Kind::Coverage;
        c.name = "route coverage";
        c.expected = "at least " + formatValue(*fail_under) + "% of the rules reached";
        c.value = result.coverage_percent;
        c.passed = result.coverage_percent >= *fail_under;
        c.measured = formatValue(result.coverage_percent, 1) + "% (" + std::to_string(covered) + " of " +
                     std::to_string(result.coverage.size()) + " rules)";
        result.expectations.push_back(c);
    }
    for (std::size_t i = judged_before_traffic; i < result.expectations.size(); ++i)
        if (result.expectations[i].kind != ExpectationResult::Kind::Request ||
            result.expectations[i].measured.starts_with("not checked"))
            judged(result.expectations[i]);
    if (options.on_lab_stopping) options.on_lab_stopping(*lab);
    lab->stop();
    return result;
}

}  // namespace ilab::scenario
