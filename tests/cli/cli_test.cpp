// The CLI's contract: exit codes, output formats and explain's JSON fields.
#include "app/cli/cli.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ilab::cli {
namespace {

struct CliResult {
    int code;
    std::string out, err;
};

CliResult runCli(std::vector<std::string> args, const std::string& stdin_text = "") {
    std::istringstream in(stdin_text);
    std::ostringstream out, err;
    const int code = run(args, {in, out, err});
    return {code, out.str(), err.str()};
}

const std::string kShop = std::string(ILAB_SOURCE_DIR) + "/scenarios/shop";

TEST(CheckCommandTest, BundledShopIsClean) {
    CliResult r = runCli({"check", "-f", kShop});
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("0 errors, 0 warnings"), std::string::npos) << r.out;
}

TEST(CheckCommandTest, ErrorFindingsExitOne) {
    CliResult r = runCli({"check", "-f", "-"}, R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules:
  - host: Shop.local
    http:
      paths: [{path: /, pathType: prefix, backend: {service: {name: web, port: {number: 80}}}}]
)");
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(
        r.out.find(
            "<stdin>:7:11: error ILAB-API-002: spec.rules[0].host: Invalid value: \"Shop.local\""),
        std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("<stdin>:9:35: error ILAB-API-003"), std::string::npos) << r.out;
}

TEST(CheckCommandTest, UnparseableInputExitsTwoWithFileAndLine) {
    CliResult r =
        runCli({"check", "-f", "-"}, "apiVersion: v1\nkind: Service\nmetadata: {name: [x\n");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.out.find("<stdin>:"), std::string::npos);
    EXPECT_NE(r.out.find("ILAB-YAML-001"), std::string::npos) << r.out;
}

TEST(CheckCommandTest, MissingFileExitsTwo) {
    CliResult r = runCli({"check", "-f", "/nonexistent/x.yaml"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.out.find("does not exist"), std::string::npos);
}

TEST(CheckCommandTest, WarningsOnlyExitZero) {
    CliResult r =
        runCli({"check", "-f", "-"}, "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\n");
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("ILAB-MODEL-001"), std::string::npos);
}

// ingress-nginx's --configmap: check and explain read the ConfigMap it names.
TEST(CheckCommandTest, ConfigMapNamesTheControllersSettings) {
    const std::string manifests =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: edge, namespace: ops}\n"
        "data: {hsts: \"yes\", relative-redirects: \"true\"}\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: moved\n"
        "  annotations: {nginx.ingress.kubernetes.io/permanent-redirect: /new}\n"
        "spec:\n  ingressClassName: nginx\n  rules:\n  - host: old.local\n    http:\n"
        "      paths:\n      - {path: /, pathType: Prefix, backend: {service: {name: web, port: "
        "{number: 80}}}}\n";
    CliResult unread = runCli({"check", "-f", "-"}, manifests);
    EXPECT_NE(unread.out.find("ILAB-CONFIG-005"), std::string::npos) << unread.out;
    EXPECT_EQ(unread.out.find("ILAB-CONFIG-002"), std::string::npos) << unread.out;
    CliResult read = runCli({"check", "-f", "-", "--configmap", "ops/edge"}, manifests);
    EXPECT_NE(read.out.find("<stdin>:4:14: error ILAB-CONFIG-002: hsts"), std::string::npos)
        << read.out;
    CliResult missing = runCli({"check", "-f", "-", "--configmap", "ops/nope"}, manifests);
    EXPECT_NE(missing.out.find("ILAB-CONFIG-006"), std::string::npos) << missing.out;
    CliResult usage = runCli({"check", "-f", "-", "--configmap", "edge"}, manifests);
    EXPECT_EQ(usage.code, 2);
    EXPECT_NE(usage.err.find("NAMESPACE/NAME"), std::string::npos) << usage.err;
    CliResult explained =
        runCli({"explain", "-f", "-", "--configmap", "ops/edge", "http://old.local/"}, manifests);
    EXPECT_NE(explained.out.find("/new"), std::string::npos) << explained.out;
    EXPECT_EQ(explained.out.find("http://old.local/new"), std::string::npos) << explained.out;
}

TEST(CheckCommandTest, JsonAndSarifAreValidDocuments) {
    const std::string bad =
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: w}\nspec: {}\n";
    CliResult json = runCli({"check", "-o", "json", "-f", "-"}, bad);
    auto j = nlohmann::json::parse(json.out);
    EXPECT_EQ(j["summary"]["errors"], 1);
    EXPECT_EQ(j["diagnostics"][0]["location"]["line"], 4);  // at "spec"
    CliResult sarif = runCli({"check", "-o", "sarif", "-f", "-"}, bad);
    EXPECT_EQ(nlohmann::json::parse(sarif.out)["version"], "2.1.0");
}

