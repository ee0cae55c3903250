// ingress-lab check -f PATH... [-o text|json|sarif]
// A scenario (file or folder) given with -f is checked by the manifests it runs on.
#include <memory>

#include "app/cli/commands.h"
#include "app/cli/controller_option.h"
#include "engine/controllers/controller.h"
#include "engine/lint/linter.h"
#include "engine/lint/report.h"
#include "engine/model/manifests.h"
#include "engine/scenario/scenario_manifests.h"

namespace ilab::cli {
namespace {

struct CheckOptions {
    std::vector<std::string> files;
    std::string output = "text";
    bool no_hints = false;
    bool watch_without_class = false;
    std::string ingress_class = "nginx";
    std::string controller;
    std::string configmap;
    std::string values;
};

}  // namespace

Action addCheckCommand(CLI::App& app) {
    auto opts = std::make_shared<CheckOptions>();
    CLI::App* cmd = app.add_subcommand(
        "check", "Validate and lint manifests as the API server and ingress-nginx would");
    cmd->add_option("-f,--filename", opts->files,
                    "File, directory (recursive), scenario or - for stdin")
        ->required();
    cmd->add_option("-o,--output", opts->output, "text, json or sarif")
        ->check(CLI::IsMember({"text", "json", "sarif"}));
    cmd->add_flag("--no-hints", opts->no_hints, "Leave the hint lines out of text output");
    cmd->add_flag("--watch-ingress-without-class", opts->watch_without_class,
                  "Serve Ingresses that name no class (ingress-nginx flag)");
    cmd->add_option("--ingress-class", opts->ingress_class,
                    "The class name the controller answers to");
    addControllerOption(*cmd, opts->controller);
    addConfigMapOption(*cmd, opts->configmap);
    addValuesOption(*cmd, opts->values);
    return [opts](Streams s) {
        model::LoadOptions load;
        load.watch_ingress_without_class = opts->watch_without_class;
        load.standard_input = &s.in;
        load.default_class_name = opts->ingress_class;
        const controllers::Controller* chosen = &chosenController(opts->controller, load);
        // A scenario stands for its manifests, read as `run` reads them: claimed for its first
        // controller, which is then the one checked unless --controller says.
        model::Manifests manifests = scenario::loadInputManifests(opts->files, load);
        if (!opts->controller.empty())
            model::claimIngresses(manifests, load);
        else
            chosen = &controllers::controllerFor(scenario::inputLoadOptions(opts->files, load));
        const controllers::Controller& controller = *chosen;
        lint::LintOptions lint_options;
        lint_options.compile.configuration = opts->configmap;
        if (!opts->values.empty()) {  // read before the manifests: it decides what is claimed
            core::Diagnostics values_findings;
            const bool usable = applyValues(opts->values, controller, load, lint_options.compile,
                                            values_findings);
            if (usable) manifests = scenario::loadInputManifests(opts->files, load);
            manifests.diagnostics.append(values_findings);
            if (!usable) manifests.input_unreadable = true;
        }
        const lint::LintResult result = lint::lint(manifests, controller, lint_options);
        if (opts->output == "json")
            s.out << lint::renderJson(result.diagnostics);
        else if (opts->output == "sarif")
            s.out << lint::renderSarif(result.diagnostics, ILAB_VERSION);
        else
            s.out << lint::renderText(result.diagnostics, !opts->no_hints);
        if (manifests.input_unreadable) return kExitBadInput;
        return result.diagnostics.hasErrors() ? kExitFindings : kExitOk;
    };
}

}  // namespace ilab::cli
