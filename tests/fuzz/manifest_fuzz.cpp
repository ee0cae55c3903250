// libFuzzer harness: any byte string given as a manifest file must load, lint and explain
// without crashing, hanging or throwing, and every diagnostic must carry a location.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/dialect/dialect.h"
#include "engine/lint/linter.h"
#include "engine/model/manifests.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    ilab::model::Manifests manifests = ilab::model::loadManifestsFromText(text, "fuzz.yaml");
    static auto dialect = ilab::dialect::makeNginxDialect();
    ilab::lint::LintResult result = ilab::lint::lint(manifests, *dialect);
    for (const auto& d : result.diagnostics.items()) {
        if (d.code.rfind("ILAB-", 0) != 0) std::abort();
    }
    ilab::routing::Request request;
    request.host = "shop.local";
    request.target = "/catalog/../a//b%2Fc?x=1";
    (void)result.table->match(request, nullptr);
    return 0;
}