TEST(CheckCommandTest, BadFlagsExitTwo) {
    EXPECT_EQ(runCli({"check"}).code, 2);
    EXPECT_EQ(runCli({"check", "-f", kShop, "-o", "xml"}).code, 2);
    EXPECT_EQ(runCli({"frobnicate"}).code, 2);
}

TEST(ExplainCommandTest, JsonContractForAForwardedRequest) {
    CliResult r =
        runCli({"explain", "-f", kShop, "-o", "json", "https://shop.local/catalog/items?page=2"});
    ASSERT_EQ(r.code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["action"], "forward");
    EXPECT_EQ(j["backend"]["namespace"], "shop");
    EXPECT_EQ(j["backend"]["service"], "catalog");
    EXPECT_EQ(j["backend"]["port"], "http");
    EXPECT_EQ(j["canary"], false);
    ASSERT_EQ(j["weights"].size(), 2u);
    EXPECT_DOUBLE_EQ(j["weights"][1]["share"].get<double>(), 0.1);
    EXPECT_EQ(j["upstream"]["host"], "shop.local");
    EXPECT_EQ(j["upstream"]["path"], "/catalog/items?page=2");
    EXPECT_EQ(j["ingress"], "shop/shop");
    EXPECT_EQ(j["rule"]["path"], "/catalog");
    EXPECT_EQ(j["rule"]["pathType"], "Prefix");
    EXPECT_FALSE(j["trace"].empty());
}

TEST(ExplainCommandTest, HttpToATlsHostRedirects) {
    CliResult r = runCli({"explain", "-f", kShop, "-o", "json", "http://shop.local/account/"});
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["action"], "redirect");
    EXPECT_EQ(j["status"], 308);
    EXPECT_EQ(j["location"], "https://shop.local/account");
    EXPECT_EQ(j["backend"], nullptr);
}

TEST(ExplainCommandTest, HeaderSelectsTheCanaryAndHostHeaderOverridesUrl) {
    CliResult r = runCli({"explain", "-f", kShop, "-o", "json", "-H", "X-Canary: always", "-H",
                          "Host: shop.local", "https://127.0.0.1/catalog"});
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["canary"], true);
    EXPECT_EQ(j["backend"]["service"], "catalog-v2");
}

TEST(ExplainCommandTest, SeededWeightedDrawsAreRepeatable) {
    int canaries = 0;
    for (int seed = 0; seed < 200; ++seed) {
        CliResult r = runCli({"explain", "-f", kShop, "-o", "json", "--seed", std::to_string(seed),
                              "https://shop.local/catalog"});
        auto j = nlohmann::json::parse(r.out);
        canaries += j["canary"].get<bool>();
        CliResult again = runCli({"explain", "-f", kShop, "-o", "json", "--seed",
                                  std::to_string(seed), "https://shop.local/catalog"});
        EXPECT_EQ(nlohmann::json::parse(again.out)["canary"], j["canary"]);
    }
    EXPECT_GT(canaries, 5);
    EXPECT_LT(canaries, 40);
}

TEST(ExplainCommandTest, RewriteShowsTheUpstreamPath) {
    CliResult r =
        runCli({"explain", "-f", kShop, "-o", "json", "http://api.shop.local/api/v1/items?q=1"});
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["upstream"]["path"], "/v1/items?q=1");
}

TEST(ExplainCommandTest, UnknownHostIs404WithoutIngress) {
    CliResult r = runCli({"explain", "-f", kShop, "-o", "json", "http://nowhere.local/"});
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["action"], "respond");
    EXPECT_EQ(j["status"], 404);
    EXPECT_EQ(j["ingress"], nullptr);
}

TEST(ExplainCommandTest, TextOutputIsAlignedWithATrace) {
    CliResult r = runCli({"explain", "-f", kShop, "https://shop.local/account"});
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("  action    forward\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  backend   shop/account:80 (2 ready endpoints)"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("trace\n"), std::string::npos);
    // One pod behind the canary: "1 ready endpoint", not "1 ready endpoints".
    CliResult canary = runCli({"explain", "-f", kShop, "-H", "X-Canary: always",
                               "https://shop.local/catalog"});
    EXPECT_NE(canary.out.find("  backend   shop/catalog-v2:80 (1 ready endpoint)\n"),
              std::string::npos)
        << canary.out;
}

