#pragma once
// One interactive lab session, shared by the front ends (the Qt studio, the web lab): it opens
// a scenario or manifests on a Lab, drives traffic, injects faults, sends single requests and
// plays the scenario's timeline, and collects what the engine reports for its owner.
//
// Threads: one owner thread calls every method (the studio's GUI thread, the web server's I/O
// thread). Engine threads report into a mailbox and call `wake` when it turns non-empty; the
// owner then calls takeUpdate() on its own thread. `wake` must only schedule that (post a
// queued call), never work: the engine never waits for a front end, and a slow owner gets
// fewer, larger updates instead of a growing queue.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/cluster/cluster.h"
#include "engine/core/diagnostic.h"
#include "engine/lab/lab.h"
#include "engine/model/manifests.h"
#include "engine/routing/decision.h"
#include "engine/routing/route_table.h"
#include "engine/scenario/load_generator.h"
#include "engine/scenario/runner.h"
#include "engine/scenario/scenario.h"
#include "engine/telemetry/telemetry.h"
#include "engine/workbench/topology.h"

namespace ilab::workbench {

// A fault put in by a front end or by a scenario's timeline. The workbench keeps the one list
// of them: ids are its own (each lab's cluster numbers its faults from 1), unique for the
// session and never reused.
struct ActiveFault {
    std::uint64_t id = 0;
    cluster::FaultSpec spec;  // as injected through injectFault(); default for a timeline's
    std::string text;   // "latency +500 ms on pod shop/web-..."
    double since_s = 0;  // in its lab's series seconds
    std::optional<double> until_s;
    // On the playing scenario's lab (its timeline's, or injected while it plays); false: on
    // the live lab, where it stays through Play and Stop until cleared.
    bool scenario_run = false;
};
std::string describeFault(const cluster::FaultSpec& fault);

// One hop's view of a request: its target and header lines.
struct HeaderView {
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
};

// The answer to one composed request.
struct ComposedResult {
    scenario::RequestSpec request;   // with scheme, host and target split from the URL
    routing::Decision decision;      // the decision core's verdict, with its trace
    scenario::RequestRecord record;  // what came back from the live proxy (body kept)
    // Read once from the request, the decision and the pod's echo, for every front end.
    HeaderView sent;                      // as the client sent it: Host first, cookies joined
    std::optional<HeaderView> rewritten;  // as the controller forwards it (Forward only)
    std::optional<HeaderView> received;   // as the pod says it received it
    std::string received_method;
    std::string served_pod, served_service, served_namespace;  // "" when no pod answered
};

// The node path of a composed request, as far as its decision and its answer go.
Flow flowFor(const ComposedResult& result, const routing::RouteTable& table);

struct TrafficSettings {
    double rate = 0;  // requests per second over the open-model profiles (they scale to it)
    std::vector<scenario::TrafficProfile> profiles;
};

// Something that happened, for the owner to pass on (a Qt signal, a WebSocket message).
struct Notice {
    enum class Kind {
        LabChanged,      // another lab is shown: a run began, or the owner returned to the live one
        TrafficChanged,  // traffic started, paused or stopped
        FaultsChanged,   // a fault was injected or cleared (by anyone)
        Judged,          // an expectation of the playing scenario was judged
        Progress,        // once a second while a scenario plays
        RunFinished,
        Problem,  // the lab routes nothing or traffic has nothing to send: `text` says why
    };
    static Notice of(Kind kind) {
        Notice n;
        n.kind = kind;
        return n;
    }
    Kind kind = Kind::LabChanged;
    std::optional<scenario::ExpectationResult> judged;
    std::optional<scenario::Progress> progress;
    bool run_passed = false;
    std::string text;  // Problem
};

// What arrived since the last takeUpdate().
struct Update {
    std::vector<std::shared_ptr<const telemetry::EventBatch>> batches;
    std::shared_ptr<const telemetry::Snapshot> snapshot;  // null when no batch came
    std::vector<cluster::ClusterEvent> cluster_events;
    std::vector<Notice> notices;
    std::uint64_t generation = 0;  // which lab the data came from
};

struct WorkbenchOptions {
    model::LoadOptions load;
    // The controller's configuration object, "namespace/name" (ingress-nginx's --configmap);
    // empty: its default.
    std::string configuration;
    // How the first controller compiles (what its flags set: --default-backend-service, ...);
    // `configuration` above wins when given.
    routing::CompileOptions compile;
    std::optional<std::uint64_t> seed;  // unset: the scenario's, else 1
    bool https = true;
    std::string http_address = "127.0.0.1";
    // Listeners to try first; when taken, the lab binds ephemeral ports instead.
    std::uint16_t http_port = 8080;
    std::uint16_t https_port = 8443;
    // "": the first pod network no other lab holds (cluster::ClusterOptions::address_base).
    std::string pod_address_base;
    bool ephemeral_pod_ports = false;
    std::string ca_directory;  // "": the user's default
    // An admin listener for the lab (/metrics); none by default.
    std::optional<std::pair<std::string, std::uint16_t>> admin;
    // open() starts the scenario's traffic (or the mix that follows the rules) once the lab
    // runs, so a first view shows requests flowing. The front ends turn it on by default and
    // offer a setting to turn it off; nothing routable leaves it stopped, with the Problem.
    bool traffic_on_open = false;
    // More controllers beside the first, for manifests or a scenario without spec.controllers.
    std::vector<lab::ControllerSpec> more_controllers;
};

class Workbench {
  public:
    Workbench(WorkbenchOptions options, std::function<void()> wake);
    ~Workbench();
    Workbench(const Workbench&) = delete;
    Workbench& operator=(const Workbench&) = delete;

