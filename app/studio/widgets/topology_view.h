#pragma once
// The lab drawn as a graph: clients -> controller -> Ingress rules -> Services -> pods, laid
// out in columns, nodes draggable, with live request flow (dots along the edges: colour by
// status class, density by rate, speed by latency), edge labels (rate, error %, p99), Kiali
// health colours, canary edges with configured and observed share, pods with readiness and
// active faults. Right-click a pod, its workload or a Service to inject a fault.
//
// GUI thread only. Feed it with setGraph() when the topology changes, setEdgeStats() and
// addFlows() on the studio's update timer (at most ~30 times a second).
#include <QGraphicsView>
#include <QJsonObject>
#include <QString>
#include <map>
#include <memory>
#include <vector>

#include "app/studio/models/workbench_types.h"
#include "engine/cluster/cluster.h"

namespace ilab::studio {

class TopologyView : public QGraphicsView {
    Q_OBJECT
  public:
    explicit TopologyView(QWidget* parent = nullptr);
    ~TopologyView() override;

    // Replaces the graph. Nodes whose id stays keep their (possibly dragged) position; new
    // ones are placed by the automatic layout.
    void setGraph(const TopologyGraph& graph);
    void setEdgeStats(const std::map<EdgeKey, EdgeStats>& stats);
    void setNodeHealth(const std::map<std::string, Health>& health);
    // Starts one dot per flow (sampled when there are too many for an edge to show).
    void addFlows(const std::vector<Flow>& flows);
    // Outlines one request's hops until the next call (empty: none).
    void highlightPath(const std::vector<std::string>& node_ids);

    // Dragged positions by node id, to save beside the scenario; restored by setPositions
    // (ids not in the graph yet are kept for when they appear).
    QJsonObject positions() const;
    void setPositions(const QJsonObject& positions);
    // Forgets dragged positions and lays everything out again.
    void resetLayout();

    // For tests and the status bar.
    int nodeCount() const;
    int edgeCount() const;
    int dotsInFlight() const;
    std::uint64_t flowsReceived() const;
    QPointF nodeCenter(const QString& id) const;  // scene coordinates; (0,0) when unknown
    QStringList edgeLabel(const QString& from, const QString& to) const;  // as drawn
    // The context menu a right-click on that node would open (tests trigger its actions).
    std::unique_ptr<QMenu> contextMenuFor(const QString& id);

  signals:
    // A context-menu action: the caller injects it through the engine.
    void faultRequested(const ilab::cluster::FaultSpec& fault);
    void clearFaultsRequested(const std::vector<std::uint64_t>& fault_ids);
    void nodeActivated(const QString& id);  // double-click: filter the event list by it
    void positionsChanged();

  protected:
    void contextMenuEvent(QContextMenuEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;  // Ctrl+wheel zooms
    void changeEvent(QEvent* event) override;      // palette change: light/dark

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ilab::studio

Q_DECLARE_METATYPE(ilab::cluster::FaultSpec)
