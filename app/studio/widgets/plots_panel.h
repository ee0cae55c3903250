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

namespace ilab::studio {

using workbench::CanarySplit;

class PlotsPanel : public QWidget {
    Q_OBJECT
  public:
    explicit PlotsPanel(QWidget* parent = nullptr);

    void setSnapshot(std::shared_ptr<const telemetry::Snapshot> snapshot,
                     const std::vector<ActiveFault>& fault_windows,
                     const std::vector<CanarySplit>& splits);
    void clear();
    void setWindowSeconds(int seconds) { window_seconds_ = seconds; }

    // For tests: the points on each plot.
    int latencyPointCount() const;
    int backendGraphCount() const;
    int canaryGraphCount() const;
    double statusTotal() const;  // requests summed over the status plot
    QCustomPlot* latencyPlot() const { return latency_; }

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void refreshKeys();
    void redraw();
    void styleAll();
    void shadeFaults(QCustomPlot* plot);

    QComboBox* latency_key_ = nullptr;
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
