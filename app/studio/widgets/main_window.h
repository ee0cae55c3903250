#pragma once
// Ingress Lab Studio's main window: the topology in the middle; the editor and problems, the
// plots, the event list, the composer, the timeline and the traffic controls in docks whose
// layout is restored on the next start. It wires the widgets to the LabSession and paces the
// redraws: topology dots and the event list on every engine update (at most ~30 a second),
// edge labels and plots a few times a second. GUI thread only.
#include <QElapsedTimer>
#include <QMainWindow>
#include <QTimer>
#include <memory>

#include "app/studio/bridge/lab_session.h"
#include "app/studio/models/workbench_types.h"

class QLabel;
class QDockWidget;
class QAction;

namespace ilab::studio {

class TopologyView;
class PlotsPanel;
class EventPanel;
class ComposerPanel;
class TimelinePanel;
class TrafficPanel;
class EditorArea;
class ProblemsView;

// What the GUI costs, for the status bar, --stats and the closing note.
struct GuiStats {
    std::uint64_t updates = 0, events = 0;
    double update_ms_total = 0, update_ms_max = 0;  // handling one engine update
    double redraw_ms_total = 0;                     // plots and labels
    std::uint64_t redraws = 0;
};

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(LabSession* session, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens in the session and shows it. When the lab cannot start (a scenario with errors),
    // the files still open in the editor with their problems, and saving a fix retries.
    bool openLab(const QString& scenario, const QStringList& files, bool quiet = false);
    // The persisted "start traffic on open" choice (Lab menu; on unless the user turned it off).
    static bool trafficOnOpenSetting();
    // Raises the dock with that object name ("plots", "events", ...).
    void raiseDock(const QString& name);

    TopologyView* topology() const { return topology_; }
    PlotsPanel* plots() const { return plots_; }
    EventPanel* events() const { return events_; }
    ComposerPanel* composer() const { return composer_; }
    TimelinePanel* timeline() const { return timeline_; }
    TrafficPanel* traffic() const { return traffic_; }
    EditorArea* editor() const { return editor_; }
    ProblemsView* problems() const { return problems_; }
    const TopologyGraph& graph() const { return graph_; }
    const GuiStats& stats() const { return stats_; }
    // What the topology's edge labels show: the last whole seconds.
    std::map<EdgeKey, EdgeStats> currentEdgeStats() const;

  public slots:
    void apply();
    void save();
    void startTraffic();
    void togglePause();
    void stopTraffic();
    void playScenario();
    void exportReport();
    void rebuildTopology();

  protected:
    void closeEvent(QCloseEvent* event) override;
    void changeEvent(QEvent* event) override;  // palette change: recolour the toolbar icons
    void showEvent(QShowEvent* event) override;    // first show: docks sized to the window

  private:
    void buildActions();
    void colourIcons();
    void buildDocks();
    void connectSession();
    void onUpdate(const LabUpdate& update);
    void onComposed(const ComposedResult& result);
    void redrawSlow();
    void highlightHopByHop(const std::vector<std::string>& path);
    void updateTrafficActions();
    void updateStatus();
    void restoreLayout();
    void sizeDocksToWindow();
    void saveNodePositions();
    QDockWidget* dock(const QString& title, const QString& name, QWidget* widget,
                      Qt::DockWidgetArea area);

    LabSession* session_;
    TopologyView* topology_ = nullptr;
    PlotsPanel* plots_ = nullptr;
    EventPanel* events_ = nullptr;
    ComposerPanel* composer_ = nullptr;
    TimelinePanel* timeline_ = nullptr;
    TrafficPanel* traffic_ = nullptr;
    EditorArea* editor_ = nullptr;
    ProblemsView* problems_ = nullptr;
    QLabel* listen_label_ = nullptr;
    QLabel* rate_label_ = nullptr;
    QLabel* gui_label_ = nullptr;
    QAction* start_ = nullptr;
    QAction* pause_ = nullptr;
    QAction* stop_ = nullptr;
    QAction* play_ = nullptr;
    QAction* traffic_on_open_ = nullptr;

    QString workspace_scenario_;  // what was asked to open, even when it did not start
    QStringList workspace_files_;
    TopologyGraph graph_;
    std::shared_ptr<const routing::RouteTable> graph_table_;
    EdgeStatsWindow edge_stats_;
    std::shared_ptr<const telemetry::Snapshot> snapshot_;
    QTimer slow_timer_;     // edge labels, plots, status: 4 Hz
    QTimer rebuild_timer_;  // coalesces topology rebuilds after cluster events
    QTimer highlight_timer_;
    std::vector<std::string> highlight_path_;
    std::size_t highlight_hops_ = 0;
    std::optional<ComposedResult> composed_;  // waiting for its event to highlight the path
    GuiStats stats_;
    bool layout_restored_ = false;  // a saved dock layout: keep it, do not size the docks
    QElapsedTimer clock_;
};

}  // namespace ilab::studio
