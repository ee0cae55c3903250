#pragma once
// Four live plots (QCustomPlot) over the last minutes of the shown lab: latency p50/p95/p99
// of a chosen Ingress or Service, requests per second per backend, canary share configured
// versus observed, and status classes; fault windows shaded on all of them. Redrawn from the
// latest telemetry snapshot on the studio's timer (a few times a second), never per event.
// GUI thread only.
#include <QWidget>
#include <memory>
#include <vector>

#include "app/studio/bridge/lab_session.h"
#include "app/studio/models/workbench_types.h"

class QCustomPlot;
class QComboBox;
class QLabel;

namespace ilab::studio {

using workbench::CanarySplit;

// The canary plot's observed share is taken over this many seconds, not per second: at 80
// requests a second a 10 % canary serves 0 to 13 % of any one second, noise that hides the
// split. Ten seconds is what a Grafana panel of rate(...[10s]) would show.
inline constexpr int kCanaryWindowSeconds = 10;

struct SharePoint {
    double second = 0;
    double percent = 0;
};
// The canary's share of the split's requests over the `window` seconds ending at each second
// that has requests in that window; the series are matched by their seconds.
std::vector<SharePoint> rollingShare(const std::vector<telemetry::SeriesPoint>& main,
                                     const std::vector<telemetry::SeriesPoint>& canary,
                                     int window);

class PlotsPanel : public QWidget {
    Q_OBJECT
  public:
    explicit PlotsPanel(QWidget* parent = nullptr);

    void setSnapshot(std::shared_ptr<const telemetry::Snapshot> snapshot,
                     const std::vector<ActiveFault>& fault_windows,
                     const std::vector<CanarySplit>& splits);
    void clear();
    void setWindowSeconds(int seconds) { window_seconds_ = seconds; }
    // Whose figures these are, when the lab runs several controllers ("" : one).
    void setFiguresOf(const QString& controller);

    // For tests: the points on each plot.
    int latencyPointCount() const;
    int backendGraphCount() const;
    int canaryGraphCount() const;
    double statusTotal() const;  // requests summed over the status plot
    QCustomPlot* latencyPlot() const { return latency_; }
    QString canaryTitle() const;

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void refreshKeys();
    void redraw();
    void styleAll();
    void shadeFaults(QCustomPlot* plot);

    QComboBox* latency_key_ = nullptr;
    QLabel* whose_ = nullptr;
    QCustomPlot* latency_ = nullptr;
    QCustomPlot* backends_ = nullptr;
    QCustomPlot* canary_ = nullptr;
    QCustomPlot* statuses_ = nullptr;
    std::shared_ptr<const telemetry::Snapshot> snapshot_;
    std::vector<ActiveFault> faults_;
    std::vector<CanarySplit> splits_;
    int window_seconds_ = 120;
};

}  // namespace ilab::studio
