#include "app/studio/widgets/topology_view.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QGraphicsScene>
#include <QImage>
#include <QJsonArray>
#include <QMenu>
#include <QMouseEvent>
#include <QPalette>
#include <QWheelEvent>
#include <functional>
#include <optional>

#include <gtest/gtest.h>

#include "app/studio/widgets/topology_items.h"
#include "app/studio/widgets/topology_layout.h"

namespace ilab::studio {
namespace {

constexpr const char* kPodReady = "pod:shop/web-7d4f9-x2kq";
constexpr const char* kPodBroken = "pod:shop/web-7d4f9-b8zn";
constexpr const char* kPodCanary = "pod:shop/web-canary-5c6-q9";
constexpr const char* kRuleRoot = "rule:shop/web|shop.example.com|/";
constexpr const char* kRuleApi = "rule:shop/web|shop.example.com|/api";

TopologyNode node(const std::string& id, NodeKind kind, const std::string& label) {
    TopologyNode result;
    result.id = id;
    result.kind = kind;
    result.label = label;
    result.detail = label + "\n" + id;
    return result;
}

TopologyNode pod(const std::string& id, const std::string& name, const std::string& owner) {
    TopologyNode result = node(id, NodeKind::Pod, name);
    result.ns = "shop";
    result.owner_kind = "Deployment";
    result.owner_name = owner;
    result.phase = "Running";
    return result;
}

TopologyEdge edge(const std::string& from, const std::string& to, bool canary = false,
                  std::optional<double> configured_percent = std::nullopt) {
    return TopologyEdge{from, to, canary, configured_percent};
}

// client -> controller -> 2 rules -> web (90 %) and web-canary (10 %) -> 3 pods, one of them
// crash-looping, unready and with a latency fault; the second rule's Service "api" has no pods.
TopologyGraph labGraph() {
    TopologyGraph graph;
    graph.nodes.push_back(node("client", NodeKind::Client, "clients"));
    graph.nodes.push_back(node("controller", NodeKind::Controller, "ingress-nginx"));
    graph.nodes.push_back(node(kRuleRoot, NodeKind::Rule, "shop.example.com /"));
    graph.nodes.push_back(node(kRuleApi, NodeKind::Rule, "shop.example.com /api"));
    graph.nodes.push_back(node("svc:shop/web", NodeKind::Service, "web"));
    graph.nodes.push_back(node("svc:shop/web-canary", NodeKind::Service, "web-canary"));
    TopologyNode api = node("svc:shop/api", NodeKind::Service, "api");
    api.problem = "no ready endpoints";
    graph.nodes.push_back(api);
    graph.nodes.push_back(pod(kPodReady, "web-7d4f9-x2kq", "web"));
    TopologyNode broken = pod(kPodBroken, "web-7d4f9-b8zn", "web");
    broken.ready = false;
    broken.phase = "CrashLoopBackOff";
    broken.restarts = 3;
    broken.faults = {"latency 500 ms ± 100 ms"};
    broken.fault_ids = {7};
    graph.nodes.push_back(broken);
    graph.nodes.push_back(pod(kPodCanary, "web-canary-5c6-q9", "web-canary"));
    graph.edges = {edge("client", "controller"),
                   edge("controller", kRuleRoot),
                   edge("controller", kRuleApi),
                   edge(kRuleRoot, "svc:shop/web", false, 90.0),
                   edge(kRuleRoot, "svc:shop/web-canary", true, 10.0),
                   edge(kRuleApi, "svc:shop/api"),
                   edge("svc:shop/web", kPodReady),
                   edge("svc:shop/web", kPodBroken),
                   edge("svc:shop/web-canary", kPodCanary)};
    return graph;
}

// An edge's figures; 4xx only where a test asks for them.
EdgeStats figures(double rate, double errors_5xx, double p99_ms, std::optional<double> observed,
                  Health health, double errors_4xx = 0) {
    EdgeStats s;
    s.rate = rate;
    s.error_percent = errors_5xx;
    s.client_error_percent = errors_4xx;
    s.p99_ms = p99_ms;
    s.observed_percent = observed;
    s.health = health;
    return s;
}

Flow flowTo(const char* pod_id, int status_class = 2, double latency_ms = 5) {
    return Flow{
        {"client", "controller", kRuleRoot, "svc:shop/web", pod_id}, status_class, latency_ms};
}

// Processes events until `done` or the deadline: the animation lasts at most 3 s.
bool waitFor(const std::function<bool()>& done, int timeout_ms = 4000) {
    QElapsedTimer clock;
    clock.start();
    while (!done() && clock.elapsed() < timeout_ms)
        QApplication::processEvents(QEventLoop::AllEvents, 20);
    return done();
}

// Follows menu texts down submenus: {"Add latency", "500 ms"}.
QAction* findAction(QMenu* menu, const QStringList& texts) {
    for (QAction* action : menu->actions()) {
        if (action->text() != texts.front()) continue;
        if (texts.size() == 1) return action;
        return action->menu() ? findAction(action->menu(), texts.mid(1)) : nullptr;
    }
    return nullptr;
}

class TopologyViewTest : public ::testing::Test {
  protected:
    void SetUp() override {
        view_.resize(1200, 640);
        view_.setGraph(labGraph());
        QObject::connect(&view_, &TopologyView::faultRequested,
                         [this](const cluster::FaultSpec& fault) { fault_ = fault; });
    }