TEST(ExplainCommandTest, BadInputExitsTwo) {
    EXPECT_EQ(runCli({"explain", "-f", kShop, "ftp://shop.local/"}).code, 2);
    EXPECT_EQ(runCli({"explain", "-f", kShop, "not a url"}).code, 2);
    EXPECT_EQ(runCli({"explain", "-f", kShop, "-H", "NoColon", "http://shop.local/"}).code, 2);
    EXPECT_EQ(runCli({"explain", "-f", kShop, "--client-ip", "x", "http://shop.local/"}).code, 2);
    EXPECT_EQ(runCli({"explain", "-f", "-", "http://shop.local/"}, "a: [\n").code, 2);
}

TEST(ExplainCommandTest, PortsAndLengthsOutOfRangeExitTwoSayingWhy) {
    // -1 used to wrap to 2^64 - 1 (and a port out of range to 0), and explain went on with it.
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{"http://shop.local:-1/"}, "URL port \"-1\" is not a port number (1..65535)"},
        {{"http://shop.local:8x/"}, "URL port \"8x\" is not a port number (1..65535)"},
        {{"http://shop.local:0/"}, "URL port \"0\" is not a port number (1..65535)"},
        {{"http://shop.local:65536/"}, "URL port \"65536\" is not a port number (1..65535)"},
        {{"http://shop.local:99999999999999999999/"}, "is not a port number (1..65535)"},
        {{"--content-length", "-1", "http://shop.local/"},
         "--content-length: must be a number of bytes (digits only, 0 or more), not \"-1\""},
        {{"--content-length", "1e3", "http://shop.local/"}, "not \"1e3\""},
        {{"--content-length", "18446744073709551616", "http://shop.local/"},
         "not \"18446744073709551616\""},
        {{"--content-length", "9223372036854775808", "http://shop.local/"},
         "not \"9223372036854775808\""},
        {{"-H", "Content-Length: -1", "http://shop.local/"},
         "Content-Length must be a number of bytes (digits only, 0 or more)"},
        {{"-H", "Content-Length: abc", "http://shop.local/"},
         "Content-Length must be a number of bytes"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> args = {"explain", "-f", kShop};
        args.insert(args.end(), c.args.begin(), c.args.end());
        const CliResult r = runCli(args);
        EXPECT_EQ(r.code, 2) << c.args.front() << " " << c.args.back() << "\n" << r.out;
        EXPECT_TRUE(r.out.empty()) << r.out;
        EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    }
    // The edges of the ranges are fine.
    EXPECT_EQ(runCli({"explain", "-f", kShop, "http://shop.local:65535/"}).code, 0);
    EXPECT_EQ(runCli({"explain", "-f", kShop, "http://shop.local:1/"}).code, 0);
    EXPECT_EQ(runCli({"explain", "-f", kShop, "--content-length", "0", "http://shop.local/"}).code,
              0);
    const CliResult big = runCli({"explain", "-f", kShop, "-o", "json", "--content-length",
                                  "9223372036854775807", "https://shop.local/catalog"});
    EXPECT_EQ(big.code, 0) << big.err;
}

TEST(ExplainCommandTest, HostsThatStartLikeAnIpv4AddressKeepTheirWholeName) {
    // nip.io and sslip.io names: the live proxy routes them by the Host header, and explain used
    // to cut them at the address ("172.18.0.2" with the path ".nip.io/", answered 400).
    const std::string manifests = R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: nip}
spec:
  ingressClassName: nginx
  rules:
  - host: 172.18.0.2.nip.io
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: web, ports: [{containerPort: 8080}]}]}
)";
    for (const std::string url : {"https://172.18.0.2.nip.io/catalog?page=2",
                                  "http://user@172.18.0.2.nip.io:8080/catalog?page=2#top",
                                  "172.18.0.2.nip.io/catalog?page=2"}) {
        CliResult r = runCli({"explain", "-f", "-", "-o", "json", url}, manifests);
        ASSERT_EQ(r.code, 0) << url << "\n" << r.err;
        auto j = nlohmann::json::parse(r.out);
        EXPECT_EQ(j["action"], "forward") << url << "\n" << r.out;
        EXPECT_EQ(j["backend"]["service"], "web") << url;
        EXPECT_EQ(j["upstream"]["path"], "/catalog?page=2") << url;
        EXPECT_EQ(j["ingress"], "default/nip") << url;
    }
    // The shop has no such host: the default server's 404, not a 400.
    CliResult shop = runCli({"explain", "-f", kShop, "-o", "json", "https://172.18.0.2.nip.io/"});
    ASSERT_EQ(shop.code, 0) << shop.err;
    EXPECT_EQ(nlohmann::json::parse(shop.out)["status"], 404) << shop.out;
    CliResult text = runCli({"explain", "-f", kShop, "http://10.0.0.1x/"});
    EXPECT_EQ(text.code, 0) << text.err;
    EXPECT_EQ(text.out.rfind("GET http://10.0.0.1x/\n", 0), 0u) << text.out;
}

