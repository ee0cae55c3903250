#include "app/studio/widgets/media_icons.h"

#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace ilab::studio {
namespace {

QPainterPath triangle(double x, double width) {
    QPainterPath p;
    p.moveTo(x, 3);
    p.lineTo(x + width, 8);
    p.lineTo(x, 13);
    p.closeSubpath();
    return p;
}

QPixmap draw(MediaIcon which, const QColor& colour, int scale) {
    QPixmap pixmap(16 * scale, 16 * scale);
    pixmap.setDevicePixelRatio(scale);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(colour);
    switch (which) {
        case MediaIcon::Play: p.drawPath(triangle(4, 9)); break;
        case MediaIcon::Pause:
            p.drawRoundedRect(QRectF(4, 3, 3, 10), 0.8, 0.8);
            p.drawRoundedRect(QRectF(9, 3, 3, 10), 0.8, 0.8);
            break;
        case MediaIcon::Stop: p.drawRoundedRect(QRectF(3.5, 3.5, 9, 9), 1.2, 1.2); break;
        case MediaIcon::Forward:
            p.drawPath(triangle(2, 6.5));
            p.drawPath(triangle(8, 6.5));
            break;
    }
    return pixmap;
}

}  // namespace

QIcon mediaIcon(MediaIcon which, const QColor& colour) {
    QIcon icon;
    QColor disabled = colour;
    disabled.setAlpha(90);  // about a third
    for (int scale : {1, 2}) {
        icon.addPixmap(draw(which, colour, scale), QIcon::Normal);
        icon.addPixmap(draw(which, disabled, scale), QIcon::Disabled);
    }
    return icon;
}

}  // namespace ilab::studio
