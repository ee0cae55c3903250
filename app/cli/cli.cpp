#include "app/cli/cli.h"

#include <algorithm>
#include <iostream>

#include "app/cli/commands.h"
#include "engine/core/text.h"

namespace ilab::cli {
namespace {

// A hint for a mistyped subcommand ("chek") or a long option the subcommand does not have
// ("--filname"), "" when there is no close one. CLI11 only says "A subcommand is required" or
// "The following argument was not expected".
std::string suggestion(const CLI::App& app, const std::vector<std::string>& args) {
    if (args.empty()) return "";
    const auto every = [](const CLI::App*) { return true; };
    const CLI::App* command = nullptr;
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands(every)) {
        names.push_back(sub->get_name());
        if (sub->get_name() == args.front()) command = sub;
    }
    if (!command) {
        if (args.front().starts_with("-")) return "";
        const std::string hint = core::didYouMean(
            args.front(), std::vector<std::string_view>(names.begin(), names.end()));
        return hint.empty() ? "" : hint + " (" + core::quoted(args.front()) + " is not a command)";
    }
    std::vector<std::string> options;
    for (const CLI::Option* o : command->get_options())
        for (const std::string& name : o->get_lnames())
            options.push_back("--" + name);
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--") break;
        if (!args[i].starts_with("--")) continue;
        const std::string name = args[i].substr(0, args[i].find('='));
        if (std::find(options.begin(), options.end(), name) != options.end()) continue;
        const std::string hint =
            core::didYouMean(name, std::vector<std::string_view>(options.begin(), options.end()));
        if (!hint.empty())
            return hint + " (" + command->get_name() + " has no option " + core::quoted(name) + ")";
    }
    return "";
}

}  // namespace

int run(const std::vector<std::string>& args, Streams streams) {
    CLI::App app{"Ingress Lab: a simulation lab for Kubernetes Ingress", "ingress-lab"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("ingress-lab ") + ILAB_VERSION);
    Action check = addCheckCommand(app);
    Action explain = addExplainCommand(app);
    Action serve = addServeCommand(app);
    Action run_scenario = addRunCommand(app);

    std::vector<std::string> reversed(args.rbegin(),
                                      args.rend());  // CLI11 parses a reversed vector
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        streams.out << app.help();
        return kExitOk;
    } catch (const CLI::CallForAllHelp&) {
        streams.out << app.help("", CLI::AppFormatMode::All);
        return kExitOk;
    } catch (const CLI::CallForVersion&) {
        streams.out << "ingress-lab " << ILAB_VERSION << '\n';
        return kExitOk;
    } catch (const CLI::ParseError& e) {
        streams.err << "ingress-lab: " << e.what() << '\n';
        if (const std::string hint = suggestion(app, args); !hint.empty())
            streams.err << "hint: " << hint << '\n';
        for (const CLI::App* sub : app.get_subcommands())
            streams.err << "usage: see ingress-lab " << sub->get_name() << " --help\n";
        if (app.get_subcommands().empty()) streams.err << "usage: see ingress-lab --help\n";
        return kExitBadInput;
    }
    if (app.got_subcommand("check")) return check(streams);
    if (app.got_subcommand("explain")) return explain(streams);
    if (app.got_subcommand("serve")) return serve(streams);
    if (app.got_subcommand("run")) return run_scenario(streams);
    return kExitBadInput;
}

}  // namespace ilab::cli
