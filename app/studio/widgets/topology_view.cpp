#include "app/studio/widgets/topology_view.h"

#include <QContextMenuEvent>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QMenu>
#include <QMouseEvent>
#include <QTimer>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <unordered_map>

#include "app/studio/widgets/topology_items.h"
#include "app/studio/widgets/topology_layout.h"

namespace ilab::studio {
namespace {

constexpr int kFrameMs = 33;           // ~30 fps, only while dots are in flight
// Below this, 13 px names fall under 9 px on screen: scroll instead. Columns sized to their
// names keep the shop's graph above it at 1366×768.
constexpr double kMinAutoScale = 0.7;

// The header has no resizeEvent override: watch the viewport instead.
class ResizeWatcher : public QObject {
  public:
    explicit ResizeWatcher(std::function<void()> on_resize) : on_resize_(std::move(on_resize)) {}
    bool eventFilter(QObject*, QEvent* event) override {
        if (event->type() == QEvent::Resize) on_resize_();
        return false;
    }

  private:
    std::function<void()> on_resize_;
};

// "svc:shop/web" and "pod:shop/web-1" -> {"shop", "web"}; parsed here so the view needs no
// symbol from the graph builders.
std::pair<std::string, std::string> namespacedName(const std::string& id) {
    const std::size_t colon = id.find(':');
    const std::string rest = colon == std::string::npos ? id : id.substr(colon + 1);
    const std::size_t slash = rest.find('/');
    if (slash == std::string::npos) return {"default", rest};
    return {rest.substr(0, slash), rest.substr(slash + 1)};
}

// The context menu's faults: a pod's, and the same for its workload or a Service.
struct FaultChoice {
    const char* submenu;  // "": in the menu itself
    const char* text;
    cluster::FaultSpec::Kind kind;
    double latency_ms = 0;  // jitter: a fifth of it
    int status = 503;
    double probability = 1;
    std::uint64_t bytes_per_second = 0;
};
using FaultKind = cluster::FaultSpec::Kind;
const FaultChoice kFaultChoices[] = {
    {"", "Kill pod", FaultKind::Kill},
    {"", "Make unready", FaultKind::Unready},
    {"Add latency", "100 ms", FaultKind::Latency, 100},
    {"Add latency", "500 ms", FaultKind::Latency, 500},
    {"Add latency", "2 s", FaultKind::Latency, 2000},
    {"Return errors", "503 for all requests", FaultKind::Status},
    {"Return errors", "500 for 50 %", FaultKind::Status, 0, 500, 0.5},
    {"", "Reset connections", FaultKind::Reset},
    {"", "Black-hole", FaultKind::BlackHole},
    {"", "Throttle to 10 KiB/s", FaultKind::Throttle, 0, 503, 1, 10 * 1024},
    {"", "Close after headers", FaultKind::CloseAfterHeaders},
};

cluster::FaultSpec faultOf(FaultKind kind, const cluster::Target& target) {
    cluster::FaultSpec fault;
    fault.kind = kind;
    fault.target = target;
    return fault;
}

}  // namespace

struct TopologyView::Impl {
    explicit Impl(TopologyView* view);
    ~Impl();

    void clearEdges();
    void syncNodes(const TopologyGraph& graph);
    void sizeColumns();
    void placeNodes();
    void createEdges();
    void applyEdgeStats();
    void separateLabels();
    void applyHighlight();
    void updateSceneRect();
    void fitAll(double min_scale);
    void applyTheme();
    void onDragged(NodeItem* node);

    bool resolve(FlowLayer::Route& route) const;
    void resolveRoutes();
    FlowLayer::Route* routeFor(const std::vector<std::string>& path);
    void tick();
    double nowMs() const { return static_cast<double>(clock_.elapsed()); }

    NodeItem* nodeAt(QPoint view_pos) const;
    void addFaultActions(QMenu& menu, const cluster::Target& target, bool whole) const;
    void addPodActions(QMenu& menu, const TopologyNode& pod) const;
    void addLayoutActions(QMenu& menu);

