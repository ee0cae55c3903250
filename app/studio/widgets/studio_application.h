#pragma once
// The studio's QApplication: also measures what the GUI thread costs — time spent painting
// (the topology's frames apart) and in timers and queued engine updates — and the GUI
// thread's CPU time, for the status bar and `--stats`. GUI thread only.
#include <QApplication>
#include <QElapsedTimer>
#include <QIcon>

namespace ilab::studio {

struct FrameStats {
    std::uint64_t frames = 0;  // paints of the watched widget
    double frame_ms_total = 0, frame_ms_max = 0;
    std::uint64_t slow_frames = 0;  // over 16 ms: a dropped frame at 60 Hz
    double paint_ms_total = 0;      // every widget's paints
};

class StudioApplication : public QApplication {
  public:
    StudioApplication(int& argc, char** argv);
    bool notify(QObject* receiver, QEvent* event) override;

    // Paints of this widget count as frames (the topology's viewport).
    void watchFrames(QWidget* widget) { watched_ = widget; }
    const FrameStats& frameStats() const { return stats_; }
    // CPU time of the calling thread (the GUI thread when called from it), in seconds.
    static double threadCpuSeconds();
    // The application icon (resources/icons), the windows' icon and the launchers'.
    static QIcon icon();
    // The desktop entry's id (resources/*.desktop): desktops match windows to it by this name.
    static constexpr const char* kDesktopFileName = "dev.ingress_lab.Studio";

  private:
    QWidget* watched_ = nullptr;
    FrameStats stats_;
    QElapsedTimer clock_;
};

}  // namespace ilab::studio
