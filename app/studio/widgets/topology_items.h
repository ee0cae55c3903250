#pragma once
// The topology view's scene items: a node, an edge with its label, and the flow layer that
// draws every request dot in one paint() so thousands of requests a second stay cheap.
// GUI thread only.
#include <QBrush>
#include <QColor>
#include <QFont>
#include <QGraphicsItem>
#include <QPainterPath>
#include <QPen>
#include <QStringList>
#include <array>
#include <functional>
#include <vector>

#include "app/studio/models/workbench_types.h"

class QPalette;

namespace ilab::studio {

// Colours and fonts from the widget's palette, so light and dark themes both read well.
struct Theme {
    QColor base, text, muted, idle, highlight, problem;
    QFont label_font, caption_font, badge_font, edge_font;
    static Theme fromPalette(const QPalette& palette, const QFont& font);
};

QColor healthColor(Health health, const Theme& theme);
QColor statusClassColor(int status_class);

class EdgeItem;

// A node drawn around its centre (pos() is the centre). Movable; tells `on_dragged` when a
// drag ends somewhere new.
class NodeItem : public QGraphicsItem {
  public:
    enum { Type = UserType + 1 };
    NodeItem(const TopologyNode& node, const Theme& theme);

    void setNode(const TopologyNode& node);
    const TopologyNode& node() const { return node_; }
    // The width that shows this node's name and caption whole (clamped to the layout's
    // limits); the view gives every node of a column the widest of these.
    static double wantedWidth(const TopologyNode& node, const Theme& theme);
    void setWidth(double width);
    double width() const { return width_; }
    // The name as drawn, "" when it fits; the tooltip always starts with the full name.
    QString elidedLabel() const;
    void setHealth(Health health);
    void setHighlighted(bool highlighted);
    void attach(EdgeItem* edge) { edges_.push_back(edge); }
    void detachEdges() { edges_.clear(); }
    QPointF leftAnchor() const;
    QPointF rightAnchor() const;

    std::function<void(NodeItem*)> on_dragged;

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;  // the frame: badges and outline do not catch clicks
    void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override;

  protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override;

  private:
    QRectF frame() const;
    double radius() const;
    QColor accent() const;
    void paintIcon(QPainter* painter, const QRectF& frame) const;
    void paintText(QPainter* painter, const QRectF& frame) const;
    void paintBadges(QPainter* painter, const QRectF& frame) const;
    QString caption() const;
    QStringList labelLines() const;  // a rule shows its host and path on two lines
    QRectF textArea(const QRectF& frame) const;
    void updateToolTip();

    TopologyNode node_;
    double width_ = 0;
    const Theme* theme_;
    Health health_ = Health::Idle;
    bool highlighted_ = false;
    QPointF press_pos_;
    std::vector<EdgeItem*> edges_;
};

// Rate, errors, p99 and a split's shares, on a plate so lines crossing it do not hide it.
class EdgeLabelItem : public QGraphicsItem {
  public:
    explicit EdgeLabelItem(const Theme& theme);
    void setLines(const QStringList& lines);
    const QStringList& lines() const { return lines_; }
    void setAnchor(QPointF on_line);
    QRectF boundingRect() const override { return rect_; }
    void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override;

  private:
    const Theme* theme_;
    QStringList lines_;
    QRectF rect_;  // around (0,0)
    QPointF anchor_;
};

// A gentle cubic curve from the right side of one node to the left side of the next. Owns
// its label, a separate top-level item so every label sits above every edge.
class EdgeItem : public QGraphicsItem {
  public:
    EdgeItem(const TopologyEdge& edge, NodeItem* from, NodeItem* to, const Theme& theme);
    ~EdgeItem() override;

    EdgeLabelItem* label() const { return label_; }
    void setStats(const EdgeStats& stats);
    void setHighlighted(bool highlighted);
    // Where edges fan out, labels sit beside the spread-out end, so each is next to its node.
    enum class LabelPlace { Middle, NearSource, NearTarget };
    void setLabelPlace(LabelPlace place);
    void updateGeometry();            // after either node moved
    QPointF pointAt(double t) const;  // on the curve, t in [0, 1]
    QPointF end() const { return p_[3]; }

    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override;

  private:
    QStringList labelLines() const;
    void placeLabel();
    double yAtX(double x) const;

    TopologyEdge edge_;
    NodeItem* from_;
    NodeItem* to_;
    const Theme* theme_;
    EdgeLabelItem* label_;
    EdgeStats stats_;
    bool highlighted_ = false;
    LabelPlace label_place_ = LabelPlace::Middle;
    QPointF p_[4];  // Bezier control points
    QPainterPath path_;
};

// Every request dot in flight, advanced by the view's timer. Dots of one route (a node path)
// start at least kDotSpacingMs apart and queue at most kMaxQueueMs ahead: that caps each path
// at about 25 new dots a second however many requests arrive.
class FlowLayer : public QGraphicsItem {
  public:
    struct Route {
        std::vector<std::string> path;
        std::vector<const EdgeItem*> edges;  // empty: no longer in the graph
        bool stops_early = false;            // ends before a pod: bursts where it stopped
        double next_start_ms = 0;
    };
    static constexpr int kMaxDots = 600;

    FlowLayer();
    void setRect(const QRectF& rect);
    // False when the route or the layer is full (the flow is counted but not drawn).
    bool addDot(Route& route, int status_class, double latency_ms, double now_ms);
    void dropRoute(const Route* route);
    // Moves the dots to `now_ms` and repaints what changed; false once none remain.
    bool advance(double now_ms);
    int dotCount() const { return static_cast<int>(dots_.size()); }

    QRectF boundingRect() const override { return rect_; }
    void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override;

  private:
    struct Dot {
        const Route* route;
        double start_ms;
        double duration_ms;
        int status_class;
    };
    struct Mark {  // one dot or burst as drawn this frame
        QPointF at;
        int status_class;
        double opacity, radius, ring;
    };
    QPointF positionOf(const Dot& dot, double progress) const;

    QRectF rect_;
    std::vector<Dot> dots_;
    std::vector<Mark> marks_;        // reused every frame
    std::array<QBrush, 6> brushes_;  // by status class: paint() allocates nothing
    std::array<QPen, 6> pens_;
    QRectF dirty_;  // where the last frame drew
};

}  // namespace ilab::studio