// --controller (docs/controllers.md): the same manifests under another controller's semantics.
TEST(ExplainCommandTest, ControllerChoosesWhoseSemanticsAnswer) {
    const std::string url = "http://shop.local/catalog/items";
    CliResult nginx = runCli({"explain", "-f", kShop, "-o", "json", url});
    ASSERT_EQ(nginx.code, 0) << nginx.err;
    const auto on_nginx = nlohmann::json::parse(nginx.out);
    EXPECT_EQ(on_nginx["action"], "redirect");  // ssl-redirect on the TLS host
    EXPECT_FALSE(on_nginx.contains("controller"));  // the default answer is unchanged
    CliResult spec = runCli({"explain", "-f", kShop, "--controller", "spec", "-o", "json", url});
    ASSERT_EQ(spec.code, 0) << spec.err;
    const auto on_spec = nlohmann::json::parse(spec.out);
    EXPECT_EQ(on_spec["action"], "forward") << spec.out;
    EXPECT_EQ(on_spec["controller"], "spec");
    CliResult text = runCli({"explain", "-f", kShop, "--controller", "ingress-nginx", url});
    EXPECT_NE(text.out.find("  controller ingress-nginx v1.15\n"), std::string::npos) << text.out;
    CliResult typo = runCli({"explain", "-f", kShop, "--controller", "spce", url});
    EXPECT_EQ(typo.code, 2);
    EXPECT_NE(typo.err.find("unknown controller \"spce\" (known: ingress-nginx, spec); did you "
                            "mean \"spec\"?"),
              std::string::npos)
        << typo.err;
    CliResult check = runCli({"check", "-f", kShop, "--controller", "spec"});
    EXPECT_EQ(check.code, 0) << check.out << check.err;
    EXPECT_NE(check.out.find("ILAB-SPEC-001"), std::string::npos) << check.out;
}

// A scenario with several controllers (scenarios/side-by-side) is read claimed for its first;
// --controller and --class explain and check it as another of them claims it.
TEST(ExplainCommandTest, AScenarioOfSeveralControllersIsExplainedForTheOneChosen) {
    const std::string sbs = std::string(ILAB_SOURCE_DIR) + "/scenarios/side-by-side";
    const std::string url = "http://api.shop.local/api/orders";
    CliResult first = runCli({"explain", "-f", sbs, "-o", "json", url});
    ASSERT_EQ(first.code, 0) << first.err;
    EXPECT_EQ(nlohmann::json::parse(first.out)["upstream"]["path"], "/orders") << first.out;
    for (const std::vector<std::string>& choice :
         {std::vector<std::string>{"--controller", "spec"}, {"--class", "spec"}}) {
        std::vector<std::string> args = {"explain", "-f", sbs, "-o", "json", url};
        args.insert(args.begin() + 3, choice.begin(), choice.end());
        CliResult other = runCli(args);
        ASSERT_EQ(other.code, 0) << other.err;
        const auto j = nlohmann::json::parse(other.out);
        EXPECT_EQ(j["status"], 404) << other.out;
        EXPECT_EQ(j["controller"], "spec");
    }
    CliResult by_class = runCli({"explain", "-f", sbs, "--class", "nginx", url});
    EXPECT_NE(by_class.out.find("  controller ingress-nginx v1.15\n"), std::string::npos)
        << by_class.out;
    CliResult unknown = runCli({"explain", "-f", sbs, "--class", "ngnix", url});
    EXPECT_EQ(unknown.code, 2);
    EXPECT_NE(unknown.err.find("no IngressClass \"ngnix\" in the manifests"), std::string::npos)
        << unknown.err;
    EXPECT_NE(unknown.err.find("did you mean \"nginx\"?"), std::string::npos) << unknown.err;
    CliResult both = runCli({"explain", "-f", sbs, "--class", "nginx", "--controller", "spec", url});
    EXPECT_EQ(both.code, 2);

    CliResult check = runCli({"check", "-f", sbs, "--controller", "spec"});
    EXPECT_NE(check.out.find("ILAB-SPEC-001"), std::string::npos) << check.out;
}

