#include "app/studio/widgets/plots_panel.h"

#include <QComboBox>
#include <QEvent>
#include <QGridLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <map>
#include <qcustomplot.h>

namespace ilab::studio {
namespace {

// Colours that read on light and dark backgrounds (Kiali's and PatternFly's palette).
const QColor kSeries[] = {QColor("#0066cc"), QColor("#3e8635"), QColor("#ec7a08"),
                          QColor("#8476d1"), QColor("#009596"), QColor("#c9190b"),
                          QColor("#f4c145"), QColor("#6a6e73")};
const QColor kStatus[] = {QColor("#6a6e73"), QColor("#8476d1"), QColor("#3e8635"),
                          QColor("#0066cc"), QColor("#ec7a08"), QColor("#c9190b")};

// Units live in the title and the x axis is "seconds since the lab started" everywhere (said
// once, in the panel's header), which leaves the small plots their height for data.
QCustomPlot* makePlot(const QString& title, QWidget* parent) {
    auto* plot = new QCustomPlot(parent);
    plot->setMinimumSize(180, 120);  // the bottom strip is 250 pixels high at 1366×768
    plot->plotLayout()->insertRow(0);
    plot->plotLayout()->addElement(0, 0, new QCPTextElement(plot, title, QFont("sans", 9, QFont::Bold)));
    // The legend goes in a row of its own under the axes, so it never hides the newest data
    // (always at the right edge) or the tick labels.
    plot->legend->setVisible(true);
    plot->legend->setFont(QFont("sans", 8));
    plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot->legend->setWrap(2);  // two a row: a Service's name is not cut to "accou"
    plot->plotLayout()->addElement(2, 0, plot->legend);
    plot->plotLayout()->setRowStretchFactor(2, 0.001);
    plot->setNotAntialiasedElements(QCP::aeAll);  // cheaper redraws; lines stay crisp
    plot->setAntialiasedElements(QCP::aePlottables);
    return plot;
}

QCPGraph* graphAt(QCustomPlot* plot, int index, const QString& name, const QColor& colour,
                  Qt::PenStyle style = Qt::SolidLine) {
    while (plot->graphCount() <= index) plot->addGraph();
    QCPGraph* g = plot->graph(index);
    g->setName(name);
    g->setPen(QPen(colour, 1.6, style));
    return g;
}

void trimGraphs(QCustomPlot* plot, int keep) {
    while (plot->graphCount() > keep) plot->removeGraph(plot->graphCount() - 1);
}

QString shortKey(const std::string& key) {  // "shop/catalog" -> "catalog"
    const auto slash = key.find('/');
    return QString::fromStdString(slash == std::string::npos ? key : key.substr(slash + 1));
}

}  // namespace

std::vector<SharePoint> rollingShare(const std::vector<telemetry::SeriesPoint>& main,
                                     const std::vector<telemetry::SeriesPoint>& canary,
                                     int window) {
    std::map<std::int64_t, std::pair<std::uint64_t, std::uint64_t>> by_second;  // main, canary
    for (const auto& p : main) by_second[p.second].first += p.requests;
    for (const auto& p : canary) by_second[p.second].second += p.requests;
    std::vector<SharePoint> out;
    if (by_second.empty()) return out;
    std::uint64_t total = 0, served = 0;
    auto tail = by_second.begin();  // the oldest second still inside the window
    for (auto it = by_second.begin(); it != by_second.end(); ++it) {
        total += it->second.first + it->second.second;
        served += it->second.second;
        while (tail->first <= it->first - window) {
            total -= tail->second.first + tail->second.second;
            served -= tail->second.second;
            ++tail;
        }
        if (total > 0)
            out.push_back({static_cast<double>(it->first),
                           100.0 * static_cast<double>(served) / static_cast<double>(total)});
    }
    return out;
}

PlotsPanel::PlotsPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* picker = new QHBoxLayout;
    picker->addWidget(new QLabel(tr("Latency of"), this));
    latency_key_ = new QComboBox(this);
    latency_key_->setObjectName("latencyKey");
    latency_key_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    latency_key_->addItem(tr("all requests"), QString());
    picker->addWidget(latency_key_);
    picker->addStretch();
    whose_ = new QLabel(this);
    whose_->setObjectName("plotsController");
    picker->addWidget(whose_);
    picker->addWidget(new QLabel(tr("x: seconds since the lab started; shaded: faults"), this));
    layout->addLayout(picker);
    auto* grid = new QGridLayout;
    // Short titles: four plots share 1000 pixels at 1366×768.
    latency_ = makePlot(tr("Latency (ms)"), this);
    backends_ = makePlot(tr("Requests/s per backend"), this);
    canary_ = makePlot(
        tr("Canary share (%), observed over %1 s").arg(kCanaryWindowSeconds), this);
    statuses_ = makePlot(tr("Status classes (req/s)"), this);
    grid->addWidget(latency_, 0, 0);
    grid->addWidget(backends_, 0, 1);
    grid->addWidget(canary_, 0, 2);
    grid->addWidget(statuses_, 0, 3);
    layout->addLayout(grid, 1);
    connect(latency_key_, &QComboBox::currentIndexChanged, this, [this] { redraw(); });
    styleAll();
}