    std::optional<cluster::FaultSpec> trigger(const QString& node_id, const QStringList& texts) {
        std::unique_ptr<QMenu> menu = view_.contextMenuFor(node_id);
        QAction* action = findAction(menu.get(), texts);
        if (!action) return std::nullopt;
        fault_.reset();
        action->trigger();
        return fault_;
    }

    void sendMouse(QEvent::Type type, QPointF at, Qt::MouseButtons buttons) {
        QMouseEvent event(type, at, view_.viewport()->mapToGlobal(at), Qt::LeftButton, buttons,
                          Qt::NoModifier);
        QApplication::sendEvent(view_.viewport(), &event);
    }

    TopologyView view_;
    std::optional<cluster::FaultSpec> fault_;
};

TEST_F(TopologyViewTest, ShowsEveryNodeAndEdge) {
    EXPECT_EQ(view_.nodeCount(), 10);
    EXPECT_EQ(view_.edgeCount(), 9);
}

// Issue 14, item 7: "63.4/s · 0%" on an edge where 88% of the answers were 404.
TEST_F(TopologyViewTest, EdgeLabelsNameBoth5xxAnd4xx) {
    view_.setEdgeStats({{{"controller", kRuleApi}, figures(63.4, 0, 2.1, std::nullopt,
                                                           Health::Failure, 88)}});
    const QStringList lines = view_.edgeLabel("controller", kRuleApi);
    EXPECT_EQ(lines, (QStringList{"63.4/s · p99 2.1ms", "5xx 0% · 4xx 88%"}));
}

TEST_F(TopologyViewTest, LaysKindsOutInColumnsLeftToRight) {
    const double client = view_.nodeCenter("client").x();
    const double controller = view_.nodeCenter("controller").x();
    const double rule = view_.nodeCenter(kRuleRoot).x();
    const double service = view_.nodeCenter("svc:shop/web").x();
    const double pod_x = view_.nodeCenter(kPodReady).x();
    EXPECT_LT(client, controller);
    EXPECT_LT(controller, rule);
    EXPECT_LT(rule, service);
    EXPECT_LT(service, pod_x);
    EXPECT_DOUBLE_EQ(view_.nodeCenter(kRuleRoot).x(), view_.nodeCenter(kRuleApi).x());
    EXPECT_LT(view_.nodeCenter(kRuleRoot).y(), view_.nodeCenter(kRuleApi).y());
}

TEST_F(TopologyViewTest, UnattachedPodsShowAtTheBottomOfThePodColumn) {
    TopologyGraph graph = labGraph();
    graph.nodes.insert(graph.nodes.begin() + 6, pod("pod:shop/batch-1", "batch-1", "batch"));
    view_.setGraph(graph);
    EXPECT_EQ(view_.nodeCount(), 11);
    for (const char* id : {kPodReady, kPodBroken, kPodCanary})
        EXPECT_GT(view_.nodeCenter("pod:shop/batch-1").y(), view_.nodeCenter(id).y()) << id;
}

TEST_F(TopologyViewTest, SetGraphKeepsADraggedNodesPosition) {
    view_.show();
    int changes = 0;
    QObject::connect(&view_, &TopologyView::positionsChanged, [&changes] { ++changes; });
    const QPointF before = view_.nodeCenter("svc:shop/web");
    const QPointF press = view_.mapFromScene(before);
    sendMouse(QEvent::MouseButtonPress, press, Qt::LeftButton);
    sendMouse(QEvent::MouseMove, press + QPointF(0, 60), Qt::LeftButton);
    sendMouse(QEvent::MouseButtonRelease, press + QPointF(0, 60), Qt::NoButton);
    const QPointF dragged = view_.nodeCenter("svc:shop/web");
    ASSERT_GT(dragged.y(), before.y() + 20);
    EXPECT_EQ(changes, 1);

    TopologyGraph graph = labGraph();
    graph.nodes.push_back(pod("pod:shop/web-7d4f9-new1", "web-7d4f9-new1", "web"));
    graph.edges.push_back(edge("svc:shop/web", "pod:shop/web-7d4f9-new1"));
    view_.setGraph(graph);
    EXPECT_EQ(view_.nodeCenter("svc:shop/web"), dragged);
    EXPECT_TRUE(view_.positions().contains("svc:shop/web"));
}

TEST_F(TopologyViewTest, DoubleClickOnANodeActivatesIt) {
    view_.show();
    QString activated;
    QObject::connect(&view_, &TopologyView::nodeActivated,
                     [&activated](const QString& id) { activated = id; });
    const QPointF at = view_.mapFromScene(view_.nodeCenter(kPodCanary));
    sendMouse(QEvent::MouseButtonDblClick, at, Qt::LeftButton);
    EXPECT_EQ(activated, kPodCanary);
}

TEST_F(TopologyViewTest, CtrlWheelZoomsAndPlainWheelDoesNot) {
    view_.show();
    const auto wheel = [this](Qt::KeyboardModifiers modifiers) {
        const QPointF at(600, 320);
        QWheelEvent event(at, view_.viewport()->mapToGlobal(at), QPoint(), QPoint(0, 120),
                          Qt::NoButton, modifiers, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view_.viewport(), &event);
    };
    const double fitted = view_.transform().m11();
    wheel(Qt::NoModifier);
    EXPECT_DOUBLE_EQ(view_.transform().m11(), fitted);
    wheel(Qt::ControlModifier);
    EXPECT_GT(view_.transform().m11(), fitted * 1.1);
    const double zoomed = view_.transform().m11();
    view_.resize(900, 500);  // no refit once the user chose a zoom
    EXPECT_DOUBLE_EQ(view_.transform().m11(), zoomed);
}

TEST_F(TopologyViewTest, PositionsRoundTripThroughSetPositions) {
    QJsonObject saved;
    saved.insert("svc:shop/web", QJsonArray{900.0, 420.0});
    saved.insert("pod:shop/not-yet", QJsonArray{1200.0, 0.0});  // kept for when it appears
    view_.setPositions(saved);
    EXPECT_EQ(view_.nodeCenter("svc:shop/web"), QPointF(900, 420));
    EXPECT_EQ(view_.positions(), saved);

    TopologyView other;
    other.setPositions(view_.positions());
    other.setGraph(labGraph());
    EXPECT_EQ(other.nodeCenter("svc:shop/web"), QPointF(900, 420));
    EXPECT_EQ(other.nodeCenter(kPodReady), view_.nodeCenter(kPodReady));
}

TEST_F(TopologyViewTest, ResetLayoutForgetsDraggedPositions) {
    const QPointF automatic = view_.nodeCenter("svc:shop/web");
    view_.setPositions(QJsonObject{{"svc:shop/web", QJsonArray{900.0, 420.0}}});
    view_.resetLayout();
    EXPECT_EQ(view_.nodeCenter("svc:shop/web"), automatic);
    EXPECT_TRUE(view_.positions().isEmpty());
}

TEST_F(TopologyViewTest, DotsFollowFlowsAlongEdges) {
    view_.addFlows({flowTo(kPodReady), flowTo(kPodBroken, 5, 800)});
    EXPECT_EQ(view_.flowsReceived(), 2u);
    EXPECT_EQ(view_.dotsInFlight(), 2);
    EXPECT_TRUE(waitFor([this] { return view_.dotsInFlight() == 0; }));
}

TEST_F(TopologyViewTest, RequestsStoppedAtTheControllerBurstThereAndEnd) {
    view_.addFlows({Flow{{"client", "controller"}, 4, 1}});
    EXPECT_EQ(view_.dotsInFlight(), 1);
    EXPECT_TRUE(waitFor([this] { return view_.dotsInFlight() == 0; }));
}

TEST_F(TopologyViewTest, FlowsThroughUnknownNodesDrawNoDot) {
    view_.addFlows({Flow{{"client", "controller", "rule:nowhere"}, 2, 1},
                    Flow{{"client", "svc:shop/web"}, 2, 1},  // no such edge
                    Flow{{"client"}, 0, 0}});
    EXPECT_EQ(view_.flowsReceived(), 3u);
    EXPECT_EQ(view_.dotsInFlight(), 0);
}

TEST_F(TopologyViewTest, ThousandsOfFlowsAtOnceStayUnderTheCap) {
    std::vector<Flow> flows;
    for (int i = 0; i < 5000; ++i)
        flows.push_back(flowTo(i % 3 == 0 ? kPodReady : (i % 3 == 1 ? kPodBroken : kPodCanary)));
    view_.addFlows(flows);
    EXPECT_EQ(view_.flowsReceived(), 5000u);
    EXPECT_GT(view_.dotsInFlight(), 0);
    EXPECT_LE(view_.dotsInFlight(), 30);  // ~25 a second per path, queued 250 ms ahead at most
}

TEST_F(TopologyViewTest, PodMenuRequestsAFaultOnThePod) {
    const auto fault = trigger(kPodReady, {"Add latency", "500 ms"});
    ASSERT_TRUE(fault);
    EXPECT_EQ(fault->kind, cluster::FaultSpec::Kind::Latency);
    EXPECT_EQ(fault->target.kind, cluster::Target::Kind::Pod);
    EXPECT_EQ(fault->target.namespace_, "shop");
    EXPECT_EQ(fault->target.name, "web-7d4f9-x2kq");
    EXPECT_DOUBLE_EQ(fault->latency_ms, 500);
    EXPECT_DOUBLE_EQ(fault->jitter_ms, 100);

    const auto throttle = trigger(kPodReady, {"Throttle to 10 KiB/s"});
    ASSERT_TRUE(throttle);
    EXPECT_EQ(throttle->kind, cluster::FaultSpec::Kind::Throttle);
    EXPECT_EQ(throttle->bytes_per_second, 10240u);
}

TEST_F(TopologyViewTest, WorkloadSubmenuTargetsTheWorkload) {
    const auto fault =
        trigger(kPodBroken, {"Whole Deployment web", "Return errors", "500 for 50 %"});
    ASSERT_TRUE(fault);
    EXPECT_EQ(fault->kind, cluster::FaultSpec::Kind::Status);
    EXPECT_EQ(fault->target.kind, cluster::Target::Kind::Workload);
    EXPECT_EQ(fault->target.namespace_, "shop");
    EXPECT_EQ(fault->target.name, "web");
    EXPECT_EQ(fault->status, 500);
    EXPECT_DOUBLE_EQ(fault->probability, 0.5);
}

TEST_F(TopologyViewTest, ServiceMenuTargetsTheService) {
    const auto fault = trigger("svc:shop/web-canary", {"Return errors", "503 for all requests"});
    ASSERT_TRUE(fault);
    EXPECT_EQ(fault->target.kind, cluster::Target::Kind::Service);
    EXPECT_EQ(fault->target.namespace_, "shop");
    EXPECT_EQ(fault->target.name, "web-canary");
    EXPECT_EQ(fault->status, 503);
    EXPECT_DOUBLE_EQ(fault->probability, 1.0);
}

TEST_F(TopologyViewTest, ClearFaultsEmitsThePodsFaultIds) {
    std::vector<std::uint64_t> cleared;
    QObject::connect(&view_, &TopologyView::clearFaultsRequested,
                     [&cleared](const std::vector<std::uint64_t>& ids) { cleared = ids; });
    std::unique_ptr<QMenu> menu = view_.contextMenuFor(kPodBroken);
    QAction* clear = findAction(menu.get(), {"Clear faults (1)"});
    ASSERT_NE(clear, nullptr);
    clear->trigger();
    EXPECT_EQ(cleared, std::vector<std::uint64_t>{7});

    std::unique_ptr<QMenu> healthy = view_.contextMenuFor(kPodReady);
    QAction* none = findAction(healthy.get(), {"Clear faults (0)"});
    ASSERT_NE(none, nullptr);
    EXPECT_FALSE(none->isEnabled());
}

TEST_F(TopologyViewTest, FaultRequestsCrossQueuedConnections) {
    std::optional<cluster::FaultSpec> received;
    QObject::connect(
        &view_, &TopologyView::faultRequested, &view_,
        [&received](const cluster::FaultSpec& fault) { received = fault; }, Qt::QueuedConnection);
    trigger(kPodReady, {"Kill pod"});
    EXPECT_TRUE(waitFor([&received] { return received.has_value(); }, 1000));
    EXPECT_EQ(received->kind, cluster::FaultSpec::Kind::Kill);
}

TEST_F(TopologyViewTest, OtherNodesAndTheBackgroundOfferLayoutActions) {
    std::unique_ptr<QMenu> rule = view_.contextMenuFor(kRuleRoot);
    EXPECT_NE(findAction(rule.get(), {"Reset layout"}), nullptr);
    EXPECT_EQ(findAction(rule.get(), {"Kill pod"}), nullptr);
    std::unique_ptr<QMenu> background = view_.contextMenuFor(QString());
    EXPECT_NE(findAction(background.get(), {"Fit to window"}), nullptr);
}

// Stats, health, a highlighted path and dots in flight: the picture a user watches.
QImage renderLiveLab(TopologyView& view) {
    view.setNodeHealth({{"client", Health::Healthy},
                        {"controller", Health::Healthy},
                        {kRuleRoot, Health::Degraded},
                        {"svc:shop/web", Health::Degraded},
                        {"svc:shop/web-canary", Health::Healthy},
                        {kPodReady, Health::Healthy},
                        {kPodBroken, Health::Failure},
                        {kPodCanary, Health::Healthy}});
    std::map<EdgeKey, EdgeStats> stats;
    stats[{"client", "controller"}] = figures(130.2, 2.3, 48, std::nullopt, Health::Degraded);
    stats[{"controller", kRuleRoot}] = figures(112.5, 2.7, 51, std::nullopt, Health::Degraded);
    stats[{"controller", kRuleApi}] = figures(17.7, 100, 1, std::nullopt, Health::Failure);
    stats[{kRuleRoot, "svc:shop/web"}] = figures(101.6, 3, 55, 90.3, Health::Degraded);
    stats[{kRuleRoot, "svc:shop/web-canary"}] = figures(10.9, 0, 19, 9.7, Health::Healthy);
    stats[{"svc:shop/web", kPodReady}] = figures(117.3, 0.4, 21, std::nullopt, Health::Degraded);
    stats[{"svc:shop/web", kPodBroken}] = figures(2, 100, 510, std::nullopt, Health::Failure);
    view.setEdgeStats(stats);
    view.highlightPath({"client", "controller", kRuleRoot, "svc:shop/web-canary", kPodCanary});
    std::vector<Flow> flows;
    for (int i = 0; i < 40; ++i) {
        flows.push_back(flowTo(kPodReady, 2, 20));
        flows.push_back(flowTo(kPodBroken, 5, 400));
        flows.push_back(Flow{{"client", "controller"}, 4, 1});
        flows.push_back(Flow{{"client", "controller", kRuleApi, "svc:shop/api"}, 5, 1});
    }
    view.addFlows(flows);
    waitFor([] { return false; }, 400);  // let the dots spread along the edges
    return view.grab().toImage();
}

int pixelsUnlike(const QImage& image, QRgb background) {
    int differing = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x)
            differing += image.pixel(x, y) != background ? 1 : 0;
    }
    return differing;
}

