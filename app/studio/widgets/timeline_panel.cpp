#include "app/studio/widgets/timeline_panel.h"

#include "app/studio/widgets/media_icons.h"
#include "app/studio/widgets/plural.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace ilab::studio {
namespace {

constexpr int kLocationRole = Qt::UserRole + 1;  // "file:line:col" of the expectation
constexpr int kAtRole = Qt::UserRole + 2;        // a step's start in seconds

QString locationKey(const core::SourceLocation& l) {
    return QString::fromStdString(l.str());
}

QString seconds(double s) {
    return QString::number(s, 'g', 4) + " s";
}

}  // namespace

TimelinePanel::TimelinePanel(QWidget* parent) : QWidget(parent) {
    play_ = new QPushButton(mediaIcon(MediaIcon::Forward, palette().color(QPalette::ButtonText)),
                            tr("Play scenario"), this);
    play_->setObjectName("playScenario");
    stop_ = new QPushButton(mediaIcon(MediaIcon::Stop, palette().color(QPalette::ButtonText)), tr("Stop"), this);
    export_ = new QPushButton(style()->standardIcon(QStyle::SP_DialogSaveButton),
                              tr("Export report…"), this);
    export_->setEnabled(false);
    stop_->setEnabled(false);
    bar_ = new QProgressBar(this);
    bar_->setRange(0, 1000);
    bar_->setFormat("");
    summary_ = new QLabel(this);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(play_);
    buttons->addWidget(stop_);
    buttons->addWidget(bar_, 1);
    buttons->addWidget(export_);

    steps_ = new QTreeWidget(this);
    steps_->setHeaderLabels({tr("At"), tr("Timeline step")});
    steps_->setRootIsDecorated(false);
    steps_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    expectations_ = new QTreeWidget(this);
    expectations_->setObjectName("expectations");
    expectations_->setHeaderLabels({tr("Expectation"), tr("Expected"), tr("Measured")});
    expectations_->setRootIsDecorated(false);
    expectations_->header()->resizeSection(0, 260);
    expectations_->header()->resizeSection(1, 220);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(steps_);
    split->addWidget(expectations_);
    split->setStretchFactor(1, 2);
    // A step reads "fault latency +150 ms on service shop/storefront": room for that.
    split->setSizes({360, 720});
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(buttons);
    layout->addWidget(summary_);
    layout->addWidget(split, 1);

    connect(play_, &QPushButton::clicked, this, &TimelinePanel::playRequested);
    connect(stop_, &QPushButton::clicked, this, &TimelinePanel::stopRequested);
    connect(export_, &QPushButton::clicked, this, &TimelinePanel::exportRequested);
    connect(expectations_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
        // "file:line:col"; the file may hold colons of its own, so split from the right.
        const QString loc = item->data(0, kLocationRole).toString();
        const QStringList parts = loc.split(':');
        if (parts.size() < 3) return;
        emit locationActivated(parts.mid(0, parts.size() - 2).join(':'),
                               parts[parts.size() - 2].toInt(), parts.back().toInt());
    });
    setScenario(std::nullopt);
}

QIcon TimelinePanel::stepIcon(bool reached) const {
    // A step the run has reached plays (green); one still ahead waits (greyed).
    return reached ? mediaIcon(MediaIcon::Play, QColor("#3e8635"))
                   : mediaIcon(MediaIcon::Pause, palette().color(QPalette::PlaceholderText));
}

void TimelinePanel::setScenario(const std::optional<scenario::Scenario>& s) {
    steps_->clear();
    expectations_->clear();
    passed_ = failed_ = 0;
    bar_->setValue(0);
    play_->setEnabled(s.has_value());
    if (!s) {
        summary_->setText(tr("Open a scenario to play its timeline and check its expectations."));
        return;
    }
    // As `run` counts them ("11 of 11 expectations"): route coverage is one too.
    const auto expectations = s->request_expectations.size() + s->metric_expectations.size() +
                              (s->coverage_fail_under ? 1 : 0);
    summary_->setText(tr("%1: %2 s, %3, %4")
                          .arg(QString::fromStdString(s->name))
                          .arg(std::chrono::duration<double>(s->duration).count())
                          .arg(counted(static_cast<long long>(s->timeline.size()), tr("timeline step"),
                                       tr("timeline steps")))
                          .arg(counted(static_cast<long long>(expectations), tr("expectation"),
                                       tr("expectations"))));
    for (const auto& step : s->timeline) {
        const double at = std::chrono::duration<double>(step.at).count();
        QString when = seconds(at);
        if (step.duration)
            when += " – " + seconds(at + std::chrono::duration<double>(*step.duration).count());
        const QString what = QString::fromStdString(step.describe());
        auto* item = new QTreeWidgetItem(steps_, {when, what});
        item->setToolTip(1, what);  // the column is narrow: the whole step on hover
        item->setData(0, kAtRole, at);
        item->setIcon(0, stepIcon(false));
    }
    auto add = [this](const std::string& name, const std::string& expected,
                      const core::SourceLocation& loc) {
        auto* item = new QTreeWidgetItem(expectations_, {QString::fromStdString(name),
                                                         QString::fromStdString(expected), ""});
        item->setData(0, kLocationRole, locationKey(loc));
        item->setToolTip(0, locationKey(loc));
        setState(item, 0);
    };
    for (const auto& x : s->request_expectations)
        add(x.name.empty() ? x.request.method + " " + x.request.url : x.name, "", x.location);
    for (const auto& x : s->metric_expectations)
        add(x.name.empty() ? x.describe() : x.name, x.describe(), x.location);
    if (s->coverage_fail_under) add("route coverage", "", {});
}

