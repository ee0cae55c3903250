#include "app/studio/widgets/event_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

#include "app/studio/models/event_details.h"

namespace ilab::studio {
namespace {

void setChoicesKeeping(QComboBox* box, const QString& any, const QStringList& items) {
    const QString current = box->currentData().toString();
    box->blockSignals(true);
    box->clear();
    box->addItem(any, QString());
    for (const auto& i : items) box->addItem(i, i);
    const int keep = box->findData(current);
    box->setCurrentIndex(keep < 0 ? 0 : keep);
    box->blockSignals(false);
}

}  // namespace

EventPanel::EventPanel(QWidget* parent)
    : QWidget(parent), model_(new EventTableModel(20000, this)), filter_(new EventFilter(this)) {
    qRegisterMetaType<telemetry::RequestEvent>();
    filter_->setSourceModel(model_);

    auto* bar = new QHBoxLayout;
    status_ = new QComboBox(this);
    status_->setObjectName("statusFilter");
    status_->addItem(tr("Any status"), -1);
    for (int c = 2; c <= 5; ++c) status_->addItem(QString("%1xx").arg(c), c);
    status_->addItem(tr("No answer"), 0);
    route_ = new QComboBox(this);
    route_->setObjectName("routeFilter");
    route_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    pod_ = new QComboBox(this);
    pod_->setObjectName("podFilter");
    pod_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    setChoicesKeeping(route_, tr("Any route"), {});
    setChoicesKeeping(pod_, tr("Any pod"), {});
    faulted_ = new QCheckBox(tr("Faulted only"), this);
    search_ = new QLineEdit(this);
    search_->setPlaceholderText(tr("Search host, path, service, pod, request id"));
    search_->setClearButtonEnabled(true);
    count_ = new QLabel(this);
    for (QWidget* w : std::initializer_list<QWidget*>{status_, route_, pod_, faulted_})
        bar->addWidget(w);
    bar->addWidget(search_, 1);
    bar->addWidget(count_);

    table_ = new QTableView(this);
    table_->setModel(filter_);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 4);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setAlternatingRowColors(true);
    table_->setWordWrap(false);
    const int widths[] = {70, 55, 60, 130, 170, 170, 150, 190, 85};
    for (int c = 0; c < 9; ++c) table_->setColumnWidth(c, widths[c]);

    details_ = new QTextBrowser(this);
    details_->setObjectName("requestInspector");
    details_->setOpenLinks(false);
    details_->setPlaceholderText(tr("Select a request to inspect it, or send one from the composer."));

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(table_);
    split->addWidget(details_);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(split, 1);

    connect(status_, &QComboBox::currentIndexChanged, this,
            [this] { filter_->setStatusClass(status_->currentData().toInt()); });
    connect(route_, &QComboBox::currentIndexChanged, this,
            [this] { filter_->setRoute(route_->currentData().toString()); });
    connect(pod_, &QComboBox::currentIndexChanged, this,
            [this] { filter_->setPod(pod_->currentData().toString()); });
    connect(faulted_, &QCheckBox::toggled, filter_, &EventFilter::setFaultedOnly);
    connect(search_, &QLineEdit::textChanged, filter_, &EventFilter::setText);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &EventPanel::onSelection);
}

void EventPanel::append(const std::vector<std::shared_ptr<const telemetry::EventBatch>>& batches) {
    QScrollBar* bar = table_->verticalScrollBar();
    const bool follow = bar->value() >= bar->maximum() - 2 && !table_->currentIndex().isValid();
    model_->append(batches);
    if (follow) table_->scrollToBottom();
    count_->setText(tr("%1 shown").arg(filter_->rowCount()));
}

void EventPanel::clear() {
    model_->clear();
    details_->clear();
    count_->clear();
}

void EventPanel::setEpoch(telemetry::TimePoint epoch) {
    epoch_ = epoch;
    model_->setEpoch(epoch);
}

void EventPanel::setChoices(const QStringList& routes, const QStringList& pods) {
    setChoicesKeeping(route_, tr("Any route"), routes);
    setChoicesKeeping(pod_, tr("Any pod"), pods);
}

void EventPanel::filterByNode(const QString& id) {
    if (id.startsWith("pod:")) {
        const QString name = id.section('/', 1);
        const int i = pod_->findData(name);
        if (i >= 0) pod_->setCurrentIndex(i);
    } else if (id.startsWith("rule:")) {
        const int i = route_->findData(routeLabelForRule(id.toStdString()));
        if (i >= 0) route_->setCurrentIndex(i);
    } else if (id.startsWith("svc:")) {
        search_->setText(id.mid(4));
    } else {
        route_->setCurrentIndex(0);
        pod_->setCurrentIndex(0);
        search_->clear();
    }
}

void EventPanel::showDetails(const QString& html) {
    details_->setHtml(html);
}

void EventPanel::selectLatest() {
    if (filter_->rowCount() == 0) return;
    table_->selectRow(filter_->rowCount() - 1);
    table_->scrollToBottom();
}

int EventPanel::visibleRows() const {
    return filter_->rowCount();
}

void EventPanel::onSelection() {
    const QModelIndex index = filter_->mapToSource(table_->currentIndex());
    const telemetry::RequestEvent* e = model_->event(index.row());
    if (!e) return;
    details_->setHtml(eventDetailsHtml(*e, epoch_, route_table_.get()));
    emit eventSelected(*e);
}

}  // namespace ilab::studio