// Renders are kept for a look only when asked: ILAB_TEST_ARTIFACTS=<folder>.
void saveArtifact(const QImage& image, const QString& name) {
    const QString dir = qEnvironmentVariable("ILAB_TEST_ARTIFACTS");
    if (!dir.isEmpty()) image.save(dir + "/" + name);
}

TEST_F(TopologyViewTest, RendersALegibleGraphInLightAndDarkThemes) {
    view_.show();
    const QImage light = renderLiveLab(view_);
    ASSERT_FALSE(light.isNull());
    saveArtifact(light, "topology_view_test.png");
    const QRgb light_base = view_.palette().color(QPalette::Base).rgb();
    EXPECT_GT(pixelsUnlike(light, light_base), light.width() * light.height() / 50);

    QPalette dark = view_.palette();
    dark.setColor(QPalette::Window, QColor(0x1e, 0x1f, 0x22));
    dark.setColor(QPalette::Base, QColor(0x15, 0x16, 0x18));
    dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
    dark.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
    view_.setPalette(dark);
    const QImage night = renderLiveLab(view_);
    saveArtifact(night, "topology_view_test_dark.png");
    EXPECT_EQ(night.pixel(2, 2) & 0xffffff, 0x151618u);  // the background follows the palette
    EXPECT_GT(pixelsUnlike(night, QColor(0x15, 0x16, 0x18).rgb()),
              night.width() * night.height() / 50);
}

