#include "engine/cluster/echo.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ilab::cluster {
namespace {

TEST(EchoTest, ReportsPodAndRequestAsReceived) {
    PodInfo pod{"web-1", "shop", "127.77.0.3", {{"app", "web"}, {"version", "v2"}}};
    EchoRequest req;
    req.method = "POST";
    req.target = "/cart/add?item=7&n=2";
    req.version = 10;
    req.headers = {{"Host", "shop.local"}, {"X-Tag", "a"}, {"X-Tag", "b"}};
    req.body_bytes = 12;
    const auto j = nlohmann::json::parse(echoJson(pod, 8080, std::string("web"), req, 201));
    EXPECT_EQ(j["pod"], "web-1");
    EXPECT_EQ(j["namespace"], "shop");
    EXPECT_EQ(j["pod_ip"], "127.77.0.3");
    EXPECT_EQ(j["port"], 8080);
    EXPECT_EQ(j["service"], "web");
    EXPECT_EQ(j["labels"]["app"], "web");
    EXPECT_EQ(j["version"], "v2");
    EXPECT_EQ(j["method"], "POST");
    EXPECT_EQ(j["path"], "/cart/add");
    EXPECT_EQ(j["query"], "item=7&n=2");
    EXPECT_EQ(j["http_version"], "1.0");
    EXPECT_EQ(j["headers"]["Host"], "shop.local");
    EXPECT_EQ(j["headers"]["X-Tag"], "a, b");
    EXPECT_EQ(j["body_bytes"], 12);
    EXPECT_EQ(j["status"], 201);
}

TEST(EchoTest, UnknownServiceAndVersionAreNull) {
    EchoRequest req;
    req.method = "GET";
    req.target = "/";
    const auto j = nlohmann::json::parse(echoJson(PodInfo{}, 80, std::nullopt, req, 200));
    EXPECT_TRUE(j["service"].is_null());
    EXPECT_TRUE(j["version"].is_null());
    EXPECT_EQ(j["query"], "");
}

TEST(EchoTest, InvalidUtf8InHeadersIsReplacedNotThrown) {
    EchoRequest req;
    req.method = "GET";
    req.target = "/";
    req.headers = {{"X-Bin", "\xff\xfe"}};
    std::string text;
    EXPECT_NO_THROW(text = echoJson(PodInfo{}, 80, std::nullopt, req, 200));
    EXPECT_TRUE(nlohmann::json::accept(text));
}

TEST(EchoTest, PaddingGrowsTheBodyToTheRequestedSizeAndStaysJson) {
    const std::string json = R"({"pod":"a"})";
    const BodyPlan same = padJson(json, 5);
    EXPECT_EQ(same.size(), json.size());
    EXPECT_EQ(same.filler, 0u);
    const BodyPlan padded = padJson(json, 1000);
    EXPECT_EQ(padded.size(), 1000u);
    const std::string text = padded.head + std::string(padded.filler, 'x') + padded.tail;
    const auto j = nlohmann::json::parse(text);
    EXPECT_EQ(j["pod"], "a");
    EXPECT_EQ(j["padding"].get<std::string>().size(), padded.filler);
}


TEST(EchoTest, ResponseHeadHasStatusLineAndFields) {
    EXPECT_EQ(responseHead(503, {{"Server", "ilab-pod"}}),
              "HTTP/1.1 503 Service Unavailable\r\nServer: ilab-pod\r\n\r\n");
    EXPECT_EQ(reasonPhrase(299), "Success");
    EXPECT_FALSE(statusHasBody(204));
    EXPECT_FALSE(statusHasBody(304));
    EXPECT_TRUE(statusHasBody(503));
}

}  // namespace
}  // namespace ilab::cluster
