// The ingress-nginx Helm chart's values, rendered as the chart renders them: the flags of
// charts/ingress-nginx/templates/_params.tpl and the ConfigMap of controller-configmap.yaml.
#include "engine/controllers/nginx_helm_values.h"

#include <gtest/gtest.h>

namespace ilab::controllers::nginx {
namespace {

std::vector<std::string> texts(const HelmValues& v) {
    std::vector<std::string> out;
    for (const auto& a : v.args) out.push_back(a.text);
    return out;
}

TEST(NginxHelmValuesTest, TheControllerBlockBecomesFlagsAndAConfigMap) {
    core::Diagnostics findings;
    const auto v = readHelmValuesText(R"(controller:
  ingressClass: legacy
  ingressClassResource: {name: internal, controllerValue: k8s.io/internal-nginx}
  watchIngressWithoutClass: true
  ingressClassByName: false
  scope: {enabled: true}
  allowSnippetAnnotations: true
  config:
    use-forwarded-headers: "true"
    keep-alive: 10
  extraArgs:
    disable-catch-all: ""
    default-backend-service: shop/fallback
defaultBackend: {enabled: false}
)",
                                      "values.yaml", findings);
    ASSERT_TRUE(v);
    EXPECT_TRUE(findings.empty());
    EXPECT_EQ(texts(*v), (std::vector<std::string>{
                             "--controller-class=k8s.io/internal-nginx",
                             "--ingress-class=internal",  // the class the chart creates
                             "--watch-namespace=ingress-nginx",  // the release's namespace
                             "--watch-ingress-without-class=true",
                             "--disable-catch-all",
                             "--default-backend-service=shop/fallback",
                         }));
    EXPECT_EQ(v->args[4].location.line, 12);  // an extraArgs flag is where its key is
    ASSERT_TRUE(v->config_map);
    EXPECT_EQ(v->config_map->meta.qualifiedName(), "ingress-nginx/ingress-nginx-controller");
    EXPECT_EQ(v->config_map->data.at("allow-snippet-annotations").value, "true");
    EXPECT_EQ(v->config_map->data.at("keep-alive").value, "10");  // the chart quotes it
    EXPECT_EQ(v->config_map->data.at("use-forwarded-headers").value_location.line, 9);
}

TEST(NginxHelmValuesTest, AnEmptyFileIsTheChartsDefaultsAndMistakesAreLocated) {
    core::Diagnostics none;
    const auto empty = readHelmValuesText("# nothing set\n", "values.yaml", none);
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->args.empty());
    EXPECT_FALSE(empty->config_map);

    core::Diagnostics findings;
    const auto v = readHelmValuesText(R"(controller:
  scope: {enabled: maybe}
  config:
    block-cidrs: [10.0.0.0/8]
)",
                                      "values.yaml", findings);
    ASSERT_TRUE(v);
    ASSERT_EQ(findings.size(), 2u);
    EXPECT_EQ(findings.items()[0].code, "ILAB-CONFIG-002");
    EXPECT_EQ(findings.items()[0].location.line, 2);
    EXPECT_EQ(findings.items()[1].location.line, 4);
    EXPECT_NE(findings.items()[1].message.find("controller.config.block-cidrs"), std::string::npos);

    core::Diagnostics broken;
    EXPECT_FALSE(readHelmValuesText("controller: {config: [\n", "values.yaml", broken));
    EXPECT_TRUE(broken.hasErrors());
}

}  // namespace
}  // namespace ilab::controllers::nginx