void TimelinePanel::runStarted() {
    passed_ = failed_ = 0;
    for (int i = 0; i < expectations_->topLevelItemCount(); ++i) {
        auto* item = expectations_->topLevelItem(i);
        item->setText(2, "");
        setState(item, 0);
    }
    for (int i = 0; i < steps_->topLevelItemCount(); ++i)
        steps_->topLevelItem(i)->setIcon(0, stepIcon(false));
    play_->setEnabled(false);
    stop_->setEnabled(true);
    export_->setEnabled(false);
    bar_->setValue(0);
    bar_->setFormat(tr("starting…"));
}

void TimelinePanel::progress(const scenario::Progress& p) {
    if (p.planned_s > 0) bar_->setValue(static_cast<int>(1000 * std::min(1.0, p.elapsed_s / p.planned_s)));
    bar_->setFormat(tr("%1 / %2 s · %3 · %4")
                        .arg(p.elapsed_s, 0, 'f', 0)
                        .arg(p.planned_s, 0, 'f', 0)
                        .arg(counted(static_cast<long long>(p.requests), tr("request"), tr("requests")))
                        .arg(counted(static_cast<long long>(p.errors), tr("error"), tr("errors"))));
    for (int i = 0; i < steps_->topLevelItemCount(); ++i) {
        auto* item = steps_->topLevelItem(i);
        if (item->data(0, kAtRole).toDouble() <= p.elapsed_s)
            item->setIcon(0, stepIcon(true));
    }
}

QTreeWidgetItem* TimelinePanel::itemFor(const scenario::ExpectationResult& r) {
    const QString key = locationKey(r.location);
    for (int i = 0; i < expectations_->topLevelItemCount(); ++i) {
        auto* item = expectations_->topLevelItem(i);
        if (item->data(0, kLocationRole).toString() == key &&
            (r.kind != scenario::ExpectationResult::Kind::Coverage || key.isEmpty()))
            return item;
    }
    auto* item = new QTreeWidgetItem(expectations_, {QString::fromStdString(r.name), "", ""});
    item->setData(0, kLocationRole, key);
    return item;
}

void TimelinePanel::judged(const scenario::ExpectationResult& r) {
    QTreeWidgetItem* item = itemFor(r);
    item->setText(0, QString::fromStdString(r.name));
    item->setText(1, QString::fromStdString(r.expected));
    item->setText(2, QString::fromStdString(r.measured));
    item->setToolTip(2, QString::fromStdString(r.measured));
    setState(item, r.passed ? 1 : 2);
    (r.passed ? passed_ : failed_)++;
    expectations_->scrollToItem(item);
}

void TimelinePanel::setState(QTreeWidgetItem* item, int state) {
    static const QStyle::StandardPixmap icons[] = {QStyle::SP_MessageBoxQuestion,
                                                    QStyle::SP_DialogApplyButton,
                                                    QStyle::SP_MessageBoxCritical};
    item->setIcon(0, style()->standardIcon(icons[state]));
    const QColor colours[] = {palette().color(QPalette::PlaceholderText), QColor("#3e8635"),
                              QColor("#c9190b")};
    item->setForeground(2, colours[state]);
    item->setData(0, Qt::UserRole, state);
}

void TimelinePanel::runFinished(const std::optional<scenario::RunResult>& result) {
    play_->setEnabled(true);
    stop_->setEnabled(false);
    export_->setEnabled(result.has_value());
    if (!result) {
        bar_->setFormat(tr("the run could not start"));
        return;
    }
    bar_->setValue(1000);
    bar_->setFormat(tr("%1: %2 passed, %3 failed%4")
                        .arg(result->passed() ? tr("PASS") : tr("FAIL"))
                        .arg(passed_)
                        .arg(failed_)
                        .arg(result->incomplete ? tr(" (stopped early)") : QString()));
}

int TimelinePanel::pendingCount() const {
    int n = 0;
    for (int i = 0; i < expectations_->topLevelItemCount(); ++i)
        n += expectations_->topLevelItem(i)->data(0, Qt::UserRole).toInt() == 0;
    return n;
}

QString TimelinePanel::summaryText() const {
    return summary_->text();
}

QString TimelinePanel::progressText() const {
    return bar_->text();
}

}  // namespace ilab::studio
