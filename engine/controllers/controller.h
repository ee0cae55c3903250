#pragma once
// A controller plug-in: one Ingress controller the lab simulates, registered under the
// IngressClass spec.controller name it answers to (docs/controllers.md). It says which Ingresses
// it claims, reads their annotations and builds the route table with its own semantics. Front
// ends, lint and the lab never name a controller in code: they ask the Registry.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/diagnostic.h"
#include "engine/dialect/dialect.h"
#include "engine/model/manifests.h"
#include "engine/routing/route_table.h"
#include "engine/tls/tls_options.h"

namespace ilab::controllers {

// One command-line argument of a controller as written: "--disable-catch-all",
// "--watch-namespace=shop", or a flag's value given as the next argument.
struct ControllerArg {
    std::string text;
    core::SourceLocation location;
};

// What a controller's own configuration sets outside its route table: TLS (with HSTS), and
// limits on client and upstream connections, which the lab applies when it starts.
struct EdgeSettings {
    tls::TlsOptions tls;
    // Unset: the lab's own limit (proxy::ProxyLimits), which follows nginx's defaults.
    std::optional<std::chrono::milliseconds> keepalive_timeout, header_timeout, body_timeout;
    std::optional<std::size_t> upstream_idle_per_endpoint;
};

class Controller {
  public:
    virtual ~Controller() = default;
    // The short name flags, traces and metrics use, e.g. "ingress-nginx".
    virtual std::string_view id() const = 0;
    // The IngressClass spec.controller value it claims, e.g. "k8s.io/ingress-nginx".
    virtual std::string_view controllerName() const = 0;
    // What users call it, with the version the lab follows: "ingress-nginx v1.15".
    virtual std::string_view title() const = 0;
    // The IngressClass name it answers to when the manifests define none (its chart's).
    virtual std::string_view defaultClassName() const = 0;
    // How it claims Ingresses: `base` (the front end's flags) with this controller's name, and
    // its default class name unless the flags gave one.
    virtual model::LoadOptions claiming(model::LoadOptions base) const;
    // Reads the annotations it honours into neutral policies.
    virtual const dialect::Dialect& annotations() const = 0;
    // Builds its route table from the claimed Ingresses of `manifests`. Findings about how
    // routes combine go to `findings` (may be null).
    virtual std::shared_ptr<const routing::RouteTable> compile(
        const model::Manifests& manifests, const routing::CompileOptions& options,
        core::Diagnostics* findings) const;
    // The configuration object another install of it, called `install_name`, reads by default
    // ("": none; ingress-nginx: its release's ConfigMap, ingress-nginx/<name>-controller).
    virtual std::string configurationFor(std::string_view install_name) const;
    // Applies its command-line flags (its container args) over how it claims (`load`) and
    // compiles (`compile`); findings about them, at each argument, go to `findings`. The
    // default knows no flag: each is a warning.
    virtual void applyArgs(const std::vector<ControllerArg>& args, model::LoadOptions& load,
                           routing::CompileOptions& compile, core::Diagnostics& findings) const;
    // Its settings outside the route table, from its configuration among `manifests` (the
    // findings about that configuration are compile()'s). Defaults when it has none.
    virtual EdgeSettings edgeSettings(const model::Manifests& manifests,
                                      const routing::CompileOptions& options) const;
};

// Every controller the lab simulates, looked up by controller name or id.
class Registry {
  public:
    // The built-in plug-ins; the first is the one that runs when none is chosen.
    static const Registry& builtin();

    void add(std::unique_ptr<Controller> controller);
    // By IngressClass spec.controller value or by id; null when the lab does not know it.
    const Controller* find(std::string_view controller_name_or_id) const;
    // The one the lab runs when nothing chooses another.
    const Controller& standard() const;
    const std::vector<std::unique_ptr<Controller>>& all() const { return controllers_; }
    // "k8s.io/ingress-nginx (ingress-nginx)", comma-separated: for diagnostics and --help.
    std::string describeKnown() const;

  private:
    std::vector<std::unique_ptr<Controller>> controllers_;
};

// The controller that claims Ingresses under `options` (its controller name), or the standard
// one when no plug-in is registered under that name.
const Controller& controllerFor(const model::LoadOptions& options);

}  // namespace ilab::controllers
