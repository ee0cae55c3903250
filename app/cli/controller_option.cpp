#include "app/cli/controller_option.h"

#include <vector>

#include "engine/core/text.h"

namespace ilab::cli {

void addControllerOption(CLI::App& command, std::string& id) {
    const auto& registry = controllers::Registry::builtin();
    std::string ids;
    for (const auto& c : registry.all()) ids += (ids.empty() ? "" : ", ") + std::string(c->id());
    command
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

const controllers::Controller& chosenController(const std::string& id, model::LoadOptions& load) {
    if (const controllers::Controller* c = controllers::Registry::builtin().find(id); c && !id.empty()) {
        load = c->claiming(std::move(load));
        return *c;
    }
    return controllers::controllerFor(load);
}

}  // namespace ilab::cli