// Issue 14, item 9: where the canary edge crosses its main Service's, the two labels covered
// each other. As in the shop, a second rule also routes to the main Service, so the first
// rule's label for it sits mid-way, where the canary's edge crosses. No label may cover
// another label or a node.
TEST_F(TopologyViewTest, EdgeLabelsCoverNoOtherLabelAndNoNode) {
    TopologyGraph graph = labGraph();
    graph.edges.push_back(edge(kRuleApi, "svc:shop/web"));
    view_.setGraph(graph);
    std::map<EdgeKey, EdgeStats> stats;
    for (const TopologyEdge& e : graph.edges)
        stats[{e.from, e.to}] = figures(38.4, 0.4, 36, e.configured_percent ? std::optional(91.4) : std::nullopt,
                                        Health::Healthy, 1.2);
    view_.setEdgeStats(stats);
    std::vector<QRectF> nodes, labels;
    for (QGraphicsItem* item : view_.scene()->items()) {
        if (item->type() == NodeItem::Type) nodes.push_back(item->mapToScene(item->shape()).boundingRect());
        if (dynamic_cast<EdgeLabelItem*>(item) && !item->boundingRect().isEmpty())
            labels.push_back(item->sceneBoundingRect());
    }
    ASSERT_EQ(labels.size(), graph.edges.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        for (std::size_t j = i + 1; j < labels.size(); ++j)
            EXPECT_FALSE(labels[i].intersects(labels[j])) << "labels " << i << " and " << j;
        for (const QRectF& node : nodes)
            EXPECT_FALSE(labels[i].intersects(node)) << "label " << i;
    }
}

