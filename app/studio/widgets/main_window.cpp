#include "app/studio/widgets/main_window.h"

#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSaveFile>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QToolBar>
#include <algorithm>
#include <set>
#include <tuple>

#include "app/studio/models/event_details.h"
#include "app/studio/widgets/composer_panel.h"
#include "app/studio/widgets/editor_area.h"
#include "app/studio/widgets/event_panel.h"
#include "app/studio/widgets/media_icons.h"
#include "app/studio/widgets/plots_panel.h"
#include "app/studio/widgets/plural.h"
#include "app/studio/widgets/problems_view.h"
#include "app/studio/widgets/theme.h"
#include "app/studio/widgets/timeline_panel.h"
#include "app/studio/widgets/topology_view.h"
#include "app/studio/widgets/traffic_panel.h"
#include "engine/core/atomic_file.h"
#include "engine/core/input_file.h"
#include "engine/workbench/workspace.h"
#include "engine/scenario/report.h"

namespace ilab::studio {
namespace {

// The docks' arrangement saved by one version of the studio; a saved state of another is not
// restored (restoreState() refuses it), so a new arrangement reaches users who saved the old
// one. 2: Problems among the bottom tabs, the editor full height (issue 14).
constexpr int kLayoutVersion = 2;

const char* const kTrafficOnOpenKey = "lab/trafficOnOpen";

double msSince(const QElapsedTimer& t, qint64 start_ns) {
    return static_cast<double>(t.nsecsElapsed() - start_ns) / 1e6;
}

}  // namespace

MainWindow::MainWindow(LabSession* session, QWidget* parent) : QMainWindow(parent), session_(session) {
    setWindowTitle(tr("Ingress Lab Studio"));
    setObjectName("mainWindow");
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);
    topology_ = new TopologyView(this);
    setCentralWidget(topology_);
    buildDocks();
    buildActions();
    connectSession();
    slow_timer_.setInterval(250);
    connect(&slow_timer_, &QTimer::timeout, this, &MainWindow::redrawSlow);
    slow_timer_.start();
    highlight_timer_.setInterval(200);
    connect(&highlight_timer_, &QTimer::timeout, this, [this] {
        if (++highlight_hops_ >= highlight_path_.size()) highlight_timer_.stop();
        const auto hops = static_cast<std::ptrdiff_t>(std::min(highlight_hops_, highlight_path_.size()));
        topology_->highlightPath({highlight_path_.begin(), highlight_path_.begin() + hops});
    });
    rebuild_timer_.setSingleShot(true);
    rebuild_timer_.setInterval(100);
    connect(&rebuild_timer_, &QTimer::timeout, this, &MainWindow::rebuildTopology);
    clock_.start();
    restoreLayout();
}

MainWindow::~MainWindow() = default;

bool MainWindow::trafficOnOpenSetting() {
    return QSettings().value(kTrafficOnOpenKey, true).toBool();
}

QDockWidget* MainWindow::dock(const QString& title, const QString& name, QWidget* widget,
                              Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(title, this);
    d->setObjectName(name);
    d->setWidget(widget);
    addDockWidget(area, d);
    return d;
}

void MainWindow::buildDocks() {
    problems_ = new ProblemsView(this);
    editor_ = new EditorArea(problems_, this);
    plots_ = new PlotsPanel(this);
    events_ = new EventPanel(this);
    composer_ = new ComposerPanel(this);
    timeline_ = new TimelinePanel(this);
    traffic_ = new TrafficPanel(this);

    // The topology keeps the middle and most of the width; the editor sits on the left, from
    // the toolbar to the status bar (at 1366×768 a strip across the bottom left it 4 lines),
    // and everything that is read rather than watched shares one tabbed strip under the
    // topology.
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    // Problems is one of those tabs: under the editor it was 340 pixels wide at 1366×768, too
    // narrow for "spec.rules[0].http.paths[0].pathType: Unsupported value ...".
    dock(tr("Editor"), "editor", editor_, Qt::LeftDockWidgetArea);
    auto* plots = dock(tr("Plots"), "plots", plots_, Qt::BottomDockWidgetArea);
    QDockWidget* previous = plots;
    for (auto [title, name, widget] :
         {std::tuple{tr("Requests"), "events", static_cast<QWidget*>(events_)},
          std::tuple{tr("Composer"), "composer", static_cast<QWidget*>(composer_)},
          std::tuple{tr("Traffic and faults"), "traffic", static_cast<QWidget*>(traffic_)},
          std::tuple{tr("Scenario"), "timeline", static_cast<QWidget*>(timeline_)},
          std::tuple{tr("Problems"), "problems", static_cast<QWidget*>(problems_)}}) {
        auto* d = dock(title, name, widget, Qt::BottomDockWidgetArea);
        tabifyDockWidget(previous, d);
        previous = d;
    }
    plots->raise();
}

