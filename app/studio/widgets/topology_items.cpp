#include "app/studio/widgets/topology_items.h"

#include <QCursor>
#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QPainter>
#include <QPalette>
#include <algorithm>
#include <cmath>

#include "app/studio/widgets/topology_layout.h"

namespace ilab::studio {
namespace {

constexpr double kBurstMs = 450;      // how long a stopped request's burst lasts
constexpr double kDotSpacingMs = 40;  // 25 dots a second per route
constexpr double kMaxQueueMs = 250;
constexpr double kDotRadius = 3.5;

QColor mix(const QColor& a, const QColor& b, double b_share) {
    const auto blend = [b_share](float x, float y) {
        return static_cast<float>(x * (1 - b_share) + y * b_share);
    };
    return QColor::fromRgbF(blend(a.redF(), b.redF()), blend(a.greenF(), b.greenF()),
                            blend(a.blueF(), b.blueF()));
}

QColor withAlpha(QColor color, double alpha) {
    color.setAlphaF(static_cast<float>(std::clamp(alpha, 0.0, 1.0)));
    return color;
}

// Kiali's edge speed idea: slow answers travel visibly slower, but never stall the picture.
double travelMs(double latency_ms) {
    const double ms = 600 + 800 * std::log10(1 + std::max(latency_ms, 0.0) / 10);
    return std::clamp(ms, 600.0, 3000.0);
}

QString formatNumber(double value, int decimals_below_100) {
    return QString::number(value, 'f', value < 100 ? decimals_below_100 : 0);
}

QString formatRate(double rate) {
    if (rate >= 10000) return formatNumber(rate / 1000, 1) + QStringLiteral("k/s");
    return formatNumber(rate, 1) + QStringLiteral("/s");
}

QString formatMs(double ms) {
    if (ms >= 1000) return QString::number(ms / 1000, 'f', 1) + QStringLiteral("s");
    return formatNumber(ms, ms < 10 ? 1 : 0) + QStringLiteral("ms");
}

QString formatPercent(double percent) {
    return QString::number(percent, 'g', 3) + '%';
}

}  // namespace

Theme Theme::fromPalette(const QPalette& palette, const QFont& font) {
    Theme theme;
    theme.base = palette.color(QPalette::Base);
    theme.text = palette.color(QPalette::Text);
    theme.muted = mix(theme.text, theme.base, 0.35);
    theme.idle = mix(theme.text, theme.base, 0.55);  // a mid grey in light and dark themes
    theme.highlight = palette.color(QPalette::Highlight);
    theme.problem = QColor(0xc9, 0x19, 0x0b);
    // Sizes in scene units: the view fits the graph at 70 % to 100 %, so 13 px names stay
    // 9 px or more on screen.
    theme.label_font = font;
    theme.label_font.setPixelSize(13);
    theme.label_font.setWeight(QFont::Medium);
    theme.caption_font = font;
    theme.caption_font.setPixelSize(11);
    theme.badge_font = theme.caption_font;
    theme.badge_font.setBold(true);
    theme.edge_font = font;
    theme.edge_font.setPixelSize(11);
    return theme;
}

QColor healthColor(Health health, const Theme& theme) {
    // Kiali's health colours; Idle follows the theme.
    static const QColor kColors[] = {QColor(), QColor(0x3e8635u), QColor(0xf0ab00u),
                                     QColor(0xc9190bu)};
    return health == Health::Idle ? theme.idle : kColors[static_cast<int>(health)];
}

QColor statusClassColor(int status_class) {
    // PatternFly's: 2xx green, 3xx blue, 4xx orange, 5xx red; no answer grey.
    static const QColor kColors[] = {QColor(0x8a8d90u), QColor(0x8a8d90u), QColor(0x3e8635u),
                                     QColor(0x0066ccu), QColor(0xec7a08u), QColor(0xc9190bu)};
    return kColors[status_class >= 0 && status_class <= 5 ? status_class : 0];
}

// ---- NodeItem ----

NodeItem::NodeItem(const TopologyNode& node, const Theme& theme)
    : node_(node), width_(nodeSize(node.kind).width()), theme_(&theme) {
    setFlags(ItemIsMovable | ItemSendsGeometryChanges);
    setCacheMode(DeviceCoordinateCache);  // repainting text at 30 fps is the costly part
    setCursor(Qt::PointingHandCursor);    // the background pans: show nodes are handles
    setZValue(2);
    updateToolTip();
}

void NodeItem::setNode(const TopologyNode& node) {
    if (node.kind != node_.kind) prepareGeometryChange();
    node_ = node;
    updateToolTip();
    update();
}

void NodeItem::setHealth(Health health) {
    if (health == health_) return;
    health_ = health;
    update();
}

void NodeItem::setHighlighted(bool highlighted) {
    if (highlighted == highlighted_) return;
    highlighted_ = highlighted;
    update();
}

QPointF NodeItem::leftAnchor() const {
    return pos() + QPointF(frame().left(), 0);
}
QPointF NodeItem::rightAnchor() const {
    return pos() + QPointF(frame().right(), 0);
}

QRectF NodeItem::frame() const {
    const double height = nodeHeight(node_.kind);
    return QRectF(-width_ / 2, -height / 2, width_, height);
}

void NodeItem::setWidth(double width) {
    if (width == width_) return;
    prepareGeometryChange();
    width_ = width;
    for (EdgeItem* edge : edges_)
        edge->updateGeometry();
}

double NodeItem::wantedWidth(const TopologyNode& node, const Theme& theme) {
    NodeItem probe(node, theme);
    const QFontMetricsF label(theme.label_font), caption(theme.caption_font);
    double text = 0;
    for (const QString& line : probe.labelLines())
        text = std::max(text, label.horizontalAdvance(line));
    text = std::max(text, caption.horizontalAdvance(probe.caption()));
    const QRectF area = probe.textArea(probe.frame());
    const double padding = probe.frame().width() - area.width();  // icon, margins, badges
    return std::clamp(std::ceil(text + padding + 2), kMinNodeWidth, kMaxNodeWidth);
}

QRectF NodeItem::boundingRect() const {
    return frame().adjusted(-6, -12, 12, 6);
}

double NodeItem::radius() const {
    return node_.kind == NodeKind::Pod ? frame().height() / 2 : 8;
}

QPainterPath NodeItem::shape() const {
    QPainterPath path;
    path.addRoundedRect(frame(), radius(), radius());
    return path;
}

QColor NodeItem::accent() const {
    return healthColor(health_, *theme_);
}

void NodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
    painter->setRenderHint(QPainter::Antialiasing);
    const QRectF box = frame();
    const bool pod = node_.kind == NodeKind::Pod;
    if (highlighted_) {
        painter->setPen(QPen(theme_->highlight, 3));
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(box.adjusted(-4, -4, 4, 4), radius() + 4, radius() + 4);
    }
    QPen border(accent(), 1.6);
    if (!node_.problem.empty()) border = QPen(theme_->problem, 2, Qt::DashLine);
    if (pod && !node_.ready) border.setStyle(Qt::DashLine);
    painter->setPen(border);
    const double tint = pod ? (node_.ready ? 0.18 : 0.0) : 0.06;  // unready pods are hollow
    painter->setBrush(mix(theme_->base, accent(), tint));
    painter->drawRoundedRect(box, radius(), radius());
    paintIcon(painter, box);
    paintText(painter, box);
    paintBadges(painter, box);
}

