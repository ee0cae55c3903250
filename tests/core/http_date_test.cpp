#include <gtest/gtest.h>

#include "engine/core/http_date.h"

namespace ilab::core {
namespace {

TEST(HttpDateTest, DatesAreImfFixdate) {
    EXPECT_EQ(httpDate(std::chrono::system_clock::from_time_t(784111777)),
              "Sun, 06 Nov 1994 08:49:37 GMT");
}

}  // namespace
}  // namespace ilab::core