// Shares of the window, not fixed pixels: at 1366×768 the editor keeps about 30 lines and the
// bottom strip room for the composer's header tables; at 1920×1080 the topology gets the rest.
void MainWindow::sizeDocksToWindow() {
    auto* editor = findChild<QDockWidget*>("editor");
    auto* plots = findChild<QDockWidget*>("plots");
    if (!editor || !plots) return;
    resizeDocks({editor}, {std::clamp(width() * 25 / 100, 320, 520)}, Qt::Horizontal);
    resizeDocks({plots}, {std::clamp(height() * 33 / 100, 240, 360)}, Qt::Vertical);
}

void MainWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    if (!layout_restored_) {
        layout_restored_ = true;  // once; later the user's own sizes stand
        sizeDocksToWindow();
    }
}

void MainWindow::buildActions() {
    auto action = [this](const QString& text, const QKeySequence& key, auto slot,
                         QStyle::StandardPixmap icon = QStyle::SP_CustomBase) {
        auto* a = new QAction(text, this);
        if (!key.isEmpty()) {
            a->setShortcut(key);
            a->setToolTip(QString("%1 (%2)").arg(text, key.toString(QKeySequence::NativeText)));
        }
        if (icon != QStyle::SP_CustomBase) a->setIcon(style()->standardIcon(icon));
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    auto* open = action(tr("&Open…"), QKeySequence::Open, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open a scenario or a manifest"), QString(), tr("YAML (*.yaml *.yml *.json)"));
        if (path.isEmpty()) return;
        // Read as the engine reads it: a FIFO or a device picked here must not hang the GUI.
        const core::InputText read = core::readInputFile(path.toStdString());
        const bool is_scenario = read.ok() && read.text.find("kind: Scenario") != std::string::npos;
        if (is_scenario)
            openLab(path, {});
        else
            openLab({}, {path});
    }, QStyle::SP_DialogOpenButton);
    auto* save = action(tr("&Save"), QKeySequence::Save, &MainWindow::save, QStyle::SP_DialogSaveButton);
    auto* apply = action(tr("&Apply"), QKeySequence(Qt::CTRL | Qt::Key_R), &MainWindow::apply,
                         QStyle::SP_BrowserReload);
    start_ = action(tr("S&tart traffic"), QKeySequence(Qt::Key_F5), &MainWindow::startTraffic);
    pause_ = action(tr("&Pause traffic"), QKeySequence(Qt::Key_F6), &MainWindow::togglePause);
    pause_->setCheckable(true);
    stop_ = action(tr("St&op traffic"), QKeySequence(Qt::SHIFT | Qt::Key_F5), &MainWindow::stopTraffic);
    play_ = action(tr("Play &scenario"), QKeySequence(Qt::Key_F9), &MainWindow::playScenario);
    colourIcons();
    auto* export_report = action(tr("&Export report…"), QKeySequence(Qt::CTRL | Qt::Key_E),
                                 &MainWindow::exportReport);
    auto* compose = action(tr("&Compose a request"), QKeySequence(Qt::CTRL | Qt::Key_L), [this] {
        raiseDock("composer");
        composer_->setFocus();
    });
    auto* reset = action(tr("&Reset topology layout"), QKeySequence(Qt::CTRL | Qt::Key_0),
                         [this] { topology_->resetLayout(); });
    auto* quit = action(tr("&Quit"), QKeySequence::Quit, [this] { close(); });

    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addActions({open, save, apply});
    file->addSeparator();
    file->addAction(export_report);
    file->addSeparator();
    file->addAction(quit);
    QMenu* lab = menuBar()->addMenu(tr("&Lab"));
    lab->addActions({start_, pause_, stop_});
    // A first view with requests flowing teaches more than a grey graph; a teacher who wants
    // to start the traffic in front of the class turns this off (remembered).
    traffic_on_open_ = lab->addAction(tr("Start traffic on &open"));
    traffic_on_open_->setCheckable(true);
    // The saved setting, not this run's: --no-traffic and --play leave it as it was.
    traffic_on_open_->setChecked(trafficOnOpenSetting());
    connect(traffic_on_open_, &QAction::toggled, this, [this](bool on) {
        QSettings().setValue(kTrafficOnOpenKey, on);
        session_->setTrafficOnOpen(on);
    });
    lab->addSeparator();
    lab->addActions({play_, compose});
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(reset);
    view->addSeparator();
    for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());
    view->addSeparator();
    QMenu* theme = view->addMenu(tr("&Theme"));
    auto* themes = new QActionGroup(this);
    const ThemeChoice current = themeFromString(QSettings().value("theme").toString());
    for (ThemeChoice c : {ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark}) {
        static const char* names[] = {"Follow the system", "Light", "Dark"};
        auto* a = theme->addAction(tr(names[static_cast<int>(c)]));
        a->setCheckable(true);
        a->setChecked(c == current);
        themes->addAction(a);
        connect(a, &QAction::triggered, this, [c] {
            QSettings().setValue("theme", themeName(c));
            applyTheme(c);
        });
    }

    QToolBar* bar = addToolBar(tr("Lab"));
    bar->setObjectName("labToolbar");
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addActions({open, save, apply});
    bar->addSeparator();
    bar->addActions({start_, pause_, stop_});
    bar->addSeparator();
    bar->addAction(play_);

    listen_label_ = new QLabel(this);
    listen_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    rate_label_ = new QLabel(this);
    gui_label_ = new QLabel(this);
    statusBar()->addPermanentWidget(rate_label_);
    statusBar()->addPermanentWidget(gui_label_);
    statusBar()->addWidget(listen_label_);
    updateTrafficActions();
}

