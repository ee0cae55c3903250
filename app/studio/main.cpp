// ingress-lab-studio [SCENARIO | -f PATH...] [--theme system|light|dark] [--no-traffic]
//                    [--screenshot FILE --after SECONDS [--size WxH] [--dock NAME]
//                     [--compose URL] [--play] [--fault KIND=NS/SERVICE]] [--stats]
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QScreen>
#include <QSettings>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <vector>
#include <optional>

#include "app/studio/bridge/lab_session.h"
#include "app/studio/widgets/composer_panel.h"
#include "app/studio/widgets/event_panel.h"
#include "app/studio/widgets/main_window.h"
#include "app/studio/widgets/studio_application.h"
#include "app/studio/widgets/theme.h"
#include "app/studio/widgets/topology_view.h"

namespace {

using namespace ilab::studio;

// The bundled default scenario: beside the sources in a build tree, else where the package
// installs it.
QString defaultScenario() {
    for (const QString& dir : {QStringLiteral(ILAB_SOURCE_SCENARIOS), QStringLiteral(ILAB_INSTALLED_SCENARIOS)})
        if (QFileInfo::exists(dir + "/shop/scenario.yaml")) return dir + "/shop";
    return {};
}

// "--fault errors=shop/storefront": a fault on a Service from the command line, for
// screenshots and demos. Kinds: errors (503 for half the requests), latency (+250 ms),
// unready, reset.
std::optional<ilab::cluster::FaultSpec> faultFromFlag(const QString& flag) {
    const QString kind = flag.section('=', 0, 0);
    const QStringList target = flag.section('=', 1).split('/');
    if (target.size() != 2) return std::nullopt;
    ilab::cluster::FaultSpec f;
    f.target = {ilab::cluster::Target::Kind::Service, target[0].toStdString(), target[1].toStdString()};
    if (kind == "errors") {
        f.kind = ilab::cluster::FaultSpec::Kind::Status;
        f.status = 503;
        f.probability = 0.5;
    } else if (kind == "latency") {
        f.kind = ilab::cluster::FaultSpec::Kind::Latency;
        f.latency_ms = 250;
        f.jitter_ms = 50;
    } else if (kind == "unready") {
        f.kind = ilab::cluster::FaultSpec::Kind::Unready;
    } else if (kind == "reset") {
        f.kind = ilab::cluster::FaultSpec::Kind::Reset;
    } else {
        return std::nullopt;
    }
    return f;
}

// How late a 20 ms timer fires on the GUI thread: what a click or a key press would wait.
struct LoopLag {
    QElapsedTimer clock;
    qint64 last_ns = 0;
    std::vector<double> lags_ms;
    void tick() {
        const qint64 now = clock.nsecsElapsed();
        if (last_ns) lags_ms.push_back(std::max(0.0, static_cast<double>(now - last_ns) / 1e6 - 20));
        last_ns = now;
    }
    double percentile(double p) {
        if (lags_ms.empty()) return 0;
        std::sort(lags_ms.begin(), lags_ms.end());
        const auto rank = static_cast<std::size_t>(p / 100 * static_cast<double>(lags_ms.size() - 1));
        return lags_ms[rank];
    }
};

void printStats(const MainWindow& window, const StudioApplication& app, double wall_s,
                double cpu_s, LoopLag& lag) {
    const GuiStats& g = window.stats();
    const FrameStats& f = app.frameStats();
    std::printf(
        "gui: %.1f s wall, GUI thread CPU %.2f s (%.1f%% of one core)\n"
        "gui: %llu engine updates (%.1f/s), %llu requests, %.3f ms per update (max %.2f ms)\n"
        "gui: %llu topology frames (%.1f/s), %.3f ms per frame (max %.2f ms, %llu over 16 ms)\n"
        "gui: %llu slow redraws (plots, labels), %.3f ms each; all painting %.1f ms/s\n",
        wall_s, cpu_s, 100 * cpu_s / wall_s, static_cast<unsigned long long>(g.updates),
        static_cast<double>(g.updates) / wall_s, static_cast<unsigned long long>(g.events),
        g.updates ? g.update_ms_total / static_cast<double>(g.updates) : 0, g.update_ms_max,
        static_cast<unsigned long long>(f.frames), static_cast<double>(f.frames) / wall_s,
        f.frames ? f.frame_ms_total / static_cast<double>(f.frames) : 0, f.frame_ms_max,
        static_cast<unsigned long long>(f.slow_frames), static_cast<unsigned long long>(g.redraws),
        g.redraws ? g.redraw_ms_total / static_cast<double>(g.redraws) : 0,
        f.paint_ms_total / wall_s);
    std::printf("gui: event loop lag (a 20 ms timer): p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                lag.percentile(50), lag.percentile(99), lag.percentile(100));
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    StudioApplication app(argc, argv);
    QApplication::setOrganizationName("ingress-lab");
    QApplication::setApplicationName("ingress-lab-studio");
    QApplication::setApplicationVersion(ILAB_VERSION);

    QCommandLineParser parser;
    parser.setApplicationDescription("Ingress Lab Studio: a desktop lab for Kubernetes Ingress.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("scenario", "Scenario file or folder (default: the bundled shop)");
    QCommandLineOption files({"f", "filename"}, "Manifest file or folder (repeatable).", "path");
    QCommandLineOption theme("theme", "system, light or dark.", "theme");
    QCommandLineOption no_traffic("no-traffic", "Do not start traffic on open.");
    QCommandLineOption screenshot("screenshot", "Render the window to this PNG and exit.", "file");
    QCommandLineOption after("after", "Seconds to run before the screenshot (default 5).", "seconds", "5");
    QCommandLineOption size("size", "Window size for the screenshot, WxH.", "size", "1600x1000");
    QCommandLineOption dock("dock", "Raise this dock first: plots, events, composer, timeline, "
                                    "traffic, editor, problems.", "name");
    QCommandLineOption compose("compose", "Send this request from the composer on open.", "url");
    QCommandLineOption play("play", "Play the scenario's timeline on open.");
    QCommandLineOption stats("stats", "Print what the GUI thread cost on exit.");
    QCommandLineOption quit_after("quit-after", "Quit after this many seconds (measurements).", "seconds");
    QCommandLineOption rate("rate", "Traffic rate in requests per second.", "rate");
    QCommandLineOption inspect("inspect-latest", "Before the screenshot, select the newest request.");
    QCommandLineOption fault("fault", "Inject a fault on open: errors|latency|unready|reset=NS/SERVICE.",
                             "fault");
    parser.addOptions({files, theme, no_traffic, screenshot, after, size, dock, compose, play,
                       stats, quit_after, rate, fault, inspect});
    parser.process(app);

    const QString theme_name =
        parser.isSet(theme) ? parser.value(theme) : QSettings().value("theme").toString();
    applyTheme(themeFromString(theme_name));

    QString scenario = parser.positionalArguments().value(0);
    const QStringList manifest_files = parser.values(files);
    if (scenario.isEmpty() && manifest_files.isEmpty()) scenario = defaultScenario();

    LabSession::Options options;
    // Requests flowing from the first moment, unless turned off here or in the Lab menu;
    // --play runs the scenario on its own lab instead.
    options.traffic_on_open =
        !parser.isSet(no_traffic) && !parser.isSet(play) && MainWindow::trafficOnOpenSetting();
    LabSession session(options);
    MainWindow window(&session);
    app.watchFrames(window.topology()->viewport());
    const bool capturing = parser.isSet(screenshot);
    if (capturing) {
        const QStringList wh = parser.value(size).split('x');
        window.resize(wh.value(0).toInt(), wh.value(1).toInt());
    }
    window.show();
    if (window.openLab(scenario, manifest_files, capturing)) {
        if (parser.isSet(rate)) {
            TrafficSettings t = session.trafficSettings();
            t.rate = parser.value(rate).toDouble();
            session.setTraffic(t);
        }
        if (parser.isSet(play)) window.playScenario();
        for (const QString& flag : parser.values(fault)) {
            const auto spec = faultFromFlag(flag);
            if (!spec) {
                std::fprintf(stderr, "ingress-lab-studio: --fault %s: expected KIND=NAMESPACE/SERVICE\n",
                             qPrintable(flag));
                return 2;
            }
            session.injectFault(*spec);
        }
        if (parser.isSet(compose)) {
            window.composer()->setRequest("GET", parser.value(compose));
            QTimer::singleShot(1500, window.composer(), &ComposerPanel::send);
        }
    }
    if (parser.isSet(dock)) window.raiseDock(parser.value(dock));

    QElapsedTimer wall;
    wall.start();
    LoopLag lag;
    lag.clock.start();
    QTimer lag_timer;
    lag_timer.setTimerType(Qt::PreciseTimer);
    lag_timer.setInterval(20);
    QObject::connect(&lag_timer, &QTimer::timeout, [&lag] { lag.tick(); });
    if (parser.isSet(stats)) lag_timer.start();
    const double cpu_start = StudioApplication::threadCpuSeconds();
    auto finish = [&] {
        if (parser.isSet(stats))
            printStats(window, app, static_cast<double>(wall.elapsed()) / 1000.0,
                       StudioApplication::threadCpuSeconds() - cpu_start, lag);
    };
    if (capturing) {
        const int ms = static_cast<int>(parser.value(after).toDouble() * 1000);
        QTimer::singleShot(ms, &window, [&] {
            if (parser.isSet(inspect)) {
                window.events()->selectLatest();
                QApplication::processEvents();
            }
            const bool ok = window.grab().save(parser.value(screenshot));
            std::printf("%s %s\n", ok ? "wrote" : "could not write", qPrintable(parser.value(screenshot)));
            finish();
            session.close();
            QApplication::exit(ok ? 0 : 1);
        });
    } else if (parser.isSet(quit_after)) {
        QTimer::singleShot(static_cast<int>(parser.value(quit_after).toDouble() * 1000), &window,
                           [&] {
                               finish();
                               window.close();
                           });
    }
    const int code = QApplication::exec();
    if (!capturing && !parser.isSet(quit_after)) finish();
    return code;
}
