#pragma once
// The studio's one way into the engine: it opens a scenario or a set of manifest files, runs a
// lab on them, drives traffic, injects faults, sends single requests and plays a scenario's
// timeline, and hands what the engine reports to the GUI thread.
//
// Threads: call every method on the GUI thread. The engine's callbacks (telemetry batches,
// cluster events, the scenario runner) run on engine threads; they only drop their data in a
// mailbox and post one queued call when none is pending, so the engine never waits for the GUI
// and a slow GUI receives fewer, larger updates instead of a growing queue.
#include <QObject>
#include <QString>
#include <QStringList>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "engine/cluster/cluster.h"
#include "engine/core/diagnostic.h"
#include "engine/model/manifests.h"
#include "engine/routing/decision.h"
#include "engine/routing/route_table.h"
#include "engine/scenario/load_generator.h"
#include "engine/scenario/runner.h"
#include "engine/scenario/scenario.h"
#include "engine/telemetry/telemetry.h"

namespace ilab::lab {
class Lab;
}

namespace ilab::studio {

// What arrived from the engine since the last update.
struct LabUpdate {
    std::vector<std::shared_ptr<const telemetry::EventBatch>> batches;
    std::shared_ptr<const telemetry::Snapshot> snapshot;  // null when no batch came
    std::vector<cluster::ClusterEvent> cluster_events;
    std::uint64_t generation = 0;  // which lab it came from (see labChanged)
};

// A fault the studio or the timeline put in, for lists, tooltips and plot shading.
struct ActiveFault {
    std::uint64_t id = 0;
    cluster::FaultSpec spec;
    QString text;             // "latency +500 ms on pod shop/web-..."
    double since_s = 0;       // in the lab's series seconds
    std::optional<double> until_s;
};
QString describeFault(const cluster::FaultSpec& fault);

// The answer to one composed request.
struct ComposedResult {
    scenario::RequestSpec request;
    routing::Decision decision;  // the decision core's verdict, with its trace
    scenario::RequestRecord record;  // what came back from the live proxy
};

struct TrafficSettings {
    double rate = 0;  // requests per second over all open-model profiles; 0: as the scenario says
    std::vector<scenario::TrafficProfile> profiles;
};

class LabSession : public QObject {
    Q_OBJECT
  public:
    struct Options {
        // Listeners to try first; when taken, the lab binds ephemeral ports instead.
        quint16 http_port = 8080;
        quint16 https_port = 8443;
        std::string pod_address_base = "127.78.0.0";  // apart from `ingress-lab serve`'s pods
        bool ephemeral_pod_ports = false;
        std::string ca_directory;  // "": the user's default
    };
    explicit LabSession(Options options, QObject* parent = nullptr);
    explicit LabSession(QObject* parent = nullptr) : LabSession(Options{}, parent) {}
    ~LabSession() override;

    // Opens a scenario file (or a folder holding scenario.yaml) or, with an empty scenario,
    // the manifest files and folders. Starts a lab; does not start traffic. On failure the
    // previous lab keeps running and `diagnostics` says why.
    bool open(const QString& scenario, const QStringList& files, core::Diagnostics& diagnostics);
    bool isOpen() const;
    QString scenarioPath() const;  // "" without a scenario
    const std::optional<scenario::Scenario>& scenario() const { return scenario_; }
    // Every manifest file in the lab, folders expanded (what the editor opens).
    QStringList manifestFiles() const { return manifest_files_; }
    // Where dragged node positions are kept: beside the scenario or in the manifests' folder.
    QString layoutPath() const;

    // Hot-reloads the lab from the editor's texts (one per file). On errors the running
    // configuration keeps serving. Returns whether the new one serves.
    bool apply(const std::vector<model::ManifestSource>& sources, core::Diagnostics& diagnostics);
    // Every finding about these texts without applying them (live validation).
    static core::Diagnostics validate(const std::vector<model::ManifestSource>& sources);

    // --- The running lab (null before open, and only valid until the next event loop turn) ---
    std::shared_ptr<const routing::RouteTable> routeTable() const;
    std::vector<cluster::PodStatus> pods() const;
    quint16 httpPort() const;
    quint16 httpsPort() const;
    QString caCertificatePath() const;
    std::shared_ptr<const telemetry::Snapshot> snapshot() const;
    std::uint64_t generation() const { return generation_.load(); }

