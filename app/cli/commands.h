#pragma once
// The subcommands, each registered on a CLI11 app by its own file.
#include <functional>

#include <CLI/CLI.hpp>

#include "app/cli/cli.h"

namespace ilab::cli {

// Adds a subcommand; `action` receives the streams and returns the exit code.
using Action = std::function<int(Streams)>;
Action addCheckCommand(CLI::App& app);
Action addExplainCommand(CLI::App& app);
Action addServeCommand(CLI::App& app);
Action addRunCommand(CLI::App& app);

}  // namespace ilab::cli