void MainWindow::connectSession() {
    connect(session_, &LabSession::updated, this, &MainWindow::onUpdate);
    connect(session_, &LabSession::labChanged, this, [this] {
        events_->clear();
        edge_stats_.clear();
        plots_->clear();
        const auto controllers = session_->controllers();
        plots_->setFiguresOf(controllers.size() > 1 ? QString::fromStdString(controllers.front().name)
                                                    : QString());
        snapshot_ = session_->snapshot();
        if (snapshot_) events_->setEpoch(snapshot_->epoch);
        rebuildTopology();
        updateTrafficActions();
    });
    connect(session_, &LabSession::trafficStateChanged, this, &MainWindow::updateTrafficActions);
    connect(session_, &LabSession::faultsChanged, this, [this] {
        traffic_->setFaults(session_->activeFaults());
        rebuild_timer_.start();
    });
    connect(session_, &LabSession::problemNoticed, this, [this](const QString& text) {
        // Until the user acts: the editor stays open to fix the manifests.
        statusBar()->showMessage(tr("Nothing to send: %1").arg(text));
    });
    connect(session_, &LabSession::requestComposed, this, &MainWindow::onComposed);
    connect(session_, &LabSession::expectationJudged, timeline_, &TimelinePanel::judged);
    connect(session_, &LabSession::scenarioProgress, timeline_, &TimelinePanel::progress);
    connect(session_, &LabSession::scenarioFinished, this, [this](bool) {
        timeline_->runFinished(session_->lastRun());
        updateTrafficActions();
    });

    connect(topology_, &TopologyView::faultRequested, this, [this](const cluster::FaultSpec& f) {
        session_->injectFault(f);
        statusBar()->showMessage(tr("Injected: %1").arg(describeFault(f)), 6000);
    });
    connect(topology_, &TopologyView::clearFaultsRequested, this,
            [this](const std::vector<std::uint64_t>& ids) {
                for (auto id : ids) session_->clearFault(id);
            });
    connect(topology_, &TopologyView::nodeActivated, this, [this](const QString& id) {
        events_->filterByNode(id);
        raiseDock("events");
    });
    connect(topology_, &TopologyView::positionsChanged, this, &MainWindow::saveNodePositions);
    connect(events_, &EventPanel::eventSelected, this, [this](const telemetry::RequestEvent& e) {
        topology_->highlightPath(flowFor(e, session_->routes()).path);
    });
    connect(composer_, &ComposerPanel::sendRequested, this, [this](const scenario::RequestSpec& r) {
        composed_.reset();
        session_->compose(r);
    });
    connect(traffic_, &TrafficPanel::settingsChanged, session_, &LabSession::setTraffic);
    connect(traffic_, &TrafficPanel::clearFaultRequested, session_, &LabSession::clearFault);
    connect(traffic_, &TrafficPanel::clearAllFaultsRequested, session_, &LabSession::clearAllFaults);
    connect(timeline_, &TimelinePanel::playRequested, this, &MainWindow::playScenario);
    connect(timeline_, &TimelinePanel::stopRequested, session_, &LabSession::cancelScenario);
    connect(timeline_, &TimelinePanel::exportRequested, this, &MainWindow::exportReport);
    connect(timeline_, &TimelinePanel::locationActivated, editor_, &EditorArea::goTo);
    connect(editor_, &EditorArea::validated, this, [this](int errors, int warnings) {
        // The list's own summary ("1 error, 2 warnings"): one count, in one wording.
        if (QDockWidget* d = findChild<QDockWidget*>("problems"))
            d->setWindowTitle(errors + warnings ? tr("Problems (%1)").arg(problems_->summary())
                                                : tr("Problems"));
    });
}

