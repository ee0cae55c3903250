#pragma once
// Renders lint findings as text, JSON or SARIF 2.1.0.
#include <string>

#include "engine/core/diagnostic.h"

namespace ilab::lint {

std::string renderText(const core::Diagnostics& diagnostics, bool with_hints);
std::string renderJson(const core::Diagnostics& diagnostics);
std::string renderSarif(const core::Diagnostics& diagnostics, const std::string& tool_version);

}  // namespace ilab::lint