void NodeItem::paintIcon(QPainter* painter, const QRectF& box) const {
    const QPointF centre(box.left() + 16, 0);
    if (node_.kind == NodeKind::Pod) {  // a readiness dot: filled when ready
        painter->setPen(QPen(accent(), 1.5));
        painter->setBrush(node_.ready ? QBrush(accent()) : QBrush(Qt::NoBrush));
        painter->drawEllipse(centre, 4.5, 4.5);
        return;
    }
    static const char* const kLetters[] = {"C", "IC", "R", "S", "P"};
    painter->setPen(Qt::NoPen);
    painter->setBrush(mix(theme_->base, theme_->text, 0.09));
    painter->drawEllipse(centre, 11, 11);
    painter->setPen(theme_->muted);
    painter->setFont(theme_->badge_font);
    painter->drawText(QRectF(centre.x() - 11, -11, 22, 22), Qt::AlignCenter,
                      QString::fromLatin1(kLetters[static_cast<int>(node_.kind)]));
}

QString NodeItem::caption() const {
    if (!node_.problem.empty()) return QString::fromStdString(node_.problem);
    switch (node_.kind) {
        case NodeKind::Client:
            return QStringLiteral("client");
        case NodeKind::Controller:
            return QStringLiteral("ingress controller");
        case NodeKind::Rule:
            return QStringLiteral("Ingress rule");
        case NodeKind::Service:
            return QStringLiteral("Service");
        case NodeKind::Pod:
            break;
    }
    QString text;
    if (!node_.ready) {
        const bool running = node_.phase.empty() || node_.phase == "Running";
        text = running ? QStringLiteral("not ready") : QString::fromStdString(node_.phase);
    } else if (!node_.phase.empty() && node_.phase != "Running") {
        text = QString::fromStdString(node_.phase);
    }
    if (node_.restarts > 0) {
        if (!text.isEmpty()) text += QStringLiteral("  ");
        text += QStringLiteral("↻%1").arg(node_.restarts);
    }
    return text;
}

