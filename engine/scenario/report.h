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
// Reports are written with core::writeFileAtomically (engine/core/atomic_file.h).

}  // namespace ilab::scenario
