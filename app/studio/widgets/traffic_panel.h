#pragma once
// Traffic and faults at a glance: the request rate and the mix of each profile (weights are
// editable), and the active faults with a button to remove each. GUI thread only.
#include <QWidget>

#include "app/studio/bridge/lab_session.h"

class QDoubleSpinBox;
class QTableWidget;
class QListWidget;
class QPushButton;
class QLabel;

namespace ilab::studio {

class TrafficPanel : public QWidget {
    Q_OBJECT
  public:
    explicit TrafficPanel(QWidget* parent = nullptr);

    void setSettings(const TrafficSettings& settings);
    TrafficSettings settings() const;  // the form's rate and weights over the last settings
    void setFaults(const std::vector<ActiveFault>& faults);
    void setStatus(const QString& text);
    int faultCount() const;

  signals:
    void settingsChanged(const ilab::studio::TrafficSettings& settings);
    void clearFaultRequested(std::uint64_t id);
    void clearAllFaultsRequested();

  private:
    TrafficSettings settings_;
    QDoubleSpinBox* rate_ = nullptr;
    QTableWidget* mix_ = nullptr;
    QListWidget* faults_ = nullptr;
    QPushButton* remove_ = nullptr;
    QPushButton* remove_all_ = nullptr;
    QLabel* status_ = nullptr;
};

}  // namespace ilab::studio