QStringList NodeItem::labelLines() const {
    const QString label = QString::fromStdString(node_.label);
    // "shop.local /catalog": the host above its path, as narrow as the longer of the two.
    // A rule that cannot serve keeps one line, its problem below.
    const qsizetype space = label.indexOf(' ');
    if (node_.kind == NodeKind::Rule && node_.problem.empty() && space > 0)
        return {label.left(space), label.mid(space + 1)};
    return {label};
}

QRectF NodeItem::textArea(const QRectF& box) const {
    const bool badges = !node_.faults.empty() || !node_.problem.empty();
    return QRectF(box.left() + 32, box.top(), box.width() - (badges ? 52 : 42), box.height());
}

QString NodeItem::elidedLabel() const {
    const double room = textArea(frame()).width();
    const QFontMetricsF metrics(theme_->label_font);
    for (const QString& line : labelLines())
        if (metrics.horizontalAdvance(line) > room) return metrics.elidedText(line, Qt::ElideRight, room);
    return {};
}

void NodeItem::paintText(QPainter* painter, const QRectF& box) const {
    const QRectF area = textArea(box);
    // Columns are as wide as their longest name (up to kMaxNodeWidth), so this cuts only a
    // very long name, at its end; the tooltip has it whole.
    const QFontMetricsF metrics(theme_->label_font);
    const QStringList lines = labelLines();
    const QString label = metrics.elidedText(lines.front(), Qt::ElideRight, area.width());
    QString sub = lines.size() > 1 ? metrics.elidedText(lines[1], Qt::ElideRight, area.width())
                                   : QFontMetricsF(theme_->caption_font)
                                         .elidedText(caption(), Qt::ElideRight, area.width());
    if (lines.size() > 1) {  // a rule's host (muted) above its path
        const double half = area.height() / 2;
        painter->setFont(theme_->caption_font);
        painter->setPen(theme_->muted);
        painter->drawText(area.adjusted(0, 2, 0, -half + 2), Qt::AlignLeft | Qt::AlignBottom,
                          QFontMetricsF(theme_->caption_font)
                              .elidedText(lines.front(), Qt::ElideRight, area.width()));
        painter->setFont(theme_->label_font);
        painter->setPen(theme_->text);
        painter->drawText(area.adjusted(0, half + 1, 0, 0), Qt::AlignLeft | Qt::AlignTop, sub);
        return;
    }
    painter->setFont(theme_->label_font);
    painter->setPen(theme_->text);
    if (sub.isEmpty()) {
        painter->drawText(area, Qt::AlignLeft | Qt::AlignVCenter, label);
        return;
    }
    const double half = area.height() / 2;
    painter->drawText(area.adjusted(0, 2, 0, -half + 2), Qt::AlignLeft | Qt::AlignBottom, label);
    painter->setFont(theme_->caption_font);
    painter->setPen(node_.problem.empty() ? theme_->muted : theme_->problem);
    painter->drawText(area.adjusted(0, half + 1, 0, 0), Qt::AlignLeft | Qt::AlignTop, sub);
}

