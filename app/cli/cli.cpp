#include "app/cli/cli.h"

#include <iostream>

#include "app/cli/commands.h"

namespace ilab::cli {

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