    // Opens a scenario file (or a folder holding scenario.yaml) or, with an empty scenario,
    // manifest files and folders; closes what was open first. Starts a lab, not traffic.
    // False when the scenario cannot be read or the lab cannot start: `diagnostics` say why,
    // and the workspace (scenarioPath(), manifestFiles()) still names what was asked for.
    bool open(const std::string& scenario, const std::vector<std::string>& files,
              core::Diagnostics& diagnostics);
    bool isOpen() const { return lab_ != nullptr; }
    const std::string& scenarioPath() const { return scenario_path_; }  // "" without one
    const std::optional<scenario::Scenario>& scenario() const { return scenario_; }
    // Every manifest file in the lab, folders expanded, absolute.
    const std::vector<std::string>& manifestFiles() const { return manifest_files_; }

    // Reads the scenario file again and applies it to the running lab (its manifests, its
    // behaviours, its traffic mix) without replacing the lab. A scenario that does not load
    // changes nothing: `diagnostics` say why. Traffic stops.
    bool reloadScenario(core::Diagnostics& diagnostics);

    // Hot-reloads from texts (editor tabs), each named by its file. On errors the running
    // configuration keeps serving; returns whether the new one serves.
    bool apply(const std::vector<model::ManifestSource>& sources, core::Diagnostics& diagnostics);
    // Every finding about these texts, without applying them: the manifests together (as
    // `ingress-lab check`), and the scenario file's text when given (its folder: the folder of
    // its file_name).
    static core::Diagnostics validate(const std::vector<model::ManifestSource>& manifests,
                                      const std::optional<model::ManifestSource>& scenario = std::nullopt);

    // The shown lab: the interactive one, or a playing scenario's.
    std::shared_ptr<const routing::RouteTable> routeTable() const;
    // Every controller of the shown lab with its table, the first first (topology, flows).
    LabRoutes routes() const;
    std::vector<lab::RunningController> controllers() const;
    // The shown lab's pods; their active_faults are ids of activeFaults().
    std::vector<cluster::PodStatus> pods() const;
    std::uint16_t httpPort() const;
    std::uint16_t httpsPort() const;
    std::uint16_t adminPort() const;  // of the interactive lab; 0 without one
    std::string caCertificatePath() const;
    std::shared_ptr<const telemetry::Snapshot> snapshot() const;
    std::uint64_t generation() const { return generation_.load(); }
    lab::Lab* interactiveLab() const { return lab_.get(); }

    // --- Traffic ---
    const TrafficSettings& trafficSettings() const { return traffic_; }
    void setTraffic(const TrafficSettings& settings);  // restarts it when running
    // Starts the mix; with nothing to send it starts nothing and posts a Problem notice with
    // trafficProblem() instead (false).
    bool startTraffic();
    // Why the interactive lab routes nothing, "" when an Ingress rule is served.
    std::string routingProblem() const;
    // Why startTraffic() would send nothing, "" when it would send.
    std::string trafficProblem() const;
    void pauseTraffic(bool paused);
    void stopTraffic();
    bool trafficRunning() const { return traffic_running_; }
    bool trafficPaused() const { return traffic_paused_; }
    std::uint64_t clientErrors() const { return client_errors_; }  // no response at all