// --values: the ingress-nginx chart's values file, its flags and ConfigMap applied.
TEST(ExplainCommandTest, HelmValuesSetTheControllersFlagsAndConfigMap) {
    const auto dir = std::filesystem::temp_directory_path() / ("ilab-values-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "values.yaml")
        << "controller:\n  extraArgs:\n    default-backend-service: shop/storefront\n"
           "  config:\n    ssl-redirect: \"false\"\n";
    const std::string manifests = kShop + "/manifests.yaml";
    const std::string workloads = kShop + "/workloads.yaml";
    CliResult unknown_host =
        runCli({"explain", "-f", manifests, "-f", workloads, "--values",
                (dir / "values.yaml").string(), "-o", "json", "http://nowhere.local/"});
    ASSERT_EQ(unknown_host.code, 0) << unknown_host.err;
    EXPECT_EQ(nlohmann::json::parse(unknown_host.out)["backend"]["service"], "storefront")
        << unknown_host.out;
    CliResult plain = runCli({"explain", "-f", manifests, "-f", workloads, "--values",
                              (dir / "values.yaml").string(), "-o", "json",
                              "http://shop.local/catalog/items"});
    EXPECT_EQ(nlohmann::json::parse(plain.out)["action"], "forward") << plain.out;  // no 308
    std::ofstream(dir / "bad.yaml") << "controller:\n  extraArgs: {disable-catchall: \"\"}\n"
                                       "  watchIngressWithoutClass: maybe\n";
    CliResult bad = runCli({"explain", "-f", manifests, "--values", (dir / "bad.yaml").string(),
                            "http://shop.local/"});
    EXPECT_EQ(bad.code, 2);
    EXPECT_NE(bad.err.find("bad.yaml:3:29: error ILAB-CONFIG-002"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find("unknown flag --disable-catchall"), std::string::npos) << bad.err;
    std::filesystem::remove_all(dir);
}

// check on a scenario of several controllers: an Ingress another of them serves is not unclaimed.
TEST(CheckCommandTest, AnIngressAnotherControllerOfTheScenarioServesIsNotUnclaimed) {
    CliResult r = runCli({"check", "-f", std::string(ILAB_SOURCE_DIR) + "/scenarios/controller-flags"});
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("info ILAB-LINT-010: Ingress is served by the scenario's controller "
                         "\"internal\"; its first controller does not claim it [Ingress shop/admin]"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("warning ILAB-LINT-010: Ingress is unclaimed: the controller's flag "
                         "--watch-namespace=shop leaves it out"),
              std::string::npos)
        << r.out;
}

TEST(ServeCommandMistakesTest, AnAlsoControllerTheLabDoesNotSimulateIsRefused) {
    CliResult r = runCli({"serve", "--no-admin", "--also-controller", "traefik", "-f", kShop});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("unknown controller \"traefik\""), std::string::npos) << r.err;
}

TEST(ExplainCommandTest, EveryMalformedInputIsAClearErrorNeverAnException) {
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{"http:///catalog"}, "has no host"},
        {{"https://:8443/"}, "has no host"},
        {{"http://user@/"}, "has no host"},
        {{"http://[::1/"}, "cannot parse URL"},
        {{"http://[::1]x/"}, "URL host \"[::1]x\" is not a host name"},
        {{"http://shop.local:+80/"}, "URL port \"+80\" is not a port number"},
        {{"http://shop.local:0x50/"}, "URL port \"0x50\" is not a port number"},
        {{"http://shop.local: 80/"}, "cannot parse URL"},
        {{"http://sh op.local/"}, "cannot parse URL"},
        {{"http://shop.local/%zz"}, "cannot parse URL"},
        {{"://shop.local/"}, "cannot parse URL"},
        {{"ftp://shop.local/"}, "URL scheme must be http or https"},
        {{"--seed", "abc", "http://shop.local/"}, "--seed"},
        {{"--seed", "-1", "http://shop.local/"}, "--seed"},
        {{"--seed", "18446744073709551616", "http://shop.local/"}, "--seed"},
        {{"--content-length", "", "http://shop.local/"}, "--content-length"},
        {{"--cookie", "novalue", "http://shop.local/"}, "is not of the form 'name=value'"},
        {{"-H", ": value", "http://shop.local/"}, "is not of the form 'Name: value'"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> args = {"explain", "-f", kShop};
        args.insert(args.end(), c.args.begin(), c.args.end());
        CliResult r{};
        ASSERT_NO_THROW(r = runCli(args)) << c.args.front();
        EXPECT_EQ(r.code, 2) << c.args.front() << " " << c.args.back() << "\n" << r.out;
        EXPECT_TRUE(r.out.empty()) << r.out;
        EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args.front() << "\n" << r.err;
    }
}

}  // namespace
}  // namespace ilab::cli
