// ingress-lab explain -f PATH... [-X METHOD] [-H 'Name: value']... [--cookie n=v]...
//                     [--client-ip IP] [--content-length N] [--seed N] [-o text|json] URL
#include <iomanip>
#include <memory>
#include <sstream>

#include "app/cli/commands.h"
#include "app/cli/controller_option.h"
#include "app/cli/url_request.h"
#include "engine/core/random.h"
#include "engine/core/text.h"
#include "engine/controllers/controller.h"
#include "engine/model/manifests.h"
#include "engine/routing/decision_json.h"
#include "engine/routing/route_table.h"
#include "engine/scenario/scenario_manifests.h"

namespace ilab::cli {
namespace {

struct ExplainOptions {
    std::vector<std::string> files;
    RequestFlags flags;
    std::optional<std::string> content_length;  // checked by parseContentLength()
    std::optional<std::uint64_t> seed;
    std::string output = "text";
    std::string url;
    bool watch_without_class = false;
    std::string controller;
    std::string ingress_class;
    std::string configmap;
    std::string values;
};

void row(std::ostream& out, std::string_view label, const std::string& value) {
    out << "  " << std::left << std::setw(10) << label << (label.size() >= 10 ? " " : "") << value
        << '\n';
}

// `controller`: the chosen controller's title, named when --controller chose it ("" : not).
void printText(std::ostream& out, const routing::Request& req, const routing::Decision& d,
               const std::string& controller) {
    out << req.method << ' ' << req.scheme << "://" << req.host << req.target << '\n';
    if (!controller.empty()) row(out, "controller", controller);
    std::string verdict(routing::actionName(d.action));
    if (d.action != routing::Action::Forward) verdict += " " + std::to_string(d.status);
    row(out, "action", verdict);
    if (d.action == routing::Action::Redirect) row(out, "location", d.location);
    if (d.action == routing::Action::Respond) row(out, "reason", d.reason);
    if (d.backend) {
        row(out, "backend",
            d.backend->namespace_ + "/" + d.backend->service + ":" + d.backend->port + " (" +
                std::to_string(d.backend->endpoints.size()) + " ready endpoint" +
                (d.backend->endpoints.size() == 1 ? ")" : "s)"));
        row(out, "upstream", "Host " + d.upstream.host + ", path " + d.upstream.path);
        for (const auto& [name, value] : d.upstream_headers)
            row(out, "header", name + ": " + value);
    }
    for (const auto& [name, value] : d.response_headers)
        row(out, "response", name + ": " + value);
    if (d.backend || !d.weights.empty()) {
        std::string canary = d.canary ? "yes" : "no";
        if (!d.weights.empty()) {
            std::vector<std::string> shares;
            for (const auto& w : d.weights) {
                std::ostringstream share;
                share << std::fixed << std::setprecision(1) << w.share * 100;
                shares.push_back(w.service + " " + share.str() + "%");
            }
            canary += " (weights: " + core::join(shares, ", ") + ")";
        }
        row(out, "canary", canary);
    }
    row(out, "ingress", d.ingress.value_or("(none)"));
    if (d.rule)
        row(out, "rule",
            "host " + (d.rule->host.empty() ? std::string("*") : d.rule->host) +
                (d.rule->path.empty() ? std::string(", default backend")
                                      : ", path " + d.rule->path + " (" + d.rule->path_type + ")"));
    out << "trace\n";
    for (const auto& step : d.trace)
        out << "  " << std::left << std::setw(16) << step.stage << std::setw(8)
            << routing::traceKindName(step.kind) << step.message << '\n';
}

}  // namespace

Action addExplainCommand(CLI::App& app) {
    auto opts = std::make_shared<ExplainOptions>();
    CLI::App* cmd = app.add_subcommand(
        "explain", "Show how the controller would handle one request, step by step");
    cmd->add_option("-f,--filename", opts->files,
                    "File, directory (recursive), scenario or - for stdin")
        ->required();
    cmd->add_option("-X,--request", opts->flags.method, "HTTP method");
    cmd->add_option("-H,--header", opts->flags.headers,
                    "Request header 'Name: value' (repeatable)");
    cmd->add_option("--cookie", opts->flags.cookies, "Cookie 'name=value' (repeatable)");
    cmd->add_option("--client-ip", opts->flags.client_ip,
                    "Client address for source-range policies");
    // A string first: CLI11 would take "-1" into a uint64_t as 2^64 - 1.
    cmd->add_option("--content-length", opts->content_length, "Request body size in bytes")
        ->check(CLI::Validator(
            [](const std::string& text) -> std::string {
                return parseContentLength(text)
                           ? std::string()
                           : "must be a number of bytes (digits only, 0 or more), not " +
                                 core::quoted(text);
            },
            "BYTES"));
    // Checked as text first: CLI11 would wrap "-1" and saturate "18446744073709551616".
    cmd->add_option("--seed", opts->seed, "Seed for weighted canary draws")
        ->check(CLI::Validator(
            [](const std::string& text) -> std::string {
                return parseSeed(text) ? std::string()
                                       : "must be a whole number from 0 to 18446744073709551615, "
                                         "not " +
                                             core::quoted(text);
            },
            "SEED"));
    cmd->add_option("-o,--output", opts->output, "text or json")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->add_flag("--watch-ingress-without-class", opts->watch_without_class,
                  "Serve Ingresses that name no class (ingress-nginx flag)");
    CLI::Option* controller_option = addControllerOption(*cmd, opts->controller);
    cmd->add_option("--class", opts->ingress_class,
                    "Simulate the controller that claims this IngressClass (its spec.controller, "
                    "or the controller whose default class it is)")
        ->excludes(controller_option);
    addConfigMapOption(*cmd, opts->configmap);
    addValuesOption(*cmd, opts->values);
    cmd->add_option("url", opts->url, "http://host/path or https://host/path")->required();
    return [opts](Streams s) {
        std::string error;
        if (opts->content_length)
            opts->flags.content_length = parseContentLength(*opts->content_length);
        bool assumed = false;
        const std::string url = withDefaultScheme(opts->url, &assumed);
        if (assumed) s.err << "ingress-lab explain: no scheme given; assuming " << url << '\n';
        auto request = buildRequest(url, opts->flags, &error);
        if (!request) {
            s.err << "ingress-lab explain: " << error << '\n';
            return kExitBadInput;
        }
        model::LoadOptions load;
        load.watch_ingress_without_class = opts->watch_without_class;
        load.standard_input = &s.in;
        const controllers::Controller* chosen = &chosenController(opts->controller, load);
        routing::CompileOptions compile;
        if (!opts->values.empty()) {  // before the manifests: it decides what is claimed
            core::Diagnostics values_findings;
            const bool usable =
                applyValues(opts->values, *chosen, load, compile, values_findings);
            for (const auto& d : values_findings.items())
                if (d.severity != core::Severity::Info) s.err << core::formatDiagnostic(d) << '\n';
            if (!usable) return kExitBadInput;
        }
        if (!opts->configmap.empty()) compile.configuration = opts->configmap;
        // A scenario stands for its manifests, read as `run` reads them (claimed for its first
        // controller, which is then the one explained unless --controller or --class says).
        model::Manifests manifests = scenario::loadInputManifests(opts->files, load);
        if (!opts->ingress_class.empty() && !manifests.input_unreadable) {
            chosen = controllerForClass(opts->ingress_class, load, manifests, error);
            if (!chosen) {
                s.err << "ingress-lab explain: --class: " << error << '\n';
                return kExitBadInput;
            }
        } else if (!opts->controller.empty()) {
            model::claimIngresses(manifests, load);
        } else if (auto input = scenario::inputController(opts->files, compile)) {
            chosen = input->controller;  // with its configMap and flags
            compile = input->compile;
            if (!opts->configmap.empty()) compile.configuration = opts->configmap;
        }
        const controllers::Controller& controller = *chosen;
        const bool named = !opts->controller.empty() || !opts->ingress_class.empty();
        if (manifests.input_unreadable) {
            for (const auto& d : manifests.diagnostics.items())
                if (d.severity == core::Severity::Error) s.err << core::formatDiagnostic(d) << '\n';
            return kExitBadInput;
        }
        for (const auto& d : manifests.diagnostics.items())
            if (d.code == "ILAB-INPUT-005") s.err << core::formatDiagnostic(d) << '\n';
        const auto errors = manifests.diagnostics.count(core::Severity::Error);
        if (errors > 0)
            s.err << "note: " << errors << " error(s) in the manifests; objects the API server "
                  << "would reject are left out (run ingress-lab check)\n";
        auto table = controller.compile(manifests, compile, nullptr);
        std::unique_ptr<core::SeededRandom> random;
        if (opts->seed) random = std::make_unique<core::SeededRandom>(*opts->seed);
        const routing::Decision decision = table->match(*request, random.get());
        if (opts->output == "json") {
            auto json = routing::decisionToJson(decision);
            if (named) json["controller"] = std::string(controller.id());
            s.out << json.dump(2) << '\n';
        } else {
            // Named when chosen: the default answer stays as it always was.
            printText(s.out, *request, decision,
                      named ? std::string(controller.title()) : "");
        }
        return kExitOk;
    };
}

}  // namespace ilab::cli
