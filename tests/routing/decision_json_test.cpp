// decisionToJson: the explain -o json and web API shape of a Decision (docs/cli.md).
#include "engine/routing/decision_json.h"

#include <gtest/gtest.h>

namespace ilab::routing {
namespace {

Decision forwardTo(std::string port, std::string target_port) {
    auto backend = std::make_shared<BackendRef>();
    backend->namespace_ = "shop";
    backend->service = "web";
    backend->port = std::move(port);
    backend->target_port = std::move(target_port);
    Decision d;
    d.action = Action::Forward;
    d.backend = backend;
    return d;
}

TEST(DecisionJsonTest, PortNumbersAreNumbersAndPortNamesStrings) {
    const auto j = decisionToJson(forwardTo("80", "http"));
    EXPECT_EQ(j["backend"]["port"], 80);
    EXPECT_EQ(j["backend"]["targetPort"], "http");
}

TEST(DecisionJsonTest, DigitsBeyondAnIntStayTextInsteadOfThrowing) {
    nlohmann::json j;
    ASSERT_NO_THROW(j = decisionToJson(forwardTo("99999999999999999999", "2147483648")));
    EXPECT_EQ(j["backend"]["port"], "99999999999999999999");
    EXPECT_EQ(j["backend"]["targetPort"], "2147483648");
    EXPECT_EQ(decisionToJson(forwardTo("+80", ""))["backend"]["port"], "+80");
    EXPECT_EQ(decisionToJson(forwardTo("", ""))["backend"]["port"], "");
}

}  // namespace
}  // namespace ilab::routing