void PlotsPanel::setFiguresOf(const QString& controller) {
    whose_->setText(controller.isEmpty() ? QString() : tr("figures of controller %1;").arg(controller));
}

void PlotsPanel::clear() {
    snapshot_.reset();
    faults_.clear();
    splits_.clear();
    for (QCustomPlot* p : {latency_, backends_, canary_, statuses_}) {
        p->clearGraphs();
        p->clearItems();
        p->replot();
    }
    latency_key_->blockSignals(true);
    while (latency_key_->count() > 1) latency_key_->removeItem(1);
    latency_key_->blockSignals(false);
}

void PlotsPanel::setSnapshot(std::shared_ptr<const telemetry::Snapshot> snapshot,
                             const std::vector<ActiveFault>& fault_windows,
                             const std::vector<CanarySplit>& splits) {
    snapshot_ = std::move(snapshot);
    faults_ = fault_windows;
    splits_ = splits;
    refreshKeys();
    redraw();
}

void PlotsPanel::refreshKeys() {
    if (!snapshot_) return;
    auto add = [this](const std::string& prefix, const std::string& key, const QString& label) {
        const QString value = QString::fromStdString(prefix + key);
        if (latency_key_->findData(value) < 0) latency_key_->addItem(label, value);
    };
    for (const auto& k : snapshot_->ingresses)
        add("ingress:", k->key, tr("Ingress %1").arg(QString::fromStdString(k->key)));
    for (const auto& k : snapshot_->services)
        add("service:", k->key, tr("Service %1").arg(QString::fromStdString(k->key)));
}

void PlotsPanel::redraw() {
    if (!snapshot_) return;
    const telemetry::Snapshot& s = *snapshot_;
    const auto seconds = static_cast<std::int64_t>(window_seconds_);
    // From the lab's start until the window is full, then the last window_seconds_. The
    // current second is still filling: it would show as a drop at the right edge.
    const double now = static_cast<double>(s.current_second - 1);
    const double x_begin = std::max(0.0, now - static_cast<double>(seconds));
    const double x_end = std::max(now, x_begin + 30);

    // The finished seconds of a key's series (the current one is still filling).
    const auto series = [&s, seconds](const telemetry::KeyStats& k) {
        auto points = s.recent(k, seconds + 1);
        if (!points.empty()) points.pop_back();
        return points;
    };

    // Latency of the chosen key.
    const telemetry::KeyStats* key = s.total.get();
    const QString chosen = latency_key_->currentData().toString();
    if (chosen.startsWith("ingress:")) key = s.ingress(chosen.mid(8).toStdString());
    if (chosen.startsWith("service:")) key = s.service(chosen.mid(8).toStdString());
    QVector<double> xs, p50, p95, p99;
    if (key)
        for (const auto& pt : series(*key)) {
            if (pt.requests == 0) continue;  // no requests: no latency, not zero latency
            xs << static_cast<double>(pt.second);
            p50 << static_cast<double>(pt.latency_p50_us) / 1000;
            p95 << static_cast<double>(pt.latency_p95_us) / 1000;
            p99 << static_cast<double>(pt.latency_p99_us) / 1000;
        }
    graphAt(latency_, 0, "p50", kSeries[1])->setData(xs, p50, true);
    graphAt(latency_, 1, "p95", kSeries[2])->setData(xs, p95, true);
    graphAt(latency_, 2, "p99", kSeries[5])->setData(xs, p99, true);

    // Requests per second per backend Service.
    int n = 0;
    for (const auto& svc : s.services) {
        QVector<double> x, y;
        for (const auto& pt : series(*svc)) {
            x << static_cast<double>(pt.second);
            y << static_cast<double>(pt.requests);
        }
        graphAt(backends_, n, shortKey(svc->key), kSeries[n % 8])->setData(x, y, true);
        ++n;
    }
    trimGraphs(backends_, n);

    // Canary share: the configured weight as a dashed line, the served share over the last
    // kCanaryWindowSeconds at each second (the points before the plot's left edge fill the
    // first windows).
    n = 0;
    for (const auto& split : splits_) {
        const auto* main = s.service(split.main_service);
        const auto* canary = s.service(split.canary_service);
        QVector<double> x, observed, configured{split.configured_percent, split.configured_percent};
        if (main && canary) {
            const auto longer = [&s, seconds](const telemetry::KeyStats& k) {
                auto points = s.recent(k, seconds + kCanaryWindowSeconds + 1);
                if (!points.empty()) points.pop_back();
                return points;
            };
            for (const SharePoint& p : rollingShare(longer(*main), longer(*canary), kCanaryWindowSeconds)) {
                if (p.second < x_begin) continue;
                x << p.second;
                observed << p.percent;
            }
        }
        const QColor colour = kSeries[(n / 2) % 8];
        const QString name = shortKey(split.canary_service);
        // Short legend entries (the title says what "observed" is): a 250-pixel plot.
        graphAt(canary_, n, name, colour)
            ->setData(x, observed, true);
        graphAt(canary_, n + 1, tr("%1 weight").arg(name), colour, Qt::DashLine)
            ->setData({x_begin, x_end}, configured, true);
        n += 2;
    }
    trimGraphs(canary_, n);

    // Status classes of all requests.
    QVector<double> x;
    QVector<double> by_class[6];
    for (const auto& pt : series(*s.total)) {
        x << static_cast<double>(pt.second);
        for (int c = 0; c < 6; ++c)
            by_class[c] << static_cast<double>(pt.by_status_class[static_cast<std::size_t>(c)]);
    }
    static const char* names[] = {"no answer", "1xx", "2xx", "3xx", "4xx", "5xx"};
    int shown = 0;
    for (int c : {2, 3, 4, 5, 0}) {
        double sum = 0;
        for (double v : by_class[c]) sum += v;
        if (sum == 0 && c != 2) continue;  // keep the legend to the classes that happened
        graphAt(statuses_, shown++, names[c], kStatus[c])->setData(x, by_class[c], true);
    }
    trimGraphs(statuses_, shown);

    for (QCustomPlot* p : {latency_, backends_, canary_, statuses_}) {
        p->xAxis->setRange(x_begin, x_end + 1);
        if (p == canary_) {
            p->yAxis->setRange(0, 100);
        } else {
            bool found = false;
            const QCPRange r = p->graphCount() ? p->graph(0)->getValueRange(found) : QCPRange();
            double top = found ? r.upper : 1;
            for (int g = 1; g < p->graphCount(); ++g) {
                const QCPRange gr = p->graph(g)->getValueRange(found);
                if (found) top = std::max(top, gr.upper);
            }
            p->yAxis->setRange(0, std::max(1.0, top * 1.15));
        }
        shadeFaults(p);
        p->legend->setVisible(p->graphCount() > 0);
        p->replot(QCustomPlot::rpQueuedReplot);
    }
}

