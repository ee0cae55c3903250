// The proxy's regex-mode fast path (literal-prefix index, no trace) must pick exactly the
// location the traced full scan picks, which is nginx's first match in order.
#include "engine/core/random.h"
#include "tests/support/fixtures.h"

namespace ilab::test {
namespace {

routing::Decision untraced(const Lab& lab, std::string_view url) {
    return lab.table().match(request("GET", url), nullptr, {.trace = false});
}

TEST(RegexIndexTest, FastPathPicksWhatTheFullScanPicks) {
    std::vector<PathSpec> paths;
    const std::vector<std::string> patterns = {
        "/svc0001/item$", "/svc0001/.*",  "/svc00[0-9]+/item", "/api?/v1",     "/ab+c",
        "/v1\\.0/x",      "/(a|b)/alt",   "/a\\d+",            "/Case/Upper",  "/",
        "/static/.*\\.css", "/svc0002/item", "/svc.*/other",   "/sv",          "/svc0001",
    };
    std::vector<std::string> services;
    for (std::size_t i = 0; i < patterns.size(); ++i) {
        services.push_back("s" + std::to_string(i));
        paths.push_back({"ImplementationSpecific", patterns[i], services.back()});
    }
    std::string yaml = ingress("re", "re.com", paths, {{"use-regex", "true"}});
    for (const auto& s : services)
        yaml += backend(s);
    Lab lab(yaml);
    const std::vector<std::string> probes = {
        "/svc0001/item", "/SVC0001/ITEM", "/svc0001/item/x", "/svc0001/other", "/svc0042/item",
        "/svc0002/item", "/apv1",         "/api/v1",         "/abbbc",         "/ac",
        "/v1.0/x",       "/v1x0/x",       "/a/alt",          "/b/alt",         "/a123",
        "/case/upper",   "/static/x.css", "/svc9/other",     "/sv",            "/",
        "/nothing",      "/caf\xc3\xa9",  "/\xe2\x84\xaa",  "/svc0001",
    };
    for (const auto& path : probes) {
        const auto traced = lab.get("http://re.com" + path);
        const auto fast = untraced(lab, "http://re.com" + path);
        EXPECT_EQ(traced.rule.has_value(), fast.rule.has_value()) << path;
        EXPECT_EQ(traced.status, fast.status) << path;
        EXPECT_EQ(traced.backend ? traced.backend->service : "",
                  fast.backend ? fast.backend->service : "")
            << path;
    }
}

TEST(RegexIndexTest, AThousandRegexPathsStillFindTheirOwn) {
    std::vector<PathSpec> paths;
    for (int i = 0; i < 1000; ++i) {
        char path[32];
        std::snprintf(path, sizeof path, "/svc%04d/item", i);
        paths.push_back({"ImplementationSpecific", path, i % 2 ? "odd" : "even"});
    }
    Lab lab(ingress("many", "many.com", paths, {{"use-regex", "true"}}) +
            backends({"odd", "even"}));
    EXPECT_EQ(untraced(lab, "http://many.com/svc0777/item").backend->service, "odd");
    EXPECT_EQ(untraced(lab, "http://many.com/svc0778/item/x").backend->service, "even");
    EXPECT_EQ(untraced(lab, "http://many.com/svc1000/item").status, 404);
}

}  // namespace
}  // namespace ilab::test
