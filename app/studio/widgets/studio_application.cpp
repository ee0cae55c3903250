#include "app/studio/widgets/studio_application.h"

#include <QEvent>
#include <QWidget>
#include <ctime>

// The studio's resources live in a static library: they must be registered by name, from
// outside any namespace (Q_INIT_RESOURCE declares a global function).
static void initStudioResources() {
    Q_INIT_RESOURCE(studio);
}

namespace ilab::studio {

StudioApplication::StudioApplication(int& argc, char** argv) : QApplication(argc, argv) {
    clock_.start();
    setWindowIcon(icon());
    setDesktopFileName(kDesktopFileName);
}

QIcon StudioApplication::icon() {
    initStudioResources();
    return QIcon(QStringLiteral(":/studio/icon.png"));
}

bool StudioApplication::notify(QObject* receiver, QEvent* event) {
    if (event->type() != QEvent::Paint) return QApplication::notify(receiver, event);
    const qint64 start = clock_.nsecsElapsed();
    const bool result = QApplication::notify(receiver, event);
    const double ms = static_cast<double>(clock_.nsecsElapsed() - start) / 1e6;
    stats_.paint_ms_total += ms;
    if (watched_ && receiver == watched_) {
        ++stats_.frames;
        stats_.frame_ms_total += ms;
        stats_.frame_ms_max = std::max(stats_.frame_ms_max, ms);
        stats_.slow_frames += ms > 16.0;
    }
    return result;
}

double StudioApplication::threadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace ilab::studio
