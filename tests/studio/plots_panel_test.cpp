// The canary plot's observed share (issue 14, item 7): per second it swung between 0 and 13 %
// for a 10 % canary; over a rolling window it stays near the split, and the plot says which
// window it shows.
#include "app/studio/widgets/plots_panel.h"

#include <gtest/gtest.h>

namespace ilab::studio {
namespace {

telemetry::SeriesPoint point(std::int64_t second, std::uint64_t requests) {
    telemetry::SeriesPoint p;
    p.second = second;
    p.requests = requests;
    return p;
}

TEST(PlotsPanelTest, CanaryShareIsTakenOverARollingWindow) {
    // 80 requests a second; the canary serves 0 and 16 of them in turn (0 % and 20 %).
    std::vector<telemetry::SeriesPoint> main, canary;
    for (std::int64_t s = 0; s < 30; ++s) {
        const std::uint64_t c = s % 2 ? 16 : 0;
        main.push_back(point(s, 80 - c));
        canary.push_back(point(s, c));
    }
    const auto shares = rollingShare(main, canary, kCanaryWindowSeconds);
    ASSERT_EQ(shares.size(), 30u);
    for (std::size_t i = kCanaryWindowSeconds; i < shares.size(); ++i) {
        EXPECT_DOUBLE_EQ(shares[i].percent, 10.0) << "second " << shares[i].second;
    }
    EXPECT_DOUBLE_EQ(shares[0].percent, 0.0);  // the first window holds one second
    EXPECT_DOUBLE_EQ(shares[1].percent, 10.0);
}

TEST(PlotsPanelTest, RollingShareMatchesSecondsAndSkipsEmptyWindows) {
    // The canary's series starts later, and nothing at all was sent from second 3 to 20.
    const auto shares = rollingShare({point(0, 9), point(1, 9), point(2, 9), point(21, 9)},
                                     {point(2, 3), point(21, 1)}, 10);
    ASSERT_EQ(shares.size(), 4u);
    EXPECT_DOUBLE_EQ(shares[2].second, 2);
    EXPECT_DOUBLE_EQ(shares[2].percent, 100.0 * 3 / 30);
    EXPECT_DOUBLE_EQ(shares[3].second, 21);
    EXPECT_DOUBLE_EQ(shares[3].percent, 10.0);  // seconds 0..2 are out of its window
}

TEST(PlotsPanelTest, CanaryPlotSaysWhichWindowItShows) {
    PlotsPanel panel;
    EXPECT_TRUE(panel.canaryTitle().contains("over 10 s")) << panel.canaryTitle().toStdString();
}

}  // namespace
}  // namespace ilab::studio
