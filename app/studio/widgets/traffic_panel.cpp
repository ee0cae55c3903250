#include "app/studio/widgets/traffic_panel.h"

#include <algorithm>

#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace ilab::studio {

TrafficPanel::TrafficPanel(QWidget* parent) : QWidget(parent) {
    rate_ = new QDoubleSpinBox(this);
    rate_->setObjectName("trafficRate");
    rate_->setRange(0, 20000);
    rate_->setDecimals(0);
    rate_->setSingleStep(10);
    rate_->setSuffix(tr(" req/s"));
    rate_->setKeyboardTracking(false);
    mix_ = new QTableWidget(0, 3, this);
    mix_->setHorizontalHeaderLabels({tr("Profile"), tr("Request"), tr("Weight")});
    mix_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    mix_->verticalHeader()->hide();
    status_ = new QLabel(this);
    status_->setWordWrap(true);

    auto* traffic = new QGroupBox(tr("Traffic"), this);
    auto* form = new QFormLayout(traffic);
    form->addRow(tr("Rate"), rate_);
    form->addRow(mix_);
    form->addRow(status_);

    faults_ = new QListWidget(this);
    faults_->setObjectName("activeFaults");
    remove_ = new QPushButton(tr("Remove"), this);
    remove_all_ = new QPushButton(tr("Remove all"), this);
    auto* fault_box = new QGroupBox(tr("Active faults (right-click a pod or Service to add)"), this);
    auto* fl = new QVBoxLayout(fault_box);
    fl->addWidget(faults_);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(remove_);
    buttons->addWidget(remove_all_);
    fl->addLayout(buttons);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(traffic, 3);
    layout->addWidget(fault_box, 2);

    connect(rate_, &QDoubleSpinBox::valueChanged, this, [this] { emit settingsChanged(settings()); });
    connect(mix_, &QTableWidget::cellChanged, this, [this](int, int column) {
        if (column == 2) emit settingsChanged(settings());
    });
    connect(remove_, &QPushButton::clicked, this, [this] {
        if (auto* item = faults_->currentItem())
            emit clearFaultRequested(item->data(Qt::UserRole).toULongLong());
    });
    connect(remove_all_, &QPushButton::clicked, this, &TrafficPanel::clearAllFaultsRequested);
    setFaults({});
}

void TrafficPanel::setSettings(const TrafficSettings& s) {
    settings_ = s;
    rate_->blockSignals(true);
    rate_->setValue(s.rate);
    rate_->blockSignals(false);
    mix_->blockSignals(true);
    mix_->setRowCount(0);
    for (const auto& p : s.profiles)
        for (const auto& r : p.requests) {
            const int row = mix_->rowCount();
            mix_->insertRow(row);
            auto* profile = new QTableWidgetItem(QString::fromStdString(p.name));
            profile->setFlags(profile->flags() & ~Qt::ItemIsEditable);
            auto* request = new QTableWidgetItem(QString::fromStdString(r.method + " " + r.url));
            request->setFlags(request->flags() & ~Qt::ItemIsEditable);
            mix_->setItem(row, 0, profile);
            mix_->setItem(row, 1, request);
            mix_->setItem(row, 2, new QTableWidgetItem(QString::number(r.weight)));
        }
    mix_->resizeColumnToContents(0);
    mix_->blockSignals(false);
}

TrafficSettings TrafficPanel::settings() const {
    TrafficSettings s = settings_;
    s.rate = rate_->value();
    int row = 0;
    for (auto& p : s.profiles)
        for (auto& r : p.requests) {
            bool ok = false;
            const double w = mix_->item(row, 2) ? mix_->item(row, 2)->text().toDouble(&ok) : 0;
            if (ok && w >= 0) r.weight = w;
            ++row;
        }
    return s;
}

void TrafficPanel::setFaults(const std::vector<ActiveFault>& faults) {
    faults_->clear();
    // While a scenario plays, the list holds the live lab's faults and the run's: say which.
    const bool two_labs = std::any_of(faults.begin(), faults.end(),
                                      [](const ActiveFault& f) { return f.scenario_run; });
    for (const auto& f : faults) {
        QString text = QString("#%1  %2").arg(f.id).arg(QString::fromStdString(f.text));
        if (two_labs) text += f.scenario_run ? tr("  (scenario run)") : tr("  (live lab)");
        auto* item = new QListWidgetItem(text, faults_);
        item->setData(Qt::UserRole, QVariant::fromValue<qulonglong>(f.id));
    }
    if (faults.empty()) {
        auto* item = new QListWidgetItem(tr("No faults. Right-click a pod, workload or Service in "
                                            "the topology to inject one."),
                                         faults_);
        item->setFlags(Qt::NoItemFlags);
    }
    remove_->setEnabled(!faults.empty());
    remove_all_->setEnabled(!faults.empty());
}

int TrafficPanel::faultCount() const {
    int n = 0;
    for (int i = 0; i < faults_->count(); ++i) n += faults_->item(i)->flags() != Qt::NoItemFlags;
    return n;
}

void TrafficPanel::setStatus(const QString& text) {
    status_->setText(text);
}

}  // namespace ilab::studio