bool MainWindow::openLab(const QString& scenario, const QStringList& files, bool quiet) {
    workspace_scenario_ = scenario.isEmpty() || !QFileInfo(scenario).isDir()
                              ? scenario
                              : QDir(scenario).filePath("scenario.yaml");
    workspace_files_ = files;
    core::Diagnostics d;
    if (!session_->open(workspace_scenario_, files, d)) {
        // Nothing runs, but the files open so the mistake can be fixed where it is; saving
        // the fix opens the lab (save()).
        session_->close();
        QStringList readable;
        for (const auto& f : files)
            if (QFileInfo(f).isFile()) readable << f;
        editor_->openFiles(workspace_scenario_, readable);
        timeline_->setScenario(std::nullopt);
        graph_ = {};
        topology_->setGraph(graph_);
        QStringList lines;
        for (const auto& item : d.items())
            if (item.severity == core::Severity::Error)
                lines << QString::fromStdString(core::formatDiagnostic(item));
        if (quiet)
            for (const auto& l : lines) qWarning("%s", qPrintable(l));
        statusBar()->showMessage(tr("The lab is not running: %1. Fix them and save (Ctrl+S).")
                                     .arg(counted(lines.size(), tr("error"), tr("errors"))));
        setWindowTitle(tr("%1 (not running) — Ingress Lab Studio")
                           .arg(QFileInfo(workspace_scenario_.isEmpty() ? files.value(0) : workspace_scenario_).fileName()));
        raiseDock("problems");
        return false;
    }
    editor_->openFiles(session_->scenarioPath(), session_->manifestFiles());
    timeline_->setScenario(session_->scenario());
    traffic_->setSettings(session_->trafficSettings());
    traffic_->setFaults({});
    QFile layout(session_->layoutPath());
    if (layout.open(QIODevice::ReadOnly))
        topology_->setPositions(QJsonDocument::fromJson(layout.readAll()).object());
    const QString name = session_->scenario()
                             ? QString::fromStdString(session_->scenario()->name)
                             : QFileInfo(session_->manifestFiles().value(0)).dir().dirName();
    setWindowTitle(tr("%1 — Ingress Lab Studio").arg(name));
    statusBar()->clearMessage();
    rebuildTopology();
    updateStatus();
    return true;
}