// `services` Services of `pods` pods each, every pod edge labelled, and one stray pod.
struct BigLab {
    TopologyGraph graph;
    std::map<EdgeKey, EdgeStats> stats;
    std::vector<std::vector<std::string>> pod_paths;
};

BigLab bigLab(int services, int pods) {
    BigLab lab;
    lab.graph.nodes.push_back(node("client", NodeKind::Client, "clients"));
    lab.graph.nodes.push_back(node("controller", NodeKind::Controller, "ingress-nginx"));
    lab.graph.edges.push_back(edge("client", "controller"));
    for (int s = 0; s < services; ++s) {
        const std::string app = "app" + std::to_string(s);
        const std::string rule = "rule:shop/" + app + "|shop.example.com|/" + app;
        const std::string service = "svc:shop/" + app;
        lab.graph.nodes.push_back(node(rule, NodeKind::Rule, "shop.example.com /" + app));
        lab.graph.nodes.push_back(node(service, NodeKind::Service, app));
        lab.graph.edges.push_back(edge("controller", rule));
        lab.graph.edges.push_back(edge(rule, service));
        for (int p = 0; p < pods; ++p) {
            const std::string name = app + "-6f9c8d7b5-" + std::to_string(10000 + p);
            const std::string id = "pod:shop/" + name;
            lab.graph.nodes.push_back(pod(id, name, app));
            lab.graph.edges.push_back(edge(service, id));
            lab.stats[{service, id}] = figures(12.3 + p, 0.4, 21, std::nullopt, Health::Healthy);
            lab.pod_paths.push_back({"client", "controller", rule, service, id});
        }
    }
    lab.graph.nodes.push_back(pod("pod:shop/stray-1", "stray-1", "stray"));
    return lab;
}

