#pragma once
// The studio's way into the engine: a Qt adapter over workbench::Workbench (the session the
// web lab shares). It turns the workbench's wake-ups into one queued call on the GUI thread,
// takes the update there and re-emits it as signals, and speaks QString where the widgets do.
//
// Threads: call every method on the GUI thread; signals are emitted there.
#include <QObject>
#include <QString>
#include <QStringList>
#include <memory>

#include "engine/workbench/workbench.h"

namespace ilab::studio {

using workbench::ActiveFault;
using workbench::ComposedResult;
using workbench::TrafficSettings;
using LabUpdate = workbench::Update;

QString describeFault(const cluster::FaultSpec& fault);

class LabSession : public QObject {
    Q_OBJECT
  public:
    using Options = workbench::WorkbenchOptions;
    explicit LabSession(Options options, QObject* parent = nullptr);
    explicit LabSession(QObject* parent = nullptr) : LabSession(Options{}, parent) {}
    ~LabSession() override;

    // Whether open() starts the traffic (WorkbenchOptions::traffic_on_open); a change takes
    // effect at the next open().
    void setTrafficOnOpen(bool on) { options_.traffic_on_open = on; }
    bool trafficOnOpen() const { return options_.traffic_on_open; }

    // See Workbench::open.
    bool open(const QString& scenario, const QStringList& files, core::Diagnostics& diagnostics);
    bool isOpen() const { return bench_->isOpen(); }
    QString scenarioPath() const { return QString::fromStdString(bench_->scenarioPath()); }
    const std::optional<scenario::Scenario>& scenario() const { return bench_->scenario(); }
    QStringList manifestFiles() const;
    // Where dragged node positions are kept: beside the scenario or in the manifests' folder.
    QString layoutPath() const;

    bool apply(const std::vector<model::ManifestSource>& sources, core::Diagnostics& diagnostics) {
        return bench_->apply(sources, diagnostics);
    }
    static core::Diagnostics validate(const std::vector<model::ManifestSource>& manifests,
                                      const std::optional<model::ManifestSource>& scenario) {
        return workbench::Workbench::validate(manifests, scenario);
    }

    std::shared_ptr<const routing::RouteTable> routeTable() const { return bench_->routeTable(); }
    workbench::LabRoutes routes() const { return bench_->routes(); }
    std::vector<lab::RunningController> controllers() const { return bench_->controllers(); }
    std::vector<cluster::PodStatus> pods() const { return bench_->pods(); }
    quint16 httpPort() const { return bench_->httpPort(); }
    quint16 httpsPort() const { return bench_->httpsPort(); }
    QString caCertificatePath() const { return QString::fromStdString(bench_->caCertificatePath()); }
    std::shared_ptr<const telemetry::Snapshot> snapshot() const { return bench_->snapshot(); }
    std::uint64_t generation() const { return bench_->generation(); }

    TrafficSettings trafficSettings() const { return bench_->trafficSettings(); }
    void setTraffic(const TrafficSettings& settings) { bench_->setTraffic(settings); }
    void startTraffic() { bench_->startTraffic(); }
    void pauseTraffic(bool paused) { bench_->pauseTraffic(paused); }
    void stopTraffic() { bench_->stopTraffic(); }
    bool trafficRunning() const { return bench_->trafficRunning(); }
    bool trafficPaused() const { return bench_->trafficPaused(); }

    std::uint64_t injectFault(const cluster::FaultSpec& fault) { return bench_->injectFault(fault); }
    void clearFault(std::uint64_t id) { bench_->clearFault(id); }
    void clearAllFaults() { bench_->clearAllFaults(); }
    std::vector<ActiveFault> activeFaults() const { return bench_->activeFaults(); }
    std::vector<ActiveFault> faultHistory() const { return bench_->faultHistory(); }
    std::map<std::uint64_t, std::string> faultTexts() const { return bench_->faultTexts(); }

    // requestComposed() brings the answer.
    void compose(const scenario::RequestSpec& request);

    bool playScenario(QString* error);
    void cancelScenario() { bench_->cancelScenario(); }
    bool scenarioPlaying() const { return bench_->scenarioPlaying(); }
    const std::optional<scenario::RunResult>& lastRun() const { return bench_->lastRun(); }
    bool showingFinishedRun() const { return bench_->showingFinishedRun(); }

    void close() { bench_->close(); }

  signals:
    void updated(const ilab::studio::LabUpdate& update);
    void labChanged();  // another lab is shown (a run began, or the live one is back)
    void trafficStateChanged();
    void faultsChanged();
    void requestComposed(const ilab::studio::ComposedResult& result);
    void expectationJudged(const ilab::scenario::ExpectationResult& result);
    void scenarioProgress(const ilab::scenario::Progress& progress);
    void scenarioFinished(bool passed);
    // The lab routes nothing, or Start had nothing to send: why, for the status bar.
    void problemNoticed(const QString& text);

  private:
    void drain();
    void makeWorkbench();
    Options options_;
    Options bench_options_;  // what bench_ was made with
    std::unique_ptr<workbench::Workbench> bench_;
};

}  // namespace ilab::studio

Q_DECLARE_METATYPE(ilab::studio::LabUpdate)
Q_DECLARE_METATYPE(ilab::studio::ComposedResult)
Q_DECLARE_METATYPE(ilab::scenario::ExpectationResult)
Q_DECLARE_METATYPE(ilab::scenario::Progress)