void MainWindow::raiseDock(const QString& name) {
    if (QDockWidget* d = findChild<QDockWidget*>(name)) {
        d->show();
        d->raise();
    }
}

void MainWindow::rebuildTopology() {
    const auto table = session_->routeTable();
    if (!table) return;
    graph_table_ = table;
    graph_ = buildTopology(session_->routes(), session_->pods(), session_->faultTexts());
    topology_->setGraph(graph_);
    QStringList routes, pods, urls;
    for (const auto& n : graph_.nodes) {
        if (n.kind == NodeKind::Rule) routes << routeLabelForRule(n.id);
        if (n.kind == NodeKind::Pod) pods << QString::fromStdString(n.label);
    }
    // The URLs the lab's own traffic would use: one per rule (regex paths have no one URL).
    for (const auto& r : workbench::trafficForRules(*table).requests) urls << QString::fromStdString(r.url);
    routes.removeDuplicates();
    urls.removeDuplicates();
    events_->setChoices(routes, pods);
    events_->setRouteTable(table);
    composer_->setUrlSuggestions(urls);
    traffic_->setFaults(session_->activeFaults());
}

void MainWindow::onUpdate(const LabUpdate& update) {
    if (update.generation != session_->generation()) return;  // from a lab no longer shown
    const qint64 start = clock_.nsecsElapsed();
    if (update.snapshot) {
        if (!snapshot_) events_->setEpoch(update.snapshot->epoch);
        snapshot_ = update.snapshot;
    }
    events_->append(update.batches);
    const workbench::LabRoutes routes = session_->routes();
    if (!routes.empty() && snapshot_) {
        std::vector<Flow> flows;
        for (const auto& batch : update.batches)
            for (const auto& e : batch->events) {
                Flow f = flowFor(e, routes);
                edge_stats_.add(f, std::chrono::duration_cast<std::chrono::seconds>(
                                       e.complete - snapshot_->epoch).count());
                if (composed_ && e.request_id == composed_->record.request_id) {
                    highlightHopByHop(f.path);
                    composer_->showResult(
                        composedDetailsHtml(*composed_, &e, snapshot_->epoch,
                                            routes.front().table.get()));
                    composed_.reset();
                }
                flows.push_back(std::move(f));
            }
        topology_->addFlows(flows);
        stats_.events += flows.size();
    }
    if (!update.cluster_events.empty()) rebuild_timer_.start();
    const double ms = msSince(clock_, start);
    ++stats_.updates;
    stats_.update_ms_total += ms;
    stats_.update_ms_max = std::max(stats_.update_ms_max, ms);
}

void MainWindow::onComposed(const ComposedResult& result) {
    const telemetry::RequestEvent* event = events_->model()->findRequest(result.record.request_id);
    const auto epoch = snapshot_ ? snapshot_->epoch : telemetry::TimePoint{};
    const auto table = session_->routeTable();
    composer_->showResult(composedDetailsHtml(result, event, epoch, table.get()));
    if (event) {
        highlightHopByHop(flowFor(*event, session_->routes()).path);
    } else {
        composed_ = result;  // its event comes with a later update
        topology_->highlightPath({"client", "controller"});
    }
}

void MainWindow::highlightHopByHop(const std::vector<std::string>& path) {
    // One more hop every 200 ms, so the eye can follow where the request went.
    highlight_path_ = path;
    highlight_hops_ = 1;
    topology_->highlightPath({path.begin(), path.begin() + std::min<std::ptrdiff_t>(1, std::ssize(path))});
    highlight_timer_.start();
}

