#include "engine/lint/report.h"

#include <map>

#include <nlohmann/json.hpp>

namespace ilab::lint {
namespace {

nlohmann::json locationJson(const core::SourceLocation& at) {
    if (!at.known()) return nullptr;
    return {{"file", at.fileName()}, {"line", at.line}, {"column", at.column}};
}

std::string summary(const core::Diagnostics& d) {
    const auto e = d.count(core::Severity::Error), w = d.count(core::Severity::Warning),
               i = d.count(core::Severity::Info);
    return std::to_string(e) + (e == 1 ? " error, " : " errors, ") + std::to_string(w) +
           (w == 1 ? " warning, " : " warnings, ") + std::to_string(i) + " info";
}

}  // namespace

std::string renderText(const core::Diagnostics& diagnostics, bool with_hints) {
    std::string out;
    for (const auto& d : diagnostics.items()) {
        out += core::formatDiagnostic(d);
        if (!d.object.empty()) out += " [" + d.object + "]";
        out += '\n';
        if (with_hints && !d.hint.empty()) out += "    hint: " + d.hint + '\n';
    }
    out += summary(diagnostics) + '\n';
    return out;
}

std::string renderJson(const core::Diagnostics& diagnostics) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& d : diagnostics.items()) {
        items.push_back({{"severity", core::severityName(d.severity)},
                         {"code", d.code},
                         {"message", d.message},
                         {"hint", d.hint},
                         {"object", d.object},
                         {"location", locationJson(d.location)}});
    }
    nlohmann::json doc = {{"diagnostics", items},
                          {"summary",
                           {{"errors", diagnostics.count(core::Severity::Error)},
                            {"warnings", diagnostics.count(core::Severity::Warning)},
                            {"info", diagnostics.count(core::Severity::Info)}}}};
    return doc.dump(2) + '\n';
}

std::string renderSarif(const core::Diagnostics& diagnostics, const std::string& tool_version) {
    std::map<std::string, nlohmann::json> rules;
    nlohmann::json results = nlohmann::json::array();
    for (const auto& d : diagnostics.items()) {
        rules.emplace(d.code, nlohmann::json{{"id", d.code},
                                             {"helpUri", "docs/diagnostics.md#" + d.code},
                                             {"shortDescription", {{"text", d.code}}}});
        nlohmann::json result = {
            {"ruleId", d.code},
            {"level", d.severity == core::Severity::Error     ? "error"
                      : d.severity == core::Severity::Warning ? "warning"
                                                              : "note"},
            {"message",
             {{"text", d.hint.empty() ? d.message : d.message + " (hint: " + d.hint + ")"}}}};
        if (d.location.known()) {
            nlohmann::json region = nlohmann::json::object();
            if (d.location.line > 0) region["startLine"] = d.location.line;
            if (d.location.column > 0) region["startColumn"] = d.location.column;
            result["locations"] = {
                {{"physicalLocation",
                  {{"artifactLocation", {{"uri", d.location.fileName()}}}, {"region", region}}}}};
        }
        results.push_back(result);
    }
    nlohmann::json rule_list = nlohmann::json::array();
    for (auto& [code, rule] : rules)
        rule_list.push_back(rule);
    nlohmann::json doc = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                          {"version", "2.1.0"},
                          {"runs",
                           {{{"tool",
                              {{"driver",
                                {{"name", "ingress-lab"},
                                 {"version", tool_version},
                                 {"informationUri", "docs/diagnostics.md"},
                                 {"rules", rule_list}}}}},
                             {"results", results}}}}};
    return doc.dump(2) + '\n';
}

}  // namespace ilab::lint
