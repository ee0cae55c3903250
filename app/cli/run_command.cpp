// ingress-lab run SCENARIO [--json FILE] [--junit FILE] [--html FILE] [--fail-under PCT]
//                          [--quiet]
// Exit codes: 0 every expectation holds, 1 one failed, 2 invalid input, 3 runtime error.
// SIGINT stops the run early; what was measured is still judged and written, marked
// incomplete (exit 1).
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iomanip>
#include <memory>
#include <ostream>
#include <thread>

#include "app/cli/commands.h"
#include "engine/core/atomic_file.h"
#include "engine/scenario/report.h"
#include "engine/scenario/runner.h"

namespace ilab::cli {
namespace {

constexpr int kExitRuntime = 3;

struct RunFlags {
    std::string scenario;
    std::string json, junit, html;
    std::optional<double> fail_under;
    bool quiet = false;
};

// As `check` prints them: each with its hint (a did-you-mean, what to do) on the next line.
void printDiagnostics(std::ostream& out, const core::Diagnostics& diagnostics) {
    for (const auto& d : diagnostics.items()) {
        if (d.severity == core::Severity::Info) continue;
        out << core::formatDiagnostic(d) << '\n';
        if (!d.hint.empty()) out << "    hint: " << d.hint << '\n';
    }
}

}  // namespace

Action addRunCommand(CLI::App& app) {
    auto flags = std::make_shared<RunFlags>();
    CLI::App* cmd = app.add_subcommand(
        "run", "Run a scenario headless: traffic, faults and expectations, for CI and teaching");
    cmd->add_option("scenario", flags->scenario, "Scenario file (or a folder with scenario.yaml)")
        ->required();
    cmd->add_option("--json", flags->json, "Write the results as JSON to FILE");
    cmd->add_option("--junit", flags->junit, "Write JUnit XML (one test case per expectation)");
    cmd->add_option("--html", flags->html, "Write a self-contained HTML report with plots");
    cmd->add_option("--fail-under", flags->fail_under,
                    "Fail when the traffic reaches fewer than PCT percent of the rules")
        ->check(CLI::Range(0.0, 100.0));
    cmd->add_flag("-q,--quiet", flags->quiet, "No progress line");
    return [flags](Streams s) {
        const scenario::LoadedScenario loaded = scenario::loadScenario(flags->scenario);
        printDiagnostics(s.err, loaded.diagnostics);
        if (!loaded.scenario || loaded.diagnostics.hasErrors()) {
            s.err << "ingress-lab run: the scenario is invalid\n";
            return kExitBadInput;
        }

        // SIGINT and SIGTERM end the run early instead of killing it; a watcher thread turns
        // them into the cancel flag.
        static std::atomic<bool> cancel{false};
        cancel = false;
        sigset_t stop_signals;
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGTERM);
        sigset_t previous;
        pthread_sigmask(SIG_BLOCK, &stop_signals, &previous);
        std::atomic<bool> done{false};
        std::thread watcher([&] {
            while (!done) {
                timespec tick{0, 100'000'000};
                const int sig = sigtimedwait(&stop_signals, nullptr, &tick);
                if (sig == SIGINT || sig == SIGTERM) cancel = true;
            }
        });

        scenario::RunOptions options;
        options.coverage_fail_under = flags->fail_under;
        options.cancel = &cancel;
        const bool terminal = isatty(STDERR_FILENO) && !flags->quiet;
        if (terminal)
            options.progress = [&s](const scenario::Progress& p) {
                s.err << "\r  " << std::fixed << std::setprecision(0) << p.elapsed_s << "/"
                      << p.planned_s << " s  " << p.rate << " req/s  " << p.requests
                      << " requests  " << p.errors << " 5xx   " << std::flush;
            };
        core::Diagnostics diagnostics;
        const auto result = scenario::runScenario(*loaded.scenario, options, diagnostics);
        done = true;
        watcher.join();
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        if (terminal) s.err << "\r" << std::string(72, ' ') << "\r";
        printDiagnostics(s.err, diagnostics);
        if (!result) {
            const bool runtime = diagnostics.contains("ILAB-RUN-001");
            s.err << "ingress-lab run: the scenario did not run\n";
            return runtime ? kExitRuntime : kExitBadInput;
        }
        s.out << scenario::renderSummary(*result);
        bool written = true;
        for (const auto& [path, text] :
             {std::pair{flags->json, flags->json.empty() ? "" : scenario::renderJson(*result)},
              std::pair{flags->junit, flags->junit.empty() ? "" : scenario::renderJUnit(*result)},
              std::pair{flags->html, flags->html.empty() ? "" : scenario::renderHtml(*result)}}) {
            if (path.empty()) continue;
            if (std::string error;
                !core::writeFileAtomically(path, text, core::kKeepExistingMode, &error)) {
                s.err << "ingress-lab run: " << error << '\n';
                written = false;
            }
        }
        if (!written) return kExitRuntime;
        return result->passed() && !result->incomplete ? kExitOk : kExitFindings;
    };
}

}  // namespace ilab::cli