void NodeItem::paintBadges(QPainter* painter, const QRectF& box) const {
    double right = box.right() + 6;
    painter->setFont(theme_->badge_font);
    if (!node_.faults.empty()) {
        const QString text = QStringLiteral("⚡%1").arg(node_.faults.size());
        const double width = QFontMetricsF(theme_->badge_font).horizontalAdvance(text) + 10;
        const QRectF badge(right - width, box.top() - 8, width, 16);
        painter->setPen(Qt::NoPen);
        painter->setBrush(QColor(0xec, 0x7a, 0x08));
        painter->drawRoundedRect(badge, 8, 8);
        painter->setPen(Qt::white);
        painter->drawText(badge, Qt::AlignCenter, text);
        right = badge.left() - 3;
    }
    if (!node_.problem.empty()) {  // a warning triangle with "!"
        const QPointF tip(right - 8, box.top() - 9);
        const QPolygonF triangle{tip, tip + QPointF(8, 15), tip + QPointF(-8, 15)};
        painter->setPen(QPen(theme_->base, 1));
        painter->setBrush(theme_->problem);
        painter->drawPolygon(triangle);
        painter->setPen(Qt::white);
        painter->drawText(QRectF(tip.x() - 8, tip.y() + 3, 16, 12), Qt::AlignCenter, "!");
    }
}

void NodeItem::updateToolTip() {
    // The full name first: a cut name must be readable somewhere.
    const QString label = QString::fromStdString(node_.label);
    QString tip = QString::fromStdString(node_.detail);
    if (!tip.contains(label)) tip = label + "\n" + tip;
    if (!node_.problem.empty()) tip += "\n⚠ " + QString::fromStdString(node_.problem);
    if (!node_.faults.empty()) tip += QStringLiteral("\nActive faults:");
    for (const std::string& fault : node_.faults)
        tip += "\n⚡ " + QString::fromStdString(fault);
    setToolTip(tip.trimmed());
}

QVariant NodeItem::itemChange(GraphicsItemChange change, const QVariant& value) {
    if (change == ItemPositionHasChanged) {
        for (EdgeItem* edge : edges_)
            edge->updateGeometry();
    }
    return QGraphicsItem::itemChange(change, value);
}

void NodeItem::mousePressEvent(QGraphicsSceneMouseEvent* event) {
    press_pos_ = pos();
    QGraphicsItem::mousePressEvent(event);
}

void NodeItem::mouseReleaseEvent(QGraphicsSceneMouseEvent* event) {
    QGraphicsItem::mouseReleaseEvent(event);
    if (pos() != press_pos_ && on_dragged) on_dragged(this);
}

// ---- EdgeLabelItem ----

EdgeLabelItem::EdgeLabelItem(const Theme& theme) : theme_(&theme) {
    setZValue(4);  // above the dots: a busy edge must not hide its own figures
    setAcceptedMouseButtons(Qt::NoButton);
}

void EdgeLabelItem::setLines(const QStringList& lines) {
    if (lines == lines_) return;
    prepareGeometryChange();
    lines_ = lines;
    const QFontMetricsF metrics(theme_->edge_font);
    double width = 0;
    for (const QString& line : lines_)
        width = std::max(width, metrics.horizontalAdvance(line));
    const double height = metrics.height() * static_cast<double>(lines_.size());
    rect_ = lines_.isEmpty() ? QRectF()
                             : QRectF(-width / 2 - 5, -height / 2 - 2, width + 10, height + 4);
    setAnchor(anchor_);
    update();
}

// Just above the line, so the line and its dots stay visible under a label.
void EdgeLabelItem::setAnchor(QPointF on_line) {
    anchor_ = on_line;
    setPos(on_line - QPointF(0, rect_.bottom() + 2));
}

void EdgeLabelItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
    if (lines_.isEmpty()) return;
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(QPen(withAlpha(theme_->idle, 0.5), 0.8));
    painter->setBrush(withAlpha(theme_->base, 0.88));
    painter->drawRoundedRect(rect_, 4, 4);
    painter->setFont(theme_->edge_font);
    painter->setPen(theme_->text);
    painter->drawText(rect_, Qt::AlignCenter, lines_.join('\n'));
}

