#pragma once
// What a scenario run produced, as text for a terminal, JSON for scripts, JUnit XML for CI
// (one test case per expectation) and a self-contained HTML page with SVG plots that opens
// offline. Pure functions of the RunResult.
#include <string>

#include "engine/scenario/runner.h"

namespace ilab::scenario {

std::string renderSummary(const RunResult& result);
std::string renderJson(const RunResult& result);
std::string renderJUnit(const RunResult& result);
std::string renderHtml(const RunResult& result);

// Writes `text` to `path` through a temporary file in the same folder and a rename, so a
// reader never sees half a report (tls::writeFileAtomically): through a symlink to the file it
// leads to, never over a directory, FIFO, socket or device, keeping a replaced file's mode
// (0644 for a new one). Returns "" or why it failed.
std::string writeFileAtomically(const std::string& path, const std::string& text);

}  // namespace ilab::scenario
