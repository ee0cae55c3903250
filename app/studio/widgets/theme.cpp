#include "app/studio/widgets/theme.h"

#include <QApplication>
#include <QPalette>
#include <QProcess>
#include <QStandardPaths>
#include <QStyle>
#include <QStyleFactory>

namespace ilab::studio {
namespace {

QPalette darkPalette() {
    QPalette p;
    const QColor window("#1f2126"), base("#16181c"), text("#e6e6e6"), mid("#2a2d33");
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, mid);
    p.setColor(QPalette::ToolTipBase, mid);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor("#8a8d93"));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, mid);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor("#ff6b6b"));
    p.setColor(QPalette::Highlight, QColor("#2b7bd1"));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor("#73bcf7"));
    p.setColor(QPalette::Mid, QColor("#44474e"));
    p.setColor(QPalette::Dark, QColor("#111215"));
    p.setColor(QPalette::Light, QColor("#3a3d44"));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, QColor("#6f737a"));
    return p;
}

bool dark_active = false;

}  // namespace

ThemeChoice themeFromString(const QString& name) {
    if (name.compare("light", Qt::CaseInsensitive) == 0) return ThemeChoice::Light;
    if (name.compare("dark", Qt::CaseInsensitive) == 0) return ThemeChoice::Dark;
    return ThemeChoice::System;
}

QString themeName(ThemeChoice choice) {
    switch (choice) {
        case ThemeChoice::Light: return "light";
        case ThemeChoice::Dark: return "dark";
        case ThemeChoice::System: break;
    }
    return "system";
}

bool systemPrefersDark() {
    // The platform's own palette, as long as applyTheme() has not replaced it yet.
    static const bool platform_dark = QApplication::palette().color(QPalette::Window).lightness() < 128;
    if (platform_dark) return true;
    if (qEnvironmentVariable("GTK_THEME").contains("dark", Qt::CaseInsensitive)) return true;
    if (QStandardPaths::findExecutable("gsettings").isEmpty()) return false;
    QProcess gsettings;
    gsettings.start("gsettings", {"get", "org.gnome.desktop.interface", "color-scheme"});
    if (!gsettings.waitForFinished(500)) {
        gsettings.kill();
        return false;
    }
    return QString::fromUtf8(gsettings.readAllStandardOutput()).contains("dark");
}

void applyTheme(ThemeChoice choice) {
    dark_active = choice == ThemeChoice::Dark ||
                  (choice == ThemeChoice::System && systemPrefersDark());
    QApplication::setStyle(QStyleFactory::create("Fusion"));
    QApplication::setPalette(dark_active ? darkPalette()
                                         : QApplication::style()->standardPalette());
}

bool darkThemeActive() {
    return dark_active;
}

}  // namespace ilab::studio
