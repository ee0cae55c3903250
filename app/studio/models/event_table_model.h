#pragma once
// The most recent requests as a table (newest last), for the event list. Rows point into the
// telemetry batches they came in, which are shared and immutable, so appending a batch copies
// no events. Old rows fall off the front beyond a cap. GUI thread only.
#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <deque>
#include <memory>
#include <vector>

#include "engine/telemetry/telemetry.h"

namespace ilab::studio {

class EventTableModel : public QAbstractTableModel {
    Q_OBJECT
  public:
    enum Column { Time, Status, Method, Host, Path, Route, Service, Pod, Latency, Faults, Count };
    static constexpr int kEventRole = Qt::UserRole + 1;  // const RequestEvent* (as quintptr)

    explicit EventTableModel(std::size_t max_rows = 20000, QObject* parent = nullptr);

    void append(const std::vector<std::shared_ptr<const telemetry::EventBatch>>& batches);
    void clear();
    const telemetry::RequestEvent* event(int row) const;
    // The newest event with that X-Request-ID, or null.
    const telemetry::RequestEvent* findRequest(const std::string& request_id) const;
    // Seconds on the Time column count from here (the lab's telemetry epoch).
    void setEpoch(telemetry::TimePoint epoch) { epoch_ = epoch; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  private:
    struct Row {
        const telemetry::EventBatch* batch;
        std::size_t index;
    };
    std::size_t max_rows_;
    std::deque<std::shared_ptr<const telemetry::EventBatch>> batches_;  // keeps rows alive
    std::deque<Row> rows_;
    telemetry::TimePoint epoch_{};
};

// Filters the event list by status class, route, pod and faults.
class EventFilter : public QSortFilterProxyModel {
    Q_OBJECT
  public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setStatusClass(int status_class);  // -1: any; 0: no answer; 1..5
    void setRoute(const QString& route);    // "" : any; else the Route column's text
    void setPod(const QString& pod);        // "" : any
    void setFaultedOnly(bool faulted);
    void setText(const QString& text);      // substring of host, path, service or pod

  protected:
    bool filterAcceptsRow(int source_row, const QModelIndex& source_parent) const override;

  private:
    int status_class_ = -1;
    QString route_, pod_, text_;
    bool faulted_only_ = false;
};

// "shop/web /api": how the Route column names a rule.
QString routeLabel(const telemetry::RequestEvent& event);
// The same label for a rule node ("rule:<ns>/<ingress>|<server>|<path>"; the path may hold '|').
QString routeLabelForRule(const std::string& rule_id);

}  // namespace ilab::studio
