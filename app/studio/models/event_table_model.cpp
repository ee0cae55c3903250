#include "app/studio/models/event_table_model.h"

#include <QBrush>
#include <QColor>

namespace ilab::studio {

QString routeLabel(const telemetry::RequestEvent& e) {
    if (e.ingress.empty()) return QStringLiteral("(no rule)");
    return QString::fromStdString(e.ingress.str() + " " +
                                  (e.rule_path.empty() ? std::string("(default)") : e.rule_path));
}

QString routeLabelForRule(const std::string& rule_id) {
    const std::string body = rule_id.substr(rule_id.find(':') + 1);
    const auto first = body.find('|');
    const auto second = body.find('|', first == std::string::npos ? first : first + 1);
    const std::string ingress = body.substr(0, first);
    const std::string path = second == std::string::npos ? std::string() : body.substr(second + 1);
    return QString::fromStdString(ingress + " " + (path.empty() ? std::string("(default)") : path));
}

EventTableModel::EventTableModel(std::size_t max_rows, QObject* parent)
    : QAbstractTableModel(parent), max_rows_(max_rows) {}

void EventTableModel::append(const std::vector<std::shared_ptr<const telemetry::EventBatch>>& batches) {
    std::size_t incoming = 0;
    for (const auto& b : batches) incoming += b->events.size();
    if (incoming == 0) return;
    // Drop from the front first, so the table never holds more than max_rows_.
    const std::size_t total = rows_.size() + incoming;
    if (total > max_rows_) {
        const std::size_t drop = std::min(rows_.size(), total - max_rows_);
        if (drop > 0) {
            beginRemoveRows({}, 0, static_cast<int>(drop) - 1);
            rows_.erase(rows_.begin(), rows_.begin() + static_cast<std::ptrdiff_t>(drop));
            endRemoveRows();
            while (!batches_.empty() &&
                   (rows_.empty() || rows_.front().batch != batches_.front().get()))
                batches_.pop_front();
        }
    }
    std::vector<Row> add;
    for (const auto& b : batches) {
        const std::size_t skip = b->events.size() > max_rows_ ? b->events.size() - max_rows_ : 0;
        for (std::size_t i = skip; i < b->events.size(); ++i) add.push_back({b.get(), i});
        batches_.push_back(b);
    }
    if (add.size() > max_rows_) add.erase(add.begin(), add.end() - static_cast<std::ptrdiff_t>(max_rows_));
    const int first = static_cast<int>(rows_.size());
    beginInsertRows({}, first, first + static_cast<int>(add.size()) - 1);
    rows_.insert(rows_.end(), add.begin(), add.end());
    endInsertRows();
}

void EventTableModel::clear() {
    beginResetModel();
    rows_.clear();
    batches_.clear();
    endResetModel();
}

const telemetry::RequestEvent* EventTableModel::event(int row) const {
    if (row < 0 || static_cast<std::size_t>(row) >= rows_.size()) return nullptr;
    const Row& r = rows_[static_cast<std::size_t>(row)];
    return &r.batch->events[r.index];
}

const telemetry::RequestEvent* EventTableModel::findRequest(const std::string& id) const {
    for (auto it = rows_.rbegin(); it != rows_.rend(); ++it) {
        const auto& e = it->batch->events[it->index];
        if (e.request_id == id) return &e;
    }
    return nullptr;
}

int EventTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int EventTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : Count;
}

QVariant EventTableModel::data(const QModelIndex& index, int role) const {
    const telemetry::RequestEvent* e = event(index.row());
    if (!e) return {};
    if (role == kEventRole) return QVariant::fromValue(reinterpret_cast<quintptr>(e));
    if (role == Qt::ForegroundRole && index.column() == Status) {
        switch (telemetry::statusClass(e->status)) {
            case 5: return QBrush(QColor("#c9190b"));
            case 4: return QBrush(QColor("#ec7a08"));
            case 3: return QBrush(QColor("#0066cc"));
            case 2: return {};
            default: return QBrush(QColor("#6a6e73"));
        }
    }
    if (role == Qt::TextAlignmentRole && (index.column() == Latency || index.column() == Time))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
    switch (index.column()) {
        case Time:
            return QString::number(std::chrono::duration<double>(e->complete - epoch_).count(), 'f', 3);
        case Status: return e->status;
        case Method: return QString::fromStdString(e->method);
        case Host: return QString::fromStdString(e->host);
        case Path: return QString::fromStdString(e->target);
        case Route: return routeLabel(*e);
        case Service: {
            const auto& s = e->servingService();
            return QString::fromStdString(s.str()) + (e->canary ? " (canary)" : "");
        }
        case Pod: return QString::fromStdString(std::string(e->pod()));
        case Latency:
            return QString::number(std::chrono::duration<double, std::milli>(e->requestTime()).count(), 'f', 1);
        case Faults: {
            QStringList f;
            for (const auto& line : e->faults) f << QString::fromStdString(line);
            return f.join("; ");
        }
        default: return {};
    }
}

QVariant EventTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"Time (s)", "Status", "Method", "Host", "Path", "Route",
                                  "Service", "Pod", "Latency (ms)", "Faults"};
    return section >= 0 && section < Count ? tr(names[section]) : QVariant();
}

void EventFilter::setStatusClass(int status_class) {
    status_class_ = status_class;
    invalidateFilter();
}

void EventFilter::setRoute(const QString& route) {
    route_ = route;
    invalidateFilter();
}

void EventFilter::setPod(const QString& pod) {
    pod_ = pod;
    invalidateFilter();
}

void EventFilter::setFaultedOnly(bool faulted) {
    faulted_only_ = faulted;
    invalidateFilter();
}

void EventFilter::setText(const QString& text) {
    text_ = text;
    invalidateFilter();
}

bool EventFilter::filterAcceptsRow(int source_row, const QModelIndex&) const {
    const auto* model = static_cast<const EventTableModel*>(sourceModel());
    const telemetry::RequestEvent* e = model->event(source_row);
    if (!e) return false;
    if (status_class_ >= 0 && telemetry::statusClass(e->status) != status_class_) return false;
    if (faulted_only_ && e->faults.empty()) return false;
    if (!route_.isEmpty() && routeLabel(*e) != route_) return false;
    if (!pod_.isEmpty() && QString::fromStdString(std::string(e->pod())) != pod_) return false;
    if (!text_.isEmpty()) {
        const QString hay = QString::fromStdString(e->host + " " + e->target + " " +
                                                   e->servingService().str() + " " +
                                                   std::string(e->pod()) + " " + e->request_id);
        if (!hay.contains(text_, Qt::CaseInsensitive)) return false;
    }
    return true;
}

}  // namespace ilab::studio
