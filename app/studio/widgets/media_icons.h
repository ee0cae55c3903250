#pragma once
// Play, pause, stop and fast-forward icons drawn in the palette's text colour. Fusion's own
// media icons are black glyphs that vanish on a dark theme. GUI thread only.
#include <QColor>
#include <QIcon>

namespace ilab::studio {

enum class MediaIcon { Play, Pause, Stop, Forward };

QIcon mediaIcon(MediaIcon which, const QColor& colour);

}  // namespace ilab::studio