void MainWindow::redrawSlow() {
    const qint64 start = clock_.nsecsElapsed();
    if (snapshot_) {
        // Whole seconds only: the current one is still filling.
        const std::int64_t now = snapshot_->current_second - 1;
        topology_->setEdgeStats(currentEdgeStats());
        topology_->setNodeHealth(edge_stats_.nodeHealth(now));
        plots_->setSnapshot(snapshot_, session_->faultHistory(), canarySplits(graph_));
    }
    updateStatus();
    stats_.redraw_ms_total += msSince(clock_, start);
    ++stats_.redraws;
}

std::map<EdgeKey, EdgeStats> MainWindow::currentEdgeStats() const {
    if (!snapshot_) return {};
    return edge_stats_.edgeStats(graph_, snapshot_->current_second - 1);
}

void MainWindow::updateStatus() {
    QString listen;
    const auto controllers = session_->controllers();
    if (controllers.size() > 1) {
        // Several controllers side by side: where each listens.
        QStringList each;
        for (const auto& c : controllers) {
            QString one = QString::fromStdString(c.name) + tr(" http://127.0.0.1:%1").arg(c.http_port);
            if (c.https_port) one += tr(" https://127.0.0.1:%1").arg(c.https_port);
            each << one;
        }
        listen = each.join(QStringLiteral("  ·  "));
        if (session_->httpsPort()) listen += tr("  (CA %1)").arg(session_->caCertificatePath());
    } else {
        if (session_->httpPort())
            listen = tr("http://127.0.0.1:%1").arg(session_->httpPort());
        if (session_->httpsPort())
            listen += tr("  https://127.0.0.1:%1  (CA %2)").arg(session_->httpsPort()).arg(session_->caCertificatePath());
    }
    if (session_->scenarioPlaying()) listen = tr("Playing the scenario on its own lab · ") + listen;
    if (session_->showingFinishedRun())
        listen = tr("Showing the finished run (start traffic to return to the live lab) · ") + listen;
    listen_label_->setText(listen);
    if (snapshot_) {
        const auto points = snapshot_->recent(*snapshot_->total, 2);
        const auto& last = points.empty() ? telemetry::SeriesPoint{} : points.front();
        const double errors = last.requests ? 100.0 * static_cast<double>(last.serverErrors()) /
                                                  static_cast<double>(last.requests)
                                            : 0;
        // The figures are the first controller's (the plots' too): say whose when there are more.
        const QString whose =
            controllers.size() > 1 ? QString::fromStdString(controllers.front().name) + QStringLiteral(": ") : QString();
        rate_label_->setText(whose + tr("%1 req/s · %2% 5xx · %3 total")
                                         .arg(last.requests)
                                         .arg(errors, 0, 'f', 1)
                                         .arg(snapshot_->total->counters.requests));
    }
    if (stats_.updates)
        gui_label_->setText(tr("GUI %1 ms/update")
                                .arg(stats_.update_ms_total / static_cast<double>(stats_.updates), 0, 'f', 2));
    traffic_->setStatus(session_->trafficRunning()
                            ? (session_->trafficPaused() ? tr("Paused.") : tr("Sending."))
                            : tr("Stopped. Start traffic with F5."));
}

void MainWindow::updateTrafficActions() {
    const bool playing = session_->scenarioPlaying();
    const bool running = session_->trafficRunning();
    start_->setEnabled(session_->isOpen() && !running && !playing);
    pause_->setEnabled(running);
    pause_->setChecked(session_->trafficPaused());
    stop_->setEnabled(running);
    play_->setEnabled(session_->scenario().has_value() && !playing);
}