// ---- EdgeItem ----

EdgeItem::EdgeItem(const TopologyEdge& edge, NodeItem* from, NodeItem* to, const Theme& theme)
    : edge_(edge), from_(from), to_(to), theme_(&theme), label_(new EdgeLabelItem(theme)) {
    setAcceptedMouseButtons(Qt::NoButton);
    from->attach(this);
    to->attach(this);
    updateGeometry();
}

// The label is a separate top-level item, not a child: delete it with the edge.
EdgeItem::~EdgeItem() {
    delete label_;
}

void EdgeItem::setStats(const EdgeStats& stats) {
    stats_ = stats;  // the bounding rect already allows for the widest pen
    label_->setLines(labelLines());
    placeLabel();
    update();
}

void EdgeItem::setHighlighted(bool highlighted) {
    if (highlighted == highlighted_) return;
    highlighted_ = highlighted;
    setZValue(highlighted ? 0.5 : 0);  // above the other edges, below labels and nodes
    update();
}

void EdgeItem::setLabelPlace(LabelPlace place) {
    label_place_ = place;
    placeLabel();
}

void EdgeItem::placeLabel() {
    const double width = label_->boundingRect().width();
    const double gap = p_[3].x() - p_[0].x();
    if (label_place_ == LabelPlace::Middle || gap < width + 16) {
        label_->setAnchor(pointAt(0.5));
        return;
    }
    // Level with the node it belongs to: the curve runs flat into both ends.
    const bool near_target = label_place_ == LabelPlace::NearTarget;
    const double end = near_target ? p_[3].x() - 8 : p_[0].x() + 8;
    label_->setAnchor(QPointF(near_target ? end - width / 2 : end + width / 2, yAtX(end)));
}

double EdgeItem::yAtX(double x) const {  // x(t) rises with t whenever the target is to the right
    double low = 0, high = 1;
    for (int i = 0; i < 20; ++i) {
        const double mid = (low + high) / 2;
        (pointAt(mid).x() < x ? low : high) = mid;
    }
    return pointAt(low).y();
}

void EdgeItem::updateGeometry() {
    prepareGeometryChange();
    p_[0] = from_->rightAnchor();
    p_[3] = to_->leftAnchor();
    const double pull = std::max(std::abs(p_[3].x() - p_[0].x()) * 0.5, 40.0);
    p_[1] = p_[0] + QPointF(pull, 0);
    p_[2] = p_[3] - QPointF(pull, 0);
    path_ = QPainterPath(p_[0]);
    path_.cubicTo(p_[1], p_[2], p_[3]);
    placeLabel();
}

QPointF EdgeItem::pointAt(double t) const {
    const double u = 1 - t;
    return u * u * u * p_[0] + 3 * u * u * t * p_[1] + 3 * u * t * t * p_[2] + t * t * t * p_[3];
}

QRectF EdgeItem::boundingRect() const {
    return path_.controlPointRect().adjusted(-8, -8, 8, 8);
}

void EdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setBrush(Qt::NoBrush);
    // Width grows with the log of the rate: 1/s and 1000/s both stay readable.
    const double width = std::min(1.3 + 0.9 * std::log10(1 + stats_.rate), 5.0);
    if (highlighted_) {
        painter->setPen(
            QPen(withAlpha(theme_->highlight, 0.75), width + 5, Qt::SolidLine, Qt::RoundCap));
        painter->drawPath(path_);
    }
    QPen pen(healthColor(stats_.health, *theme_), width, Qt::SolidLine, Qt::RoundCap);
    if (edge_.canary) pen.setDashPattern({4, 3});
    painter->setPen(pen);
    painter->drawPath(path_);
}

QStringList EdgeItem::labelLines() const {
    QStringList lines;
    const QString configured =
        edge_.configured_percent ? formatPercent(*edge_.configured_percent) : QString();
    const QString observed =
        stats_.observed_percent ? formatPercent(*stats_.observed_percent) : QString();
    QString split = configured.isEmpty() || observed.isEmpty()
                        ? configured + observed
                        : configured + QStringLiteral(" → ") + observed;
    if (edge_.canary) split = (QStringLiteral("canary ") + split).trimmed();
    if (!split.isEmpty()) lines << split;
    if (stats_.rate > 0) {
        lines << formatRate(stats_.rate) + QStringLiteral(" · p99 ") + formatMs(stats_.p99_ms);
        // Both error classes, named: "0%" alone read as healthy on an edge of 404s.
        lines << QStringLiteral("5xx ") + formatPercent(stats_.error_percent) +
                     QStringLiteral(" · 4xx ") + formatPercent(stats_.client_error_percent);
    }
    return lines;
}