    // --- Faults: one list, kept here, whichever lab is shown ---
    // Injects into the shown lab (the live one, or a playing scenario's). 0, with `error`
    // saying why, when that lab does not define the target (a Service, workload or pod that
    // does not exist): such a fault would be listed and do nothing.
    std::uint64_t injectFault(const cluster::FaultSpec& fault, std::string* error = nullptr);
    // Clears a listed fault in the lab it lives on; an unknown or ended id changes nothing.
    void clearFault(std::uint64_t id);
    void clearAllFaults();
    // Every fault acting now: the live lab's and, while a scenario plays, its run's (timeline
    // faults included); a run's faults end with its lab. By id.
    std::vector<ActiveFault> activeFaults() const;
    std::vector<ActiveFault> faultHistory() const;  // every window on the shown figures' lab
    std::map<std::uint64_t, std::string> faultTexts() const;  // activeFaults() by id

    // --- One request ---
    // Decides it through the decision core and sends it to the live proxy on a worker thread;
    // `done` runs on that thread (post it to the owner's). False, and `done` never runs, when
    // no lab is running or kMaxComposing requests are already under way.
    static constexpr std::size_t kMaxComposing = 8;
    bool compose(const scenario::RequestSpec& request, std::function<void(ComposedResult)> done);

    // --- The scenario's timeline ---
    // Runs the scenario as `ingress-lab run` does, on a lab of its own; the shown lab is the
    // run's while it plays, and its figures stay shown after it ends until the owner uses the
    // lab again (traffic, a fault, a request, an apply: returnToLiveLab()).
    bool playScenario(std::string* error);
    void cancelScenario();
    bool scenarioPlaying() const { return runner_thread_.joinable() && !run_finished_; }
    const std::optional<scenario::RunResult>& lastRun() const { return last_run_; }
    bool showingFinishedRun() const {
        return !scenarioPlaying() && generation_ != interactive_generation_;
    }
    void returnToLiveLab();

    // Everything reported since the last call. Owner thread.
    Update takeUpdate();

    // Stops traffic, any scenario run and the lab.
    void close();

  private:
    struct Mailbox;
    struct FaultEvent;
    // One fault window on one lab: the list's entry and where its cluster knows it.
    struct FaultRecord {
        ActiveFault fault;
        std::uint64_t generation = 0;                 // the lab it lives on
        std::uint64_t cluster_id = 0;                 // its id in that lab's cluster
        std::chrono::steady_clock::time_point epoch;  // that lab's series second 0
    };
    std::uint64_t attach(lab::Lab& lab);
    void notify(Notice notice);
    void trackFaults(const std::vector<FaultEvent>& events);
    void endRunFaults();
    void restartGenerator();
    void takeClientRecords();
    bool startLab(core::Diagnostics& diagnostics);
    void finishRun();
    void announceProblem();

    WorkbenchOptions options_;
    std::unique_ptr<lab::Lab> lab_;
    std::optional<scenario::Scenario> scenario_;
    std::string scenario_path_;
    std::vector<std::string> manifest_files_;

    std::shared_ptr<Mailbox> mailbox_;
    std::atomic<std::uint64_t> generation_{0};  // the shown lab's
    std::atomic<std::uint64_t> interactive_generation_{0};
    // One per controller of the lab, in its order.
    std::vector<telemetry::SubscriptionId> subscriptions_, run_subscriptions_;
    static void unsubscribe(lab::Lab& lab, std::vector<telemetry::SubscriptionId>& ids);
    // The lab the views follow: lab_ or, during a scenario run, the runner's. Guarded so the
    // runner thread can hand it back before it stops its lab.
    mutable std::mutex shown_mutex_;
    lab::Lab* shown_ = nullptr;
    std::uint64_t shown_lab_generation_ = 0;        // shown_'s, under shown_mutex_
    std::atomic<std::uint64_t> run_generation_{0};  // the playing run's lab; 0 when none

    TrafficSettings traffic_;
    std::unique_ptr<scenario::LoadGenerator> generator_;
    bool traffic_running_ = false, traffic_paused_ = false;
    std::uint64_t client_errors_ = 0;

    // The one fault list: every window on the live lab and on scenario runs, in the order
    // they began; open ones are active. Owner thread. Cluster events only add what the
    // workbench has not seen (a timeline's faults) and close what they clear, so a fault
    // cleared here never comes back.
    std::vector<FaultRecord> fault_records_;
    std::uint64_t next_fault_id_ = 1;

    std::thread runner_thread_;
    std::atomic<bool> run_cancel_{false};
    std::atomic<bool> run_finished_{false};
    std::mutex run_mutex_;  // guards pending_run_
    std::optional<std::optional<scenario::RunResult>> pending_run_;  // set by the runner thread
    std::optional<scenario::RunResult> last_run_;
    struct ComposeThread {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    std::vector<ComposeThread> compose_threads_;  // finished ones are joined by the next compose
};

}  // namespace ilab::workbench
