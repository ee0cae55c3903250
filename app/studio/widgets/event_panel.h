#pragma once
// The event list and the request inspector: the latest requests in a table, filterable by
// status class, route, pod and faults, with the selected one shown in full below. New rows
// arrive at most a few times a second; the table follows the newest unless the user has
// scrolled up or selected a row. GUI thread only.
#include <QWidget>
#include <memory>

#include "app/studio/models/event_table_model.h"
#include "engine/routing/route_table.h"

class QComboBox;
class QCheckBox;
class QLineEdit;
class QTableView;
class QTextBrowser;
class QLabel;

namespace ilab::studio {

class EventPanel : public QWidget {
    Q_OBJECT
  public:
    explicit EventPanel(QWidget* parent = nullptr);

    void append(const std::vector<std::shared_ptr<const telemetry::EventBatch>>& batches);
    void clear();
    void setEpoch(telemetry::TimePoint epoch);
    // The running table: the inspector shows a canary draw against its split's weight.
    void setRouteTable(std::shared_ptr<const routing::RouteTable> table) { route_table_ = std::move(table); }
    // The routes and pods the filters offer.
    void setChoices(const QStringList& routes, const QStringList& pods);
    // Filters to one node of the topology (double-click there).
    void filterByNode(const QString& node_id);
    void showDetails(const QString& html);
    // Selects the newest request shown (and so inspects it).
    void selectLatest();

    EventTableModel* model() const { return model_; }
    EventFilter* filter() const { return filter_; }
    int visibleRows() const;

  signals:
    void eventSelected(const ilab::telemetry::RequestEvent& event);

  private:
    void onSelection();
    EventTableModel* model_;
    EventFilter* filter_;
    QComboBox* status_ = nullptr;
    QComboBox* route_ = nullptr;
    QComboBox* pod_ = nullptr;
    QCheckBox* faulted_ = nullptr;
    QLineEdit* search_ = nullptr;
    QTableView* table_ = nullptr;
    QTextBrowser* details_ = nullptr;
    QLabel* count_ = nullptr;
    telemetry::TimePoint epoch_{};
    std::shared_ptr<const routing::RouteTable> route_table_;
};

}  // namespace ilab::studio

Q_DECLARE_METATYPE(ilab::telemetry::RequestEvent)