// ---- FlowLayer ----

FlowLayer::FlowLayer() {
    setZValue(3);
    setAcceptedMouseButtons(Qt::NoButton);
    dots_.reserve(kMaxDots);
    marks_.reserve(kMaxDots);
    for (int status_class = 0; status_class < 6; ++status_class) {
        brushes_[status_class] = QBrush(statusClassColor(status_class));
        pens_[status_class] = QPen(statusClassColor(status_class), 1.5);
    }
}

void FlowLayer::setRect(const QRectF& rect) {
    prepareGeometryChange();
    rect_ = rect;
}

bool FlowLayer::addDot(Route& route, int status_class, double latency_ms, double now_ms) {
    if (route.edges.empty() || dots_.size() >= static_cast<std::size_t>(kMaxDots)) return false;
    const double start = std::max(now_ms, route.next_start_ms);
    if (start - now_ms > kMaxQueueMs) return false;
    route.next_start_ms = start + kDotSpacingMs;
    const int known_class = status_class >= 2 && status_class <= 5 ? status_class : 0;
    dots_.push_back(Dot{&route, start, travelMs(latency_ms), known_class});
    return true;
}

void FlowLayer::dropRoute(const Route* route) {
    std::erase_if(dots_, [route](const Dot& dot) { return dot.route == route; });
}

QPointF FlowLayer::positionOf(const Dot& dot, double progress) const {
    const auto& edges = dot.route->edges;
    const double hops = progress * static_cast<double>(edges.size());
    const std::size_t hop = std::min(static_cast<std::size_t>(hops), edges.size() - 1);
    return edges[hop]->pointAt(hops - static_cast<double>(hop));
}

bool FlowLayer::advance(double now_ms) {
    std::erase_if(dots_, [now_ms](const Dot& dot) {
        const double linger = dot.route->stops_early ? kBurstMs : 0;
        return now_ms - dot.start_ms >= dot.duration_ms + linger;
    });
    marks_.clear();
    QRectF drawn;
    for (const Dot& dot : dots_) {
        const double elapsed = now_ms - dot.start_ms;
        if (elapsed < 0) continue;  // queued behind the route's previous dot
        Mark mark{{}, dot.status_class, 1, kDotRadius, 0};
        if (elapsed < dot.duration_ms) {
            mark.at = positionOf(dot, elapsed / dot.duration_ms);
        } else {  // stopped before a pod: a ring grows and fades where it ended
            const double f = std::min((elapsed - dot.duration_ms) / kBurstMs, 1.0);
            mark.at = dot.route->edges.back()->end();
            mark.opacity = (1 - f) * (1 - f);
            mark.radius = kDotRadius * (1 - f);
            mark.ring = 5 + 11 * f;
        }
        marks_.push_back(mark);
        drawn |= QRectF(mark.at - QPointF(18, 18), QSizeF(36, 36));
    }
    // A null rect would repaint the whole layer (the whole scene).
    if (const QRectF changed = dirty_ | drawn; !changed.isNull()) update(changed);
    dirty_ = drawn;
    return !dots_.empty();
}

void FlowLayer::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) {
    painter->setRenderHint(QPainter::Antialiasing);
    for (const Mark& mark : marks_) {
        painter->setOpacity(mark.opacity);
        if (mark.ring > 0) {
            painter->setPen(pens_[mark.status_class]);
            painter->setBrush(Qt::NoBrush);
            painter->drawEllipse(mark.at, mark.ring, mark.ring);
        }
        painter->setPen(Qt::NoPen);
        painter->setBrush(brushes_[mark.status_class]);
        painter->drawEllipse(mark.at, mark.radius, mark.radius);
    }
    painter->setOpacity(1);
}

}  // namespace ilab::studio