    TopologyView* view_;
    QGraphicsScene scene_;
    Theme theme_;
    TopologyGraph graph_;
    std::map<std::string, NodeItem*> nodes_;
    std::map<EdgeKey, EdgeItem*> edges_;
    std::map<std::string, QPointF> pinned_;  // dragged or restored centres
    ColumnWidths widths_ = kDefaultColumnWidths;
    std::map<EdgeKey, EdgeStats> stats_;
    std::vector<std::string> highlighted_;
    FlowLayer* flows_;
    std::unordered_map<std::string, std::unique_ptr<FlowLayer::Route>> routes_;
    std::string route_key_;  // reused: no allocation per flow
    std::uint64_t flows_received_ = 0;
    QTimer timer_;
    QElapsedTimer clock_;
    bool user_zoomed_ = false;
    bool fitting_ = false;
    ResizeWatcher resize_watcher_;
};

TopologyView::Impl::Impl(TopologyView* view)
    : view_(view), flows_(new FlowLayer), resize_watcher_([this] {
          // Fitting can toggle the scroll bars, which resizes the viewport again.
          if (fitting_ || user_zoomed_ || nodes_.empty()) return;
          fitting_ = true;
          fitAll(kMinAutoScale);
          fitting_ = false;
      }) {
    scene_.addItem(flows_);
    timer_.setInterval(kFrameMs);
    clock_.start();
}

TopologyView::Impl::~Impl() {
    view_->viewport()->removeEventFilter(&resize_watcher_);
    clearEdges();  // edges delete their labels, before the scene deletes what is left
}

void TopologyView::Impl::clearEdges() {
    for (auto& [key, edge] : edges_)
        delete edge;
    edges_.clear();
    for (auto& [id, node] : nodes_)
        node->detachEdges();
}

void TopologyView::Impl::syncNodes(const TopologyGraph& graph) {
    std::set<std::string> ids;
    for (const TopologyNode& node : graph.nodes)
        ids.insert(node.id);
    std::erase_if(nodes_, [&ids](const auto& entry) {
        if (ids.count(entry.first)) return false;
        delete entry.second;
        return true;
    });
    for (const TopologyNode& node : graph.nodes) {
        if (auto it = nodes_.find(node.id); it != nodes_.end()) {
            it->second->setNode(node);
            continue;
        }
        auto* item = new NodeItem(node, theme_);
        item->on_dragged = [this](NodeItem* dragged) { onDragged(dragged); };
        scene_.addItem(item);
        nodes_[node.id] = item;
    }
}

// Each column as wide as its longest name: nothing is cut, and no column is wider than it needs.
void TopologyView::Impl::sizeColumns() {
    widths_.fill(kMinNodeWidth);
    for (auto& [id, node] : nodes_) {
        auto& width = widths_[static_cast<std::size_t>(node->node().kind)];
        width = std::max(width, NodeItem::wantedWidth(node->node(), theme_));
    }
    for (auto& [id, node] : nodes_)
        node->setWidth(widths_[static_cast<std::size_t>(node->node().kind)]);
}

void TopologyView::Impl::placeNodes() {
    const std::map<std::string, QPointF> layout = layoutColumns(graph_, widths_);
    for (auto& [id, node] : nodes_) {
        const auto pin = pinned_.find(id);
        const auto automatic = layout.find(id);
        if (pin != pinned_.end())
            node->setPos(pin->second);
        else if (automatic != layout.end())
            node->setPos(automatic->second);
    }
}

void TopologyView::Impl::createEdges() {
    std::map<std::string, int> out_degree, in_degree;
    for (const TopologyEdge& edge : graph_.edges) {
        const auto from = nodes_.find(edge.from), to = nodes_.find(edge.to);
        const EdgeKey key{edge.from, edge.to};
        if (from == nodes_.end() || to == nodes_.end() || edges_.count(key)) continue;
        auto* item = new EdgeItem(edge, from->second, to->second, theme_);
        scene_.addItem(item);
        scene_.addItem(item->label());
        edges_[key] = item;
        ++out_degree[edge.from];
        ++in_degree[edge.to];
    }
    for (auto& [key, edge] : edges_) {
        const int out = out_degree[key.first], in = in_degree[key.second];
        using Place = EdgeItem::LabelPlace;
        edge->setLabelPlace(out > in ? Place::NearTarget
                                     : (in > out ? Place::NearSource : Place::Middle));
    }
}

void TopologyView::Impl::applyEdgeStats() {
    for (auto& [key, edge] : edges_) {
        const auto it = stats_.find(key);
        edge->setStats(it == stats_.end() ? EdgeStats{} : it->second);
    }
    separateLabels();
}

// Labels sit beside their edge's end; where edges cross (a canary's beside its main Service)
// two could cover each other or a node. Top to bottom, each label that would moves up or
// down by the least that frees it, at most a node's height or so.
void TopologyView::Impl::separateLabels() {
    std::vector<QRectF> taken;
    for (auto& [id, node] : nodes_)
        taken.push_back(node->mapRectToScene(node->shape().boundingRect()).adjusted(-2, -2, 2, 2));
    std::vector<EdgeLabelItem*> labels;
    for (auto& [key, edge] : edges_)
        if (!edge->label()->boundingRect().isEmpty()) labels.push_back(edge->label());
    std::sort(labels.begin(), labels.end(),
              [](const EdgeLabelItem* a, const EdgeLabelItem* b) { return a->y() < b->y(); });
    const auto free = [&taken](const QRectF& r) {
        return std::none_of(taken.begin(), taken.end(), [&r](const QRectF& t) { return t.intersects(r); });
    };
    for (EdgeLabelItem* label : labels) {
        const QRectF at = label->sceneBoundingRect();
        for (double step = 0; step <= 60; step += 3) {
            if (free(at.translated(0, -step))) {
                label->moveBy(0, -step);
                break;
            }
            if (free(at.translated(0, step))) {
                label->moveBy(0, step);
                break;
            }
        }
        taken.push_back(label->sceneBoundingRect().adjusted(-1, -1, 1, 1));
    }
}

void TopologyView::Impl::applyHighlight() {
    for (auto& [id, node] : nodes_)
        node->setHighlighted(false);
    for (auto& [key, edge] : edges_)
        edge->setHighlighted(false);
    for (std::size_t i = 0; i < highlighted_.size(); ++i) {
        if (auto node = nodes_.find(highlighted_[i]); node != nodes_.end())
            node->second->setHighlighted(true);
        if (i + 1 == highlighted_.size()) continue;
        if (auto edge = edges_.find({highlighted_[i], highlighted_[i + 1]}); edge != edges_.end())
            edge->second->setHighlighted(true);
    }
}

void TopologyView::Impl::updateSceneRect() {
    QRectF bounds;
    for (auto& [id, node] : nodes_)
        bounds |= node->sceneBoundingRect();
    for (auto& [key, edge] : edges_)
        bounds |= edge->label()->sceneBoundingRect();
    bounds = bounds.isNull() ? QRectF(-200, -150, 400, 300) : bounds.adjusted(-24, -24, 24, 24);
    scene_.setSceneRect(bounds);
    flows_->setRect(bounds);
}

void TopologyView::Impl::fitAll(double min_scale) {
    const QRectF rect = scene_.sceneRect();
    view_->fitInView(rect, Qt::KeepAspectRatio);
    // Never magnify a small graph; never shrink a big one past reading.
    const double scale = std::clamp(view_->transform().m11(), min_scale, 1.0);
    view_->setTransform(QTransform::fromScale(scale, scale));
    view_->centerOn(rect.center());
}

void TopologyView::Impl::applyTheme() {
    theme_ = Theme::fromPalette(view_->palette(), view_->font());
    view_->setBackgroundBrush(theme_.base);
    for (auto& [id, node] : nodes_)
        node->update();
    for (auto& [key, edge] : edges_) {
        edge->update();
        edge->label()->update();
    }
}

void TopologyView::Impl::onDragged(NodeItem* node) {
    pinned_[node->node().id] = node->pos();
    separateLabels();  // the move put its edges' labels back at their anchors
    updateSceneRect();
    emit view_->positionsChanged();
}

bool TopologyView::Impl::resolve(FlowLayer::Route& route) const {
    route.edges.clear();
    for (std::size_t i = 0; i + 1 < route.path.size(); ++i) {
        const auto edge = edges_.find({route.path[i], route.path[i + 1]});
        if (edge == edges_.end()) {
            route.edges.clear();
            return false;
        }
        route.edges.push_back(edge->second);
    }
    route.stops_early = nodes_.at(route.path.back())->node().kind != NodeKind::Pod;
    return !route.edges.empty();
}

// Edges were rebuilt: routes find theirs again; routes through removed nodes go, dots too.
void TopologyView::Impl::resolveRoutes() {
    std::erase_if(routes_, [this](auto& entry) {
        if (resolve(*entry.second)) return false;
        flows_->dropRoute(entry.second.get());
        return true;
    });
}

FlowLayer::Route* TopologyView::Impl::routeFor(const std::vector<std::string>& path) {
    if (path.size() < 2) return nullptr;
    route_key_.clear();
    for (const std::string& id : path)
        (route_key_ += id) += '\x1f';
    if (auto it = routes_.find(route_key_); it != routes_.end())
        return it->second->edges.empty() ? nullptr : it->second.get();
    auto route = std::make_unique<FlowLayer::Route>();
    route->path = path;
    if (!resolve(*route)) return nullptr;  // unknown ids: not kept, so junk cannot pile up
    return routes_.emplace(route_key_, std::move(route)).first->second.get();
}

void TopologyView::Impl::tick() {
    if (!flows_->advance(nowMs())) timer_.stop();
}

NodeItem* TopologyView::Impl::nodeAt(QPoint view_pos) const {
    for (QGraphicsItem* item : view_->items(view_pos)) {
        if (auto* node = qgraphicsitem_cast<NodeItem*>(item)) return node;
    }
    return nullptr;
}

void TopologyView::Impl::addFaultActions(QMenu& menu, const cluster::Target& target,
                                         bool whole) const {
    QMenu* submenu = nullptr;
    for (const FaultChoice& choice : kFaultChoices) {
        QMenu* into = &menu;
        if (*choice.submenu) {
            if (!submenu || submenu->title() != choice.submenu)
                submenu = menu.addMenu(choice.submenu);
            into = submenu;
        }
        cluster::FaultSpec fault = faultOf(choice.kind, target);
        fault.status = choice.status;
        fault.probability = choice.probability;
        fault.latency_ms = choice.latency_ms;
        fault.jitter_ms = choice.latency_ms * 0.2;
        fault.bytes_per_second = choice.bytes_per_second;
        const bool plural = whole && choice.kind == cluster::FaultSpec::Kind::Kill;
        QObject::connect(into->addAction(plural ? QStringLiteral("Kill pods") : choice.text),
                         &QAction::triggered, view_,
                         [view = view_, fault] { emit view->faultRequested(fault); });
    }
}

void TopologyView::Impl::addPodActions(QMenu& menu, const TopologyNode& pod) const {
    auto [ns, name] = namespacedName(pod.id);
    if (!pod.ns.empty()) ns = pod.ns;
    addFaultActions(menu, {cluster::Target::Kind::Pod, ns, name}, false);
    if (!pod.owner_name.empty()) {
        menu.addSeparator();
        QMenu* whole = menu.addMenu(
            QStringLiteral("Whole %1 %2")
                .arg(QString::fromStdString(pod.owner_kind), QString::fromStdString(pod.owner_name))
                .simplified());
        addFaultActions(*whole, {cluster::Target::Kind::Workload, ns, pod.owner_name}, true);
    }
    menu.addSeparator();
    QAction* clear = menu.addAction(QStringLiteral("Clear faults (%1)").arg(pod.fault_ids.size()));
    clear->setEnabled(!pod.fault_ids.empty());
    QObject::connect(clear, &QAction::triggered, view_,
                     [view = view_, ids = pod.fault_ids] { emit view->clearFaultsRequested(ids); });
}

void TopologyView::Impl::addLayoutActions(QMenu& menu) {
    QObject::connect(menu.addAction(QStringLiteral("Reset layout")), &QAction::triggered, view_,
                     [view = view_] { view->resetLayout(); });
    QObject::connect(menu.addAction(QStringLiteral("Fit to window")), &QAction::triggered, view_,
                     [this] {
                         user_zoomed_ = false;
                         fitAll(0);
                     });
}

// ---- TopologyView ----

TopologyView::TopologyView(QWidget* parent)
    : QGraphicsView(parent), impl_(std::make_unique<Impl>(this)) {
    qRegisterMetaType<cluster::FaultSpec>();  // faultRequested may cross a queued connection
    qRegisterMetaType<std::vector<std::uint64_t>>();
    setScene(&impl_->scene_);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setViewportUpdateMode(SmartViewportUpdate);
    setTransformationAnchor(AnchorUnderMouse);
    setResizeAnchor(AnchorViewCenter);
    setDragMode(ScrollHandDrag);  // drag the background to pan; nodes still drag themselves
    viewport()->installEventFilter(&impl_->resize_watcher_);
    connect(&impl_->timer_, &QTimer::timeout, this, [this] { impl_->tick(); });
    impl_->applyTheme();
    impl_->updateSceneRect();
}

TopologyView::~TopologyView() = default;

void TopologyView::setGraph(const TopologyGraph& graph) {
    const bool first = impl_->nodes_.empty();
    impl_->graph_ = graph;
    impl_->clearEdges();
    impl_->syncNodes(graph);
    impl_->sizeColumns();
    impl_->placeNodes();
    impl_->createEdges();
    impl_->resolveRoutes();
    impl_->applyEdgeStats();
    impl_->applyHighlight();
    impl_->updateSceneRect();
    if (first && !impl_->user_zoomed_) impl_->fitAll(kMinAutoScale);
}

void TopologyView::setEdgeStats(const std::map<EdgeKey, EdgeStats>& stats) {
    impl_->stats_ = stats;
    impl_->applyEdgeStats();
}

void TopologyView::setNodeHealth(const std::map<std::string, Health>& health) {
    for (auto& [id, node] : impl_->nodes_) {
        const auto it = health.find(id);
        node->setHealth(it == health.end() ? Health::Idle : it->second);
    }
}

void TopologyView::addFlows(const std::vector<Flow>& flows) {
    impl_->flows_received_ += flows.size();
    const double now = impl_->nowMs();
    for (const Flow& flow : flows) {
        if (FlowLayer::Route* route = impl_->routeFor(flow.path))
            impl_->flows_->addDot(*route, flow.status_class, flow.latency_ms, now);
    }
    if (impl_->flows_->dotCount() > 0 && !impl_->timer_.isActive()) {
        impl_->timer_.start();
        impl_->tick();
    }
}

void TopologyView::highlightPath(const std::vector<std::string>& node_ids) {
    impl_->highlighted_ = node_ids;
    impl_->applyHighlight();
}

QJsonObject TopologyView::positions() const {
    QJsonObject out;
    for (const auto& [id, at] : impl_->pinned_)
        out.insert(QString::fromStdString(id), QJsonArray{at.x(), at.y()});
    return out;
}

void TopologyView::setPositions(const QJsonObject& positions) {
    impl_->pinned_.clear();
    for (auto it = positions.begin(); it != positions.end(); ++it) {
        const QJsonArray at = it.value().toArray();
        if (at.size() == 2 && at[0].isDouble() && at[1].isDouble())
            impl_->pinned_[it.key().toStdString()] = QPointF(at[0].toDouble(), at[1].toDouble());
    }
    impl_->placeNodes();
    impl_->updateSceneRect();
}

void TopologyView::resetLayout() {
    impl_->pinned_.clear();
    impl_->placeNodes();
    impl_->updateSceneRect();
    if (!impl_->user_zoomed_) impl_->fitAll(kMinAutoScale);
    emit positionsChanged();
}

int TopologyView::nodeCount() const {
    return static_cast<int>(impl_->nodes_.size());
}
int TopologyView::edgeCount() const {
    return static_cast<int>(impl_->edges_.size());
}
int TopologyView::dotsInFlight() const {
    return impl_->flows_->dotCount();
}
std::uint64_t TopologyView::flowsReceived() const {
    return impl_->flows_received_;
}

QPointF TopologyView::nodeCenter(const QString& id) const {
    const auto it = impl_->nodes_.find(id.toStdString());
    return it == impl_->nodes_.end() ? QPointF() : it->second->pos();
}

QStringList TopologyView::edgeLabel(const QString& from, const QString& to) const {
    const auto it = impl_->edges_.find({from.toStdString(), to.toStdString()});
    return it == impl_->edges_.end() ? QStringList() : it->second->label()->lines();
}

std::unique_ptr<QMenu> TopologyView::contextMenuFor(const QString& id) {
    // No parent: the caller owns the menu, and may keep it past a graph change.
    auto menu = std::make_unique<QMenu>();
    const auto it = impl_->nodes_.find(id.toStdString());
    if (it == impl_->nodes_.end()) {
        impl_->addLayoutActions(*menu);
        return menu;
    }
    const TopologyNode& node = it->second->node();
    menu->addSection(QString::fromStdString(node.label));
    if (node.kind == NodeKind::Pod) {
        impl_->addPodActions(*menu, node);
    } else if (node.kind == NodeKind::Service) {
        const auto [ns, name] = namespacedName(node.id);
        impl_->addFaultActions(*menu, {cluster::Target::Kind::Service, ns, name}, true);
    } else {
        impl_->addLayoutActions(*menu);
    }
    return menu;
}

void TopologyView::contextMenuEvent(QContextMenuEvent* event) {
    NodeItem* node = impl_->nodeAt(event->pos());
    const QString id = node ? QString::fromStdString(node->node().id) : QString();
    contextMenuFor(id)->exec(event->globalPos());
    event->accept();
}

void TopologyView::mouseDoubleClickEvent(QMouseEvent* event) {
    if (NodeItem* node = impl_->nodeAt(event->position().toPoint())) {
        emit nodeActivated(QString::fromStdString(node->node().id));
        event->accept();
        return;
    }
    QGraphicsView::mouseDoubleClickEvent(event);
}

void TopologyView::wheelEvent(QWheelEvent* event) {
    if (!(event->modifiers() & Qt::ControlModifier)) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    const double now = transform().m11();
    const double wanted = std::clamp(now * std::pow(1.0015, event->angleDelta().y()), 0.1, 4.0);
    scale(wanted / now, wanted / now);  // anchored under the mouse (transformationAnchor)
    impl_->user_zoomed_ = true;
    event->accept();
}

void TopologyView::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange)
        impl_->applyTheme();
    QGraphicsView::changeEvent(event);
}

}  // namespace ilab::studio
