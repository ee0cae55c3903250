#pragma once
// "1 timeline step", "3 timeline steps": a count with its noun. Qt's %n plurals need a loaded
// translation to drop the "(s)", and the studio ships none, so English plurals are made here.
#include <QString>

namespace ilab::studio {

inline QString counted(long long n, const QString& one, const QString& many) {
    return QString::number(n) + ' ' + (n == 1 ? one : many);
}

}  // namespace ilab::studio
