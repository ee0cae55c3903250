#include "engine/lint/linter.h"

#include <ctime>

namespace ilab::lint {

LintResult lint(const model::Manifests& manifests, const controllers::Controller& controller,
                const LintOptions& options) {
    LintResult result;
    result.diagnostics.append(manifests.diagnostics);
    result.table = controller.compile(manifests, options.compile, &result.diagnostics);
    checkReferences(manifests, controller, result.diagnostics);
    checkTls(manifests, options.now ? options.now : static_cast<long long>(std::time(nullptr)),
             result.diagnostics);
    checkRoutes(manifests, *result.table, result.diagnostics);
    result.diagnostics.sortByLocation();
    return result;
}

}  // namespace ilab::lint
