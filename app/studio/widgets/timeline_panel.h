#pragma once
// The scenario's timeline and expectations: Play runs the scenario as `ingress-lab run` does
// (the views follow its lab meanwhile), the timeline's steps light up as the run passes them,
// and each expectation turns pass or fail as soon as it is judged. The report of the last run
// exports as the same HTML page `ingress-lab run --html` writes. GUI thread only.
#include <QIcon>
#include <QWidget>
#include <optional>

#include "engine/scenario/runner.h"
#include "engine/scenario/scenario.h"

class QTreeWidget;
class QTreeWidgetItem;
class QProgressBar;
class QPushButton;
class QLabel;

namespace ilab::studio {

class TimelinePanel : public QWidget {
    Q_OBJECT
  public:
    explicit TimelinePanel(QWidget* parent = nullptr);

    // Lists the scenario's timeline and expectations as pending (none: explains Play needs one).
    void setScenario(const std::optional<scenario::Scenario>& scenario);
    void runStarted();
    void progress(const scenario::Progress& progress);
    void judged(const scenario::ExpectationResult& result);
    void runFinished(const std::optional<scenario::RunResult>& result);

    int passedCount() const { return passed_; }
    int failedCount() const { return failed_; }
    int pendingCount() const;
    QString summaryText() const;      // "shop: 15 s, 1 timeline step, 11 expectations"
    QString progressText() const;     // the progress bar's words

  signals:
    void playRequested();
    void stopRequested();
    void exportRequested();
    void locationActivated(const QString& file, int line, int column);

  private:
    QTreeWidgetItem* itemFor(const scenario::ExpectationResult& result);
    void setState(QTreeWidgetItem* item, int state);  // 0 pending, 1 pass, 2 fail
    QIcon stepIcon(bool reached) const;

    QPushButton* play_ = nullptr;
    QPushButton* stop_ = nullptr;
    QPushButton* export_ = nullptr;
    QProgressBar* bar_ = nullptr;
    QLabel* summary_ = nullptr;
    QTreeWidget* steps_ = nullptr;
    QTreeWidget* expectations_ = nullptr;
    int passed_ = 0, failed_ = 0;
};

}  // namespace ilab::studio
