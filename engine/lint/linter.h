#pragma once
// `ingress-lab check`: every finding about a set of manifests, from loading and API validation
// through annotation parsing and route compilation to cross-object checks.
#include <memory>

#include "engine/controllers/controller.h"
#include "engine/core/diagnostic.h"
#include "engine/model/manifests.h"
#include "engine/routing/route_table.h"

namespace ilab::lint {

struct LintOptions {
    routing::CompileOptions compile;
    long long now = 0;  // seconds since the epoch for certificate checks; 0: the real clock
};

struct LintResult {
    core::Diagnostics diagnostics;  // sorted by file, line, column
    std::shared_ptr<const routing::RouteTable> table;
};

// Lints `manifests` as `controller` would run them (controllers::controllerFor(load options)).
LintResult lint(const model::Manifests& manifests, const controllers::Controller& controller,
                const LintOptions& options = {});

// The individual check families (each appends to `out`).
void checkReferences(const model::Manifests& m, const controllers::Controller& controller,
                     core::Diagnostics& out);
void checkTls(const model::Manifests& m, long long now, core::Diagnostics& out);
void checkRoutes(const model::Manifests& m, const routing::RouteTable& table,
                 core::Diagnostics& out);

}  // namespace ilab::lint
