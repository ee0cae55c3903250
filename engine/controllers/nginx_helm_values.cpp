#include "engine/controllers/nginx_helm_values.h"

#include "engine/controllers/nginx_configuration.h"
#include "engine/core/input_file.h"
#include "engine/core/text.h"
#include "engine/core/yaml_tree.h"

namespace ilab::controllers::nginx {
namespace {

using core::YamlNode;

class ValuesReader {
  public:
    explicit ValuesReader(core::Diagnostics& findings) : findings_(findings) {}

    HelmValues read(const YamlNode& root) {
        const YamlNode* controller = map(root.find("controller"), "controller");
        if (!controller) return std::move(out_);
        // _params.tpl, in its order; extraArgs last, so they win.
        const YamlNode* resource =
            map(controller->find("ingressClassResource"), "controller.ingressClassResource");
        if (resource)
            if (const YamlNode* value = resource->find("controllerValue"))
                if (auto v = text(value, "controller.ingressClassResource.controllerValue"))
                    arg("--controller-class=" + *v, *value);
        // The class the lab stands in for when the manifests define none: the one the chart
        // creates (ingressClassResource.name), else the --ingress-class it passes.
        const YamlNode* class_name = controller->find("ingressClass");
        if (resource && resource->find("name")) class_name = resource->find("name");
        if (class_name)
            if (auto v = text(class_name, "controller.ingressClass"); v && !v->empty())
                arg("--ingress-class=" + *v, *class_name);
        if (const YamlNode* scope = map(controller->find("scope"), "controller.scope")) {
            if (flag(scope->find("enabled"), "controller.scope.enabled")) {
                std::string ns = kReleaseNamespace;
                if (const YamlNode* n = scope->find("namespace"))
                    if (auto v = text(n, "controller.scope.namespace"); v && !v->empty()) ns = *v;
                arg("--watch-namespace=" + ns, *scope->find("enabled"));
            }
        }
        if (flag(controller->find("ingressClassByName"), "controller.ingressClassByName"))
            arg("--ingress-class-by-name=true", *controller->find("ingressClassByName"));
        if (flag(controller->find("watchIngressWithoutClass"), "controller.watchIngressWithoutClass"))
            arg("--watch-ingress-without-class=true", *controller->find("watchIngressWithoutClass"));
        if (const YamlNode* backend = map(root.find("defaultBackend"), "defaultBackend"))
            if (flag(backend->find("enabled"), "defaultBackend.enabled"))
                arg(std::string("--default-backend-service=") + kReleaseNamespace +
                        "/ingress-nginx-defaultbackend",
                    *backend->find("enabled"));
        if (const YamlNode* extra = map(controller->find("extraArgs"), "controller.extraArgs"))
            for (const auto& e : extra->entries) {
                // "Accept keys without values or with false as value" (_params.tpl).
                const std::string value = e.value.isScalar() ? e.value.scalar : "";
                arg(value.empty() ? "--" + e.key : "--" + e.key + "=" + value, e.value,
                    e.key_location);
            }
        readConfig(*controller);
        return std::move(out_);
    }

  private:
    // controller-configmap.yaml: allow-snippet-annotations, then every config key, each value
    // a string (`tpl (toString $value) | quote`).
    void readConfig(const YamlNode& controller) {
        model::ConfigMap cm;
        cm.meta.name = std::string(kDefaultConfigMap.substr(kDefaultConfigMap.find('/') + 1));
        cm.meta.namespace_ = kReleaseNamespace;
        if (const YamlNode* snippets = controller.find("allowSnippetAnnotations");
            snippets && flag(snippets, "controller.allowSnippetAnnotations"))
            cm.data["allow-snippet-annotations"] = {"true", snippets->location, snippets->location};
        if (const YamlNode* config = map(controller.find("config"), "controller.config")) {
            cm.meta.location = config->location;
            for (const auto& e : config->entries) {
                if (!e.value.isScalar() && !e.value.isNull()) {
                    findings_.error("ILAB-CONFIG-002",
                                    "controller.config." + e.key + ": " +
                                        std::string(e.value.typeName()) +
                                        " where the chart writes a string into the ConfigMap",
                                    e.value.location, "give the value as a string");
                    continue;
                }
                cm.data[e.key] = {e.value.scalar, e.key_location, e.value.location};
            }
        }
        if (!cm.data.empty()) out_.config_map = std::move(cm);
    }

    const YamlNode* map(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return nullptr;
        if (node->isMap()) return node;
        wrongType(*node, path, "a map");
        return nullptr;
    }
    std::optional<std::string> text(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return std::nullopt;
        if (node->isScalar()) return node->scalar;
        wrongType(*node, path, "a string");
        return std::nullopt;
    }
    bool flag(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return false;
        if (auto b = node->asBool()) return *b;
        wrongType(*node, path, "true or false");
        return false;
    }
    void wrongType(const YamlNode& node, const std::string& path, std::string_view expected) {
        findings_.error("ILAB-CONFIG-002",
                        path + ": " + std::string(node.typeName()) + " where the chart expects " +
                            std::string(expected),
                        node.location);
    }
    void arg(std::string text, const YamlNode& at, const core::SourceLocation& key = {}) {
        out_.args.push_back({std::move(text), key.known() ? key : at.location});
    }

    HelmValues out_;
    core::Diagnostics& findings_;
};

}  // namespace

std::optional<HelmValues> readHelmValuesText(const std::string& text, const std::string& file_name,
                                             core::Diagnostics& findings) {
    core::YamlParseResult parsed = core::parseYamlStream(text, file_name);
    findings.append(parsed.diagnostics);
    if (parsed.diagnostics.hasErrors()) return std::nullopt;
    if (parsed.documents.empty()) return HelmValues{};  // an empty file: the chart's defaults
    const YamlNode& root = parsed.documents.front().root;
    if (!root.isMap()) {
        findings.error("ILAB-CONFIG-002", "a values file is a map, this is " +
                                              std::string(root.typeName()),
                       root.location);
        return std::nullopt;
    }
    return ValuesReader(findings).read(root);
}

std::optional<HelmValues> readHelmValues(const std::string& path, core::Diagnostics& findings) {
    const core::InputText input = core::readInputFile(path);
    if (!input.ok()) {
        core::addInputError(findings, input, {std::make_shared<const std::string>(path), 0, 0});
        return std::nullopt;
    }
    return readHelmValuesText(input.text, path, findings);
}

}  // namespace ilab::controllers::nginx
