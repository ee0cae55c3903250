// The studio on manifests with nothing routable (one misspelled pathType), offscreen: it opens,
// Start sends nothing and the status bar says why instead of the process dying (exit 139 in
// the load generator before), and once the editor's fix is applied traffic flows.
#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QThread>
#include <functional>

#include <gtest/gtest.h>

#include "app/studio/bridge/lab_session.h"
#include "app/studio/widgets/event_panel.h"
#include "app/studio/widgets/main_window.h"
#include "tests/support/one_pod_manifests.h"

namespace ilab::studio {
namespace {

std::string manifests(const char* path_type) {
    return ilab::testing::onePodManifests(path_type);
}

bool waitFor(const std::function<bool()>& done, int ms) {
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > ms) return false;
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return true;
}

TEST(NothingRoutableStudioTest, OpensSaysWhyOnStartAndRunsOnceFixed) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    const QString file = dir.filePath("manifests.yaml");
    {
        QFile f(file);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(manifests("Prefx").c_str());
    }
    LabSession::Options o;
    o.http_port = 0;
    o.https_port = 0;
    o.ephemeral_pod_ports = true;
    o.ca_directory = dir.filePath("ca").toStdString();
    LabSession session(o);
    MainWindow window(&session);
    window.resize(1366, 768);
    window.show();
    ASSERT_TRUE(window.openLab({}, {file}, true));
    ASSERT_TRUE(session.isOpen());

    window.startTraffic();
    ASSERT_TRUE(waitFor(
        [&] { return window.statusBar()->currentMessage().contains("no Ingress rule"); }, 4000))
        << window.statusBar()->currentMessage().toStdString();
    EXPECT_FALSE(session.trafficRunning());

    // Fixed (as the editor's Apply sends it): the mix follows the rule, and requests flow.
    core::Diagnostics d;
    ASSERT_TRUE(session.apply({{file.toStdString(), manifests("Prefix")}}, d));
    window.startTraffic();
    EXPECT_TRUE(session.trafficRunning());
    ASSERT_TRUE(waitFor([&] { return window.events()->visibleRows() > 3; }, 8000));
    session.close();
}

}  // namespace
}  // namespace ilab::studio
