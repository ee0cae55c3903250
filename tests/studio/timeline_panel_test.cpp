// The scenario panel's words: counts with their nouns in the right number (issue 14, item 7:
// the shop scenario read "1 timeline steps").
#include "app/studio/widgets/timeline_panel.h"

#include <gtest/gtest.h>

#include "engine/scenario/scenario.h"

namespace ilab::studio {
namespace {

TEST(TimelinePanelTest, SummaryCountsOneTimelineStepInTheSingular) {
    const auto loaded = scenario::loadScenario(ILAB_SOURCE_DIR "/scenarios/shop/scenario.yaml");
    ASSERT_TRUE(loaded.scenario.has_value());
    ASSERT_EQ(loaded.scenario->timeline.size(), 1u);
    TimelinePanel panel;
    panel.setScenario(loaded.scenario);
    const QString summary = panel.summaryText();
    EXPECT_TRUE(summary.contains("1 timeline step,")) << summary.toStdString();
    EXPECT_FALSE(summary.contains("steps")) << summary.toStdString();
    EXPECT_TRUE(summary.contains("11 expectations")) << summary.toStdString();
}

TEST(TimelinePanelTest, ProgressSaysOneRequestAndOneError) {
    TimelinePanel panel;
    panel.progress({1, 15, 1, 1, 1});
    EXPECT_EQ(panel.progressText(), "1 / 15 s · 1 request · 1 error");
    panel.progress({2, 15, 40, 0, 20});
    EXPECT_EQ(panel.progressText(), "2 / 15 s · 40 requests · 0 errors");
}

}  // namespace
}  // namespace ilab::studio