// Four Services of ten pods: the busiest column we promise to keep readable.
TEST(TopologyViewLayoutTest, FortyPodsLayOutWithoutOverlaps) {
    TopologyView view;
    view.resize(1200, 900);
    view.show();
    const BigLab lab = bigLab(4, 10);
    view.setGraph(lab.graph);
    view.setEdgeStats(lab.stats);

    std::vector<QRectF> boxes;  // nodes and edge labels, as drawn
    for (QGraphicsItem* item : view.scene()->items()) {
        if (item->type() == NodeItem::Type || dynamic_cast<EdgeLabelItem*>(item))
            if (!item->boundingRect().isEmpty())
                boxes.push_back(item->mapToScene(item->shape()).boundingRect());
    }
    ASSERT_EQ(boxes.size(), 51u + 40u);  // every pod edge has a label
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        for (std::size_t j = i + 1; j < boxes.size(); ++j)
            EXPECT_FALSE(boxes[i].intersects(boxes[j]))
                << i << " " << j << ": (" << boxes[i].x() << ", " << boxes[i].y() << ", "
                << boxes[i].width() << " x " << boxes[i].height() << ") and (" << boxes[j].x()
                << ", " << boxes[j].y() << ", " << boxes[j].width() << " x " << boxes[j].height()
                << ")";
    }
}

