// ingress-lab check -f PATH... [-o text|json|sarif]
// A scenario (file or folder) given with -f is checked by the manifests it runs on.
#include <map>
#include <memory>

#include "app/cli/commands.h"
#include "app/cli/controller_option.h"
#include "engine/controllers/controller.h"
#include "engine/lint/linter.h"
#include "engine/lint/report.h"
#include "engine/model/manifests.h"
#include "engine/core/text.h"
#include "engine/lab/lab.h"
#include "engine/scenario/scenario_lab.h"
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

// A scenario that runs several controllers (spec.controllers) is linted as its first runs it;
// an Ingress another of them claims is not unclaimed: the finding says which one serves it.
void creditOtherControllers(const std::vector<std::string>& files, const model::LoadOptions& load,
                            const model::Manifests& manifests, core::Diagnostics& findings) {
    if (files.size() != 1 || !scenario::isScenarioPath(files.front())) return;
    const scenario::LoadedScenario loaded = scenario::loadScenario(files.front());
    if (!loaded.scenario || loaded.scenario->controllers.size() < 2) return;
    lab::LabOptions lab_options;
    lab_options.load = load;
    scenario::applyScenarioControllers(*loaded.scenario, lab_options, false);
    std::map<std::string, std::string> claimed_by;  // "Ingress ns/name" -> controller
    for (const auto& spec : lab_options.more_controllers) {
        const auto claiming = lab::claimingFor(spec, load);
        if (!claiming) continue;
        model::Manifests theirs = manifests;
        model::claimIngresses(theirs, *claiming);
        for (const auto& ing : theirs.ingresses)
            if (ing.claimed) claimed_by.try_emplace("Ingress " + ing.meta.qualifiedName(), spec.name);
    }
    core::Diagnostics kept;
    for (core::Diagnostic d : findings.items()) {
        const auto it = claimed_by.find(d.object);
        if (d.code == "ILAB-LINT-010" && it != claimed_by.end()) {
            d.severity = core::Severity::Info;
            d.message = "Ingress is served by the scenario's controller " +
                        core::quoted(it->second) + "; its first controller does not claim it";
            d.hint.clear();
        }
        kept.add(std::move(d));
    }
    findings = std::move(kept);
}

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
        lint::LintOptions lint_options;
        core::Diagnostics values_findings;
        const bool values_usable =  // before the manifests: it decides what is claimed
            applyValues(opts->values, *chosen, load, lint_options.compile, values_findings);
        if (!opts->configmap.empty()) lint_options.compile.configuration = opts->configmap;
        // A scenario stands for its manifests, read as `run` reads them: claimed for its first
        // controller, which is then the one checked (with its configMap and flags) unless
        // --controller says.
        model::Manifests manifests = scenario::loadInputManifests(opts->files, load);
        manifests.diagnostics.append(values_findings);
        if (!values_usable) manifests.input_unreadable = true;
        if (!opts->controller.empty()) {
            model::claimIngresses(manifests, load);
        } else if (auto input = scenario::inputController(opts->files, lint_options.compile)) {
            chosen = input->controller;
            lint_options.compile = input->compile;
            if (!opts->configmap.empty()) lint_options.compile.configuration = opts->configmap;
        }
        const controllers::Controller& controller = *chosen;
        lint::LintResult result = lint::lint(manifests, controller, lint_options);
        if (opts->controller.empty())
            creditOtherControllers(opts->files, load, manifests, result.diagnostics);
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
