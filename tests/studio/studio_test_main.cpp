// The studio's GUI tests need one QApplication for the whole process; they run offscreen
// (QT_QPA_PLATFORM=offscreen is set by ctest, and here for a direct run).
#include <QApplication>
#include <QStandardPaths>
#include <cstdlib>

#include <gtest/gtest.h>

int main(int argc, char** argv) {
    if (!std::getenv("QT_QPA_PLATFORM")) setenv("QT_QPA_PLATFORM", "offscreen", 1);
    QApplication app(argc, argv);
    QApplication::setOrganizationName("ingress-lab-tests");
    QApplication::setApplicationName("ingress-lab-studio-tests");
    QStandardPaths::setTestModeEnabled(true);  // settings and autosaves go to a test folder
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