void PlotsPanel::shadeFaults(QCustomPlot* plot) {
    plot->clearItems();
    if (!snapshot_) return;
    const double now = static_cast<double>(snapshot_->current_second) + 1;
    for (const auto& f : faults_) {
        auto* rect = new QCPItemRect(plot);
        rect->topLeft->setTypeX(QCPItemPosition::ptPlotCoords);
        rect->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
        rect->bottomRight->setTypeX(QCPItemPosition::ptPlotCoords);
        rect->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
        rect->topLeft->setCoords(f.since_s, 0);
        rect->bottomRight->setCoords(f.until_s.value_or(now), 1);
        rect->setPen(Qt::NoPen);
        rect->setBrush(QColor(201, 25, 11, 38));
        rect->setLayer("background");
        rect->setSelectable(false);
    }
}

void PlotsPanel::styleAll() {
    const QPalette pal = palette();
    const QColor fg = pal.color(QPalette::WindowText);
    const QColor bg = pal.color(QPalette::Base);
    const QColor grid = fg.lightness() > 128 ? QColor(255, 255, 255, 40) : QColor(0, 0, 0, 30);
    for (QCustomPlot* p : {latency_, backends_, canary_, statuses_}) {
        p->setBackground(bg);
        p->axisRect()->setBackground(bg);
        for (QCPAxis* a : {p->xAxis, p->yAxis}) {
            a->setBasePen(QPen(fg));
            a->setTickPen(QPen(fg));
            a->setSubTickPen(QPen(fg));
            a->setTickLabelColor(fg);
            a->setLabelColor(fg);
            a->grid()->setPen(QPen(grid));
        }
        p->legend->setBrush(QColor(bg.red(), bg.green(), bg.blue(), 200));
        p->legend->setTextColor(fg);
        p->legend->setBorderPen(Qt::NoPen);
        if (auto* title = qobject_cast<QCPTextElement*>(p->plotLayout()->element(0, 0)))
            title->setTextColor(fg);
        p->replot(QCustomPlot::rpQueuedReplot);
    }
}

void PlotsPanel::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) styleAll();
    QWidget::changeEvent(event);
}

QString PlotsPanel::canaryTitle() const {
    const auto* title = qobject_cast<QCPTextElement*>(canary_->plotLayout()->element(0, 0));
    return title ? title->text() : QString();
}

int PlotsPanel::latencyPointCount() const {
    return latency_->graphCount() ? latency_->graph(0)->dataCount() : 0;
}

int PlotsPanel::backendGraphCount() const {
    return backends_->graphCount();
}

int PlotsPanel::canaryGraphCount() const {
    return canary_->graphCount();
}

double PlotsPanel::statusTotal() const {
    double total = 0;
    for (int g = 0; g < statuses_->graphCount(); ++g)
        for (auto it = statuses_->graph(g)->data()->constBegin();
             it != statuses_->graph(g)->data()->constEnd(); ++it)
            total += it->value;
    return total;
}

}  // namespace ilab::studio