NodeItem* nodeItem(TopologyView& view, const std::string& id) {
    for (QGraphicsItem* item : view.scene()->items())
        if (item->type() == NodeItem::Type && static_cast<NodeItem*>(item)->node().id == id)
            return static_cast<NodeItem*>(item);
    return nullptr;
}

// Issue 14, item 9: pod names were cut in the middle ("storefront-…5647d-smpxh"). Columns take
// their longest name; a name too long even for that is cut at its end, whole in the tooltip.
TEST(TopologyViewLayoutTest, NamesShowWholeAndTooltipsStartWithThem) {
    TopologyView view;
    view.resize(1000, 400);
    TopologyGraph graph = labGraph();
    const std::string pod_name = "storefront-7f7bf5647d-smpxh";
    const std::string huge = "a-workload-with-a-name-far-longer-than-any-column-may-grow-7f7bf5647d-x";
    graph.nodes.push_back(pod("pod:shop/" + pod_name, pod_name, "storefront"));
    graph.nodes.push_back(pod("pod:shop/" + huge, huge, "huge"));
    view.setGraph(graph);
    NodeItem* fits = nodeItem(view, "pod:shop/" + pod_name);
    NodeItem* cut = nodeItem(view, "pod:shop/" + huge);
    ASSERT_NE(fits, nullptr);
    ASSERT_NE(cut, nullptr);
    EXPECT_EQ(fits->elidedLabel(), QString());
    EXPECT_TRUE(cut->elidedLabel().endsWith(QChar(0x2026))) << cut->elidedLabel().toStdString();
    EXPECT_TRUE(cut->toolTip().startsWith(QString::fromStdString(huge))) << cut->toolTip().toStdString();
    EXPECT_EQ(fits->width(), cut->width());  // one column, one width
}

// Issue 14, item 9: the shop's graph was drawn at half size (names about 6 px) in a laptop's
// view. Fitted, it stays at 70 % or more and every node is in sight.
TEST(TopologyViewLayoutTest, AShopSizedGraphFitsALaptopsViewReadably) {
    TopologyView view;
    view.resize(1010, 330);  // the topology's share of a 1366×768 window
    view.show();
    const BigLab lab = bigLab(4, 2);
    view.setGraph(lab.graph);
    view.setEdgeStats(lab.stats);
    QApplication::processEvents();
    EXPECT_GE(view.transform().m11(), 0.7);
    const QRect visible = view.viewport()->rect();
    for (QGraphicsItem* item : view.scene()->items()) {
        if (item->type() != NodeItem::Type) continue;
        const QRect at = view.mapFromScene(item->sceneBoundingRect()).boundingRect();
        EXPECT_TRUE(visible.contains(at)) << static_cast<NodeItem*>(item)->node().id;
    }
}

TEST(TopologyViewLayoutTest, DotsInFlightNeverExceedTheCap) {
    TopologyView view;
    const BigLab lab = bigLab(2, 100);
    view.setGraph(lab.graph);
    std::vector<Flow> flows;
    for (std::size_t i = 0; i < 20000; ++i)
        flows.push_back(Flow{lab.pod_paths[i % lab.pod_paths.size()], 2, 10});
    view.addFlows(flows);
    EXPECT_EQ(view.flowsReceived(), 20000u);
    EXPECT_EQ(view.dotsInFlight(), 600);  // 200 paths would want 1,400
}

TEST(TopologyLayoutTest, SpaceOutKeepsOrderAndSpacingClosestToTheWish) {
    EXPECT_EQ(spaceOut({0, 0, 0}, 10), (std::vector<double>{-10, 0, 10}));
    EXPECT_EQ(spaceOut({0, 100, 105}, 10), (std::vector<double>{0, 97.5, 107.5}));
    EXPECT_EQ(spaceOut({-50, 50}, 10), (std::vector<double>{-50, 50}));
}

}  // namespace
}  // namespace ilab::studio