    // --- Traffic ---
    TrafficSettings trafficSettings() const { return traffic_; }
    void setTraffic(const TrafficSettings& settings);  // restarts it when running
    void startTraffic();
    void pauseTraffic(bool paused);
    void stopTraffic();
    bool trafficRunning() const { return traffic_running_; }
    bool trafficPaused() const { return traffic_paused_; }
    std::uint64_t clientErrors() const { return client_errors_; }  // no response at all

    // --- Faults ---
    std::uint64_t injectFault(const cluster::FaultSpec& fault);
    void clearFault(std::uint64_t id);
    void clearAllFaults();
    std::vector<ActiveFault> activeFaults() const;
    // Every fault window since the shown lab started, for plot shading.
    std::vector<ActiveFault> faultHistory() const;
    std::map<std::uint64_t, std::string> faultTexts() const;

    // --- One request ---
    // Decides it through the decision core and sends it to the live proxy on a worker thread;
    // requestComposed() brings the answer.
    void compose(const scenario::RequestSpec& request);

    // --- The scenario's timeline ---
    // Runs the scenario as `ingress-lab run` would, on a lab of its own; the views follow that
    // lab while it runs (labChanged) and keep its figures after it ends.
    bool playScenario(QString* error);
    void cancelScenario();
    bool scenarioPlaying() const { return runner_thread_.joinable() && !run_finished_; }
    const std::optional<scenario::RunResult>& lastRun() const { return last_run_; }
    // After a run the views keep its figures until the lab is used again (traffic, a fault,
    // a request, an apply), which returns them to the live lab.
    bool showingFinishedRun() const {
        return !scenarioPlaying() && generation_ != interactive_generation_;
    }
    void returnToLiveLab();

    // Stops traffic, any scenario run and the lab.
    void close();

  signals:
    void opened();
    void updated(const ilab::studio::LabUpdate& update);
    void labChanged();  // another lab is now the one shown (a scenario run began or ended)
    void trafficStateChanged();
    void faultsChanged();
    void requestComposed(const ilab::studio::ComposedResult& result);
    void expectationJudged(const ilab::scenario::ExpectationResult& result);
    void scenarioProgress(const ilab::scenario::Progress& progress);
    void scenarioFinished(bool completed);

  private:
    struct Mailbox;
    void attach(lab::Lab& lab);
    void drainMailbox();
    void trackFaults(const std::vector<cluster::ClusterEvent>& events);
    double seriesSecondsNow() const;
    void restartGenerator();
    void takeClientRecords();
    lab::Lab* current() const;

    Options options_;
    std::unique_ptr<lab::Lab> lab_;
    std::optional<scenario::Scenario> scenario_;
    QString scenario_path_;
    QStringList manifest_files_;

    std::shared_ptr<Mailbox> mailbox_;
    // Each lab attached gets a generation; generation_ is the shown one's. The runner thread
    // changes it when its lab starts and stops.
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<std::uint64_t> interactive_generation_{0};
    telemetry::SubscriptionId subscription_ = 0;
    telemetry::SubscriptionId run_subscription_ = 0;
    // The lab the views follow: lab_ or, during a scenario run, the runner's. Guarded so the
    // runner thread can hand it back before it stops its lab.
    mutable std::mutex shown_mutex_;
    lab::Lab* shown_ = nullptr;

    TrafficSettings traffic_;
    std::unique_ptr<scenario::LoadGenerator> generator_;
    bool traffic_running_ = false, traffic_paused_ = false;
    std::uint64_t client_errors_ = 0;

    // By lab generation: active faults by id, and every fault window.
    std::map<std::uint64_t, std::map<std::uint64_t, ActiveFault>> faults_;
    std::map<std::uint64_t, std::vector<ActiveFault>> fault_history_;

    std::thread runner_thread_;
    std::atomic<bool> run_cancel_{false};
    std::atomic<bool> run_finished_{false};
    std::optional<scenario::RunResult> last_run_;
    std::vector<std::thread> compose_threads_;
};

}  // namespace ilab::studio

Q_DECLARE_METATYPE(ilab::studio::LabUpdate)
Q_DECLARE_METATYPE(ilab::studio::ComposedResult)
Q_DECLARE_METATYPE(ilab::scenario::ExpectationResult)
Q_DECLARE_METATYPE(ilab::scenario::Progress)
