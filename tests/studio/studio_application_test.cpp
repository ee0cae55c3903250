// The studio's identity for desktops: its icon comes from the resources the static library
// carries (resources/icons), and the desktop entry's id matches resources/.
#include "app/studio/widgets/studio_application.h"

#include <QFile>

#include <gtest/gtest.h>

namespace ilab::studio {
namespace {

TEST(StudioApplicationTest, TheIconLoadsFromTheStudiosResources) {
    const QIcon icon = StudioApplication::icon();
    ASSERT_FALSE(icon.isNull());
    const QPixmap pixmap = icon.pixmap(64, 64);
    EXPECT_EQ(pixmap.width(), 64);
    EXPECT_FALSE(pixmap.toImage().allGray());  // the drawing, not an empty square
}

TEST(StudioApplicationTest, TheDesktopFileNameIsTheDesktopEntrys) {
    EXPECT_TRUE(QFile::exists(QStringLiteral(ILAB_SOURCE_DIR "/resources/") +
                              StudioApplication::kDesktopFileName + ".desktop"));
}

}  // namespace
}  // namespace ilab::studio
