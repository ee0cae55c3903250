// `serve`'s flags, refused before anything starts (in-process: no lab runs).
#include "app/cli/cli.h"

#include <sstream>

#include <gtest/gtest.h>

namespace ilab::cli {
namespace {

const std::string kShop = std::string(ILAB_SOURCE_DIR) + "/scenarios/shop";

TEST(ServeCommandTest, AListenerWhosePortIsNotJustANumberIsRefused) {
    // std::stoi read "8080x" as 8080 and served on it.
    for (const char* bad : {"127.0.0.1:8080x", "127.0.0.1:", "127.0.0.1:-1", "127.0.0.1:65536",
                            "127.0.0.1: 80"}) {
        std::istringstream in;
        std::ostringstream out, err;
        const int code =
            run({"serve", "--http", bad, "--no-https", "--no-admin", "-f", kShop}, {in, out, err});
        EXPECT_EQ(code, 2) << bad << "\n" << out.str() << err.str();
        EXPECT_NE(err.str().find("is not a port"), std::string::npos) << bad << "\n" << err.str();
    }
}

}  // namespace
}  // namespace ilab::cli
