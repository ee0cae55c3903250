// libFuzzer harness: any byte string given as a manifest file must load, lint and explain
// without crashing, hanging or throwing, and every diagnostic must carry a location: this file's
// name, a line and a column (1-based), a stable ILAB- code and a message.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "engine/controllers/controller.h"
#include "engine/lint/linter.h"
#include "engine/model/manifests.h"

namespace {

constexpr std::string_view kFile = "fuzz.yaml";

[[noreturn]] void broken(const ilab::core::Diagnostic& d, const char* what) {
    std::fprintf(stderr, "manifest_fuzz: %s: %s\n", what, ilab::core::formatDiagnostic(d).c_str());
    std::abort();
}

void checkDiagnostic(const ilab::core::Diagnostic& d) {
    if (!d.code.starts_with("ILAB-")) broken(d, "a code without the ILAB- prefix");
    if (d.message.empty()) broken(d, "no message");
    if (!d.location.known() || d.location.fileName() != kFile) broken(d, "no file");
    if (d.location.line < 1 || d.location.column < 1) broken(d, "no line and column");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    ilab::model::Manifests manifests = ilab::model::loadManifestsFromText(text, std::string(kFile));
    for (const auto& d : manifests.diagnostics.items())
        checkDiagnostic(d);
    ilab::lint::LintResult result =
        ilab::lint::lint(manifests, ilab::controllers::Registry::builtin().standard());
    for (const auto& d : result.diagnostics.items())
        checkDiagnostic(d);
    ilab::routing::Request request;
    request.host = "shop.local";
    request.target = "/catalog/../a//b%2Fc?x=1";
    (void)result.table->match(request, nullptr);
    return 0;
}
