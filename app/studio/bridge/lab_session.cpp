#include "app/studio/bridge/lab_session.h"

#include <QDir>
#include <QFileInfo>
#include <QMetaObject>

namespace ilab::studio {

QString describeFault(const cluster::FaultSpec& fault) {
    return QString::fromStdString(workbench::describeFault(fault));
}

LabSession::LabSession(Options options, QObject* parent)
    : QObject(parent), options_(std::move(options)) {
    makeWorkbench();
    qRegisterMetaType<LabUpdate>();
    qRegisterMetaType<ComposedResult>();
    qRegisterMetaType<scenario::ExpectationResult>();
    qRegisterMetaType<scenario::Progress>();
}

LabSession::~LabSession() {
    bench_->close();  // joins the workbench's threads while this object is whole
}

void LabSession::makeWorkbench() {
    // Engine threads wake us; the update is taken on the GUI thread, one queued call at a
    // time (the workbench does not wake again until it is taken).
    bench_options_ = options_;
    bench_ = std::make_unique<workbench::Workbench>(options_, [this] {
        QMetaObject::invokeMethod(this, [this] { drain(); }, Qt::QueuedConnection);
    });
}

bool LabSession::open(const QString& scenario, const QStringList& files,
                      core::Diagnostics& diagnostics) {
    // The workbench takes its options once: a changed "start traffic on open" needs a new
    // one. open() replaces the lab anyway, so nothing the user sees is lost.
    if (bench_options_.traffic_on_open != options_.traffic_on_open) {
        bench_->close();
        makeWorkbench();
    }
    std::vector<std::string> paths;
    for (const auto& f : files) paths.push_back(f.toStdString());
    return bench_->open(scenario.toStdString(), paths, diagnostics);
}

QStringList LabSession::manifestFiles() const {
    QStringList out;
    for (const auto& f : bench_->manifestFiles()) out << QString::fromStdString(f);
    return out;
}

QString LabSession::layoutPath() const {
    if (!bench_->scenarioPath().empty()) {
        const QFileInfo f(scenarioPath());
        return f.dir().filePath(f.completeBaseName() + ".layout.json");
    }
    if (bench_->manifestFiles().empty()) return {};
    return QFileInfo(manifestFiles().front()).dir().filePath(".ingress-lab-layout.json");
}

void LabSession::compose(const scenario::RequestSpec& request) {
    const bool started = bench_->compose(request, [this](ComposedResult result) {
        QMetaObject::invokeMethod(
            this, [this, result = std::move(result)] { emit requestComposed(result); },
            Qt::QueuedConnection);
    });
    if (!started) {  // no lab, or too many under way: answer at once so the form frees up
        ComposedResult refused;
        refused.request = request;
        refused.record.error = isOpen() ? "busy: eight requests are already under way"
                                        : "the lab is not running";
        QMetaObject::invokeMethod(
            this, [this, refused] { emit requestComposed(refused); }, Qt::QueuedConnection);
    }
}

bool LabSession::playScenario(QString* error) {
    std::string why;
    const bool ok = bench_->playScenario(&why);
    if (!ok && error) *error = QString::fromStdString(why);
    return ok;
}

void LabSession::drain() {
    const LabUpdate update = bench_->takeUpdate();
    using Kind = workbench::Notice::Kind;
    // A lab change first: the views clear, then take the new lab's data.
    for (const auto& n : update.notices)
        if (n.kind == Kind::LabChanged) emit labChanged();
    emit updated(update);
    for (const auto& n : update.notices) {
        switch (n.kind) {
            case Kind::LabChanged: break;
            case Kind::TrafficChanged: emit trafficStateChanged(); break;
            case Kind::FaultsChanged: emit faultsChanged(); break;
            case Kind::Judged: emit expectationJudged(*n.judged); break;
            case Kind::Progress: emit scenarioProgress(*n.progress); break;
            case Kind::RunFinished: emit scenarioFinished(n.run_passed); break;
            case Kind::Problem: emit problemNoticed(QString::fromStdString(n.text)); break;
        }
    }
}

}  // namespace ilab::studio
