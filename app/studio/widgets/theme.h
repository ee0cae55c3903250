#pragma once
// Light and dark themes. "system" follows the desktop: the platform palette when it is dark,
// else the GTK theme name or GNOME's color-scheme preference; Qt 6.4 has no API for it yet.
// GUI thread only.
#include <QString>

namespace ilab::studio {

enum class ThemeChoice { System, Light, Dark };

ThemeChoice themeFromString(const QString& name);  // "light", "dark", anything else: System
QString themeName(ThemeChoice choice);
bool systemPrefersDark();
// Sets the Fusion style and a light or dark palette on the application.
void applyTheme(ThemeChoice choice);
bool darkThemeActive();

}  // namespace ilab::studio
