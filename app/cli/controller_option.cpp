#include "app/cli/controller_option.h"

#include <vector>

#include "engine/controllers/nginx_helm_values.h"
#include "engine/core/text.h"

namespace ilab::cli {

CLI::Option* addControllerOption(CLI::App& command, std::string& id) {
    const auto& registry = controllers::Registry::builtin();
    std::string ids;
    for (const auto& c : registry.all()) ids += (ids.empty() ? "" : ", ") + std::string(c->id());
    return command
        .add_option("--controller", id,
                    "Simulate this controller (" + ids + "); default: the one the IngressClasses name")
        ->check([&registry, ids](const std::string& value) -> std::string {
            if (registry.find(value)) return {};
            std::vector<std::string_view> known;
            for (const auto& c : registry.all()) known.push_back(c->id());
            const std::string near = core::didYouMean(value, known);
            return "unknown controller " + core::quoted(value) + " (known: " + ids + ")" +
                   (near.empty() ? "" : "; " + near);
        });
}

void addConfigMapOption(CLI::App& command, std::string& reference) {
    command
        .add_option("--configmap", reference,
                    "The ConfigMap ingress-nginx reads its settings from, as NAMESPACE/NAME "
                    "(its --configmap; default ingress-nginx/ingress-nginx-controller)")
        ->check([](const std::string& value) -> std::string {
            const auto slash = value.find('/');
            if (slash == std::string::npos || slash == 0 || slash + 1 == value.size() ||
                value.find('/', slash + 1) != std::string::npos)
                return "--configmap takes NAMESPACE/NAME, e.g. ingress-nginx/ingress-nginx-controller";
            return {};
        });
}

void addAlsoControllerOption(CLI::App& command, std::vector<std::string>& ids) {
    const auto& registry = controllers::Registry::builtin();
    command
        .add_option("--also-controller", ids,
                    "Run this controller too, beside the first, on the same pods and its own free "
                    "ports (repeat for more); serve prints where each listens")
        ->check([&registry](const std::string& value) -> std::string {
            if (registry.find(value)) return {};
            std::vector<std::string_view> known;
            for (const auto& c : registry.all()) known.push_back(c->id());
            const std::string near = core::didYouMean(value, known);
            return "unknown controller " + core::quoted(value) + " (known: " +
                   registry.describeKnown() + ")" + (near.empty() ? "" : "; " + near);
        });
}

void addValuesOption(CLI::App& command, std::string& path) {
    command.add_option("--values", path,
                       "The ingress-nginx Helm chart's values file: its controller: block's flags "
                       "(extraArgs, ingressClassResource, ...) and config (the ConfigMap)");
}

bool applyValues(const std::string& path, const controllers::Controller& controller,
                 model::LoadOptions& load, routing::CompileOptions& compile,
                 core::Diagnostics& findings) {
    if (path.empty()) return true;
    if (controller.id() != "ingress-nginx") {
        findings.error("ILAB-CONFIG-008",
                       "--values is the ingress-nginx Helm chart's values file; " +
                           std::string(controller.title()) + " has none",
                       {std::make_shared<const std::string>(path), 0, 0});
        return false;
    }
    const auto values = controllers::nginx::readHelmValues(path, findings);
    if (!values) return false;
    if (values->config_map) load.installed_config_maps.push_back(*values->config_map);
    controller.applyArgs(values->args, load, compile, findings);
    return !findings.hasErrors();
}

std::string uniqueControllerName(const std::string& id, const lab::LabOptions& options) {
    const controllers::Controller* plugin = controllers::Registry::builtin().find(id);
    const std::string base = plugin ? std::string(plugin->id()) : id;
    const auto taken = [&](const std::string& name) {
        if (name == controllers::controllerFor(options.load).id()) return true;
        for (const auto& c : options.more_controllers)
            if (c.name == name) return true;
        return false;
    };
    std::string name = base;
    for (int n = 2; taken(name); ++n) name = base + "-" + std::to_string(n);
    return name;
}

const controllers::Controller& chosenController(const std::string& id, model::LoadOptions& load) {
    if (const controllers::Controller* c = controllers::Registry::builtin().find(id); c && !id.empty()) {
        load = c->claiming(std::move(load));
        return *c;
    }
    return controllers::controllerFor(load);
}

const controllers::Controller* controllerForClass(const std::string& ingress_class,
                                                  const model::LoadOptions& base,
                                                  model::Manifests& manifests, std::string& error) {
    const auto& registry = controllers::Registry::builtin();
    const controllers::Controller* plugin = nullptr;
    std::string claimed_name;
    if (const model::IngressClass* cls = manifests.findIngressClass(ingress_class)) {
        plugin = registry.find(cls->controller);
        claimed_name = cls->controller;
        if (!plugin) {
            error = "IngressClass " + core::quoted(ingress_class) + " names controller " +
                    core::quoted(cls->controller) + ", which the lab does not simulate (it knows " +
                    registry.describeKnown() + ")";
            return nullptr;
        }
    } else {
        for (const auto& c : registry.all())
            if (c->defaultClassName() == ingress_class) plugin = c.get();
        if (!plugin) {
            std::vector<std::string_view> known;
            for (const auto& c : manifests.ingress_classes) known.push_back(c.meta.name);
            for (const auto& c : registry.all()) known.push_back(c->defaultClassName());
            const std::string near = core::didYouMean(ingress_class, known);
            error = "no IngressClass " + core::quoted(ingress_class) +
                    " in the manifests, and no controller the lab simulates answers to it by "
                    "default" + (near.empty() ? "" : "; " + near);
            return nullptr;
        }
    }
    model::LoadOptions load = base;
    load.default_class_name = ingress_class;
    load.claim_every_ingress = false;
    load = plugin->claiming(std::move(load));
    if (!claimed_name.empty()) load.controller = claimed_name;
    model::claimIngresses(manifests, load);
    return plugin;
}

}  // namespace ilab::cli