void MainWindow::apply() {
    if (!session_->isOpen()) {
        statusBar()->showMessage(tr("The lab is not running: fix the problems and save (Ctrl+S)."), 8000);
        return;
    }
    const TopologyGraph before = graph_;
    core::Diagnostics d;
    QElapsedTimer t;
    t.start();
    const bool ok = session_->apply(editor_->manifestSources(), d);
    const double ms = static_cast<double>(t.nsecsElapsed()) / 1e6;
    editor_->showDiagnostics(d);
    if (!ok) {
        statusBar()->showMessage(tr("Not applied: %1; the running configuration keeps "
                                    "serving. See Problems.")
                                     .arg(counted(static_cast<long long>(d.count(core::Severity::Error)),
                                                  tr("error"), tr("errors"))),
                                 10000);
        raiseDock("problems");
        return;
    }
    rebuildTopology();
    QString message = tr("Applied in %1 ms: %2").arg(ms, 0, 'f', 1).arg(QString::fromStdString(workbench::describeChange(before, graph_)));
    if (editor_->scenarioModified()) message += tr(". Scenario edits take effect when saved.");
    statusBar()->showMessage(message, 10000);
}

void MainWindow::save() {
    QString error;
    const bool scenario_changed = editor_->scenarioModified();
    const QStringList written = editor_->saveAll(&error);
    if (!error.isEmpty()) {
        QMessageBox::warning(this, tr("Save failed"), error);
        return;
    }
    statusBar()->showMessage(tr("Saved %1.").arg(counted(written.size(), tr("file"), tr("files"))), 5000);
    if ((scenario_changed || !session_->isOpen()) && !workspace_scenario_.isEmpty())
        openLab(workspace_scenario_, {});  // behaviours, traffic and timeline come from it
    else if (!session_->isOpen() && !workspace_files_.isEmpty())
        openLab({}, workspace_files_);
    else if (!written.isEmpty())
        apply();
}

void MainWindow::startTraffic() {
    session_->startTraffic();
}

void MainWindow::togglePause() {
    session_->pauseTraffic(!session_->trafficPaused());
}

void MainWindow::stopTraffic() {
    session_->stopTraffic();
}

void MainWindow::playScenario() {
    QString error;
    if (!session_->playScenario(&error)) {
        statusBar()->showMessage(error, 6000);
        return;
    }
    timeline_->runStarted();
    raiseDock("timeline");
    updateTrafficActions();
}

void MainWindow::exportReport() {
    const auto& run = session_->lastRun();
    if (!run) {
        statusBar()->showMessage(tr("Play the scenario first: the report is of its last run."), 6000);
        return;
    }
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export the run's report"),
        QString::fromStdString(run->scenario) + "-report.html", tr("HTML (*.html)"));
    if (path.isEmpty()) return;
    std::string error;
    if (!core::writeFileAtomically(path.toStdString(), scenario::renderHtml(*run),
                                   core::kKeepExistingMode, &error))
        QMessageBox::warning(this, tr("Export failed"), QString::fromStdString(error));
    else
        statusBar()->showMessage(tr("Report written to %1").arg(path), 6000);
}

void MainWindow::saveNodePositions() {
    const QString path = session_->layoutPath();
    if (path.isEmpty()) return;
    QSaveFile f(path);
    if (f.open(QIODevice::WriteOnly)) {
        f.write(QJsonDocument(topology_->positions()).toJson(QJsonDocument::Indented));
        f.commit();
    }
}

void MainWindow::restoreLayout() {
    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    layout_restored_ =
        restoreState(settings.value("window/state").toByteArray(), kLayoutVersion);
}

void MainWindow::colourIcons() {
    const QColor text = palette().color(QPalette::WindowText);
    start_->setIcon(mediaIcon(MediaIcon::Play, QColor("#3e8635")));
    pause_->setIcon(mediaIcon(MediaIcon::Pause, text));
    stop_->setIcon(mediaIcon(MediaIcon::Stop, text));
    play_->setIcon(mediaIcon(MediaIcon::Forward, text));
}

void MainWindow::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange && start_) colourIcons();
    QMainWindow::changeEvent(event);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (editor_->anyModified()) {
        const auto answer = QMessageBox::question(
            this, tr("Unsaved edits"), tr("Save your edits before closing?"),
            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
        if (answer == QMessageBox::Cancel) {
            event->ignore();
            return;
        }
        if (answer == QMessageBox::Save) save();
        if (answer == QMessageBox::Discard) editor_->discardAutosaves();
    }
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState(kLayoutVersion));
    session_->close();
    event->accept();
}

}  // namespace ilab::studio
