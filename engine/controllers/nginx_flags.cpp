#include "engine/controllers/nginx_flags.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "engine/core/text.h"

namespace ilab::controllers::nginx {
namespace {

// Every flag of pkg/flags/flags.go (v1.15), plus klog's -v.
constexpr std::array kKnownFlags = {
    "annotations-prefix", "apiserver-host", "bucket-factor", "certificate-authority",
    "configmap", "controller-class", "deep-inspect", "default-backend-service",
    "default-server-port", "default-ssl-certificate", "disable-catch-all", "disable-full-test",
    "disable-leader-election", "disable-svc-external-name", "disable-sync-events",
    "dynamic-configuration-retries", "election-id", "election-ttl",
    "enable-annotation-validation", "enable-metrics", "enable-ssl-chain-completion",
    "enable-ssl-passthrough", "enable-topology-aware-routing", "exclude-socket-metrics",
    "health-check-path", "health-check-timeout", "healthz-host", "healthz-port", "http-port",
    "https-port", "ingress-class", "ingress-class-by-name", "internal-logger-address",
    "kubeconfig", "length-buckets", "max-buckets", "maxmind-edition-ids", "maxmind-license-key",
    "maxmind-mirror", "maxmind-retries-count", "maxmind-retries-timeout", "metrics-per-host",
    "metrics-per-undefined-host", "monitor-max-batch-size", "post-shutdown-grace-period",
    "profiler-address", "profiler-port", "profiling", "publish-service",
    "publish-status-address", "report-node-internal-ip-address", "report-status-classes",
    "shutdown-grace-period", "size-buckets", "ssl-passthrough-proxy-port", "status-port",
    "status-update-interval", "stream-port", "sync-period", "sync-rate-limit",
    "tcp-services-configmap", "time-buckets", "udp-services-configmap", "update-status",
    "update-status-on-shutdown", "validating-webhook", "validating-webhook-certificate",
    "validating-webhook-key", "version", "watch-ingress-without-class", "watch-namespace",
    "watch-namespace-selector", "v"};

// Boolean flags: given alone they mean true; their value only with "=".
constexpr std::array kBoolFlags = {
    "deep-inspect", "disable-catch-all", "disable-full-test", "disable-leader-election",
    "disable-svc-external-name", "disable-sync-events", "enable-annotation-validation",
    "enable-metrics", "enable-ssl-chain-completion", "enable-ssl-passthrough",
    "enable-topology-aware-routing", "exclude-socket-metrics", "ingress-class-by-name",
    "metrics-per-host", "metrics-per-undefined-host", "profiling", "report-node-internal-ip-address",
    "report-status-classes", "update-status", "update-status-on-shutdown", "version",
    "watch-ingress-without-class"};

template <std::size_t N>
bool isOneOf(std::string_view name, const std::array<const char*, N>& list) {
    return std::any_of(list.begin(), list.end(), [&](const char* f) { return name == f; });
}

// "namespace/name", as --default-backend-service and --configmap take them.
bool isNamespacedName(std::string_view v) {
    const auto slash = v.find('/');
    return slash != std::string_view::npos && slash > 0 && slash + 1 < v.size() &&
           v.find('/', slash + 1) == std::string_view::npos;
}

class FlagReader {
  public:
    FlagReader(model::LoadOptions& load, routing::CompileOptions& compile,
               core::Diagnostics& findings)
        : load_(load), compile_(compile), findings_(findings) {}

    void read(const std::vector<ControllerArg>& args) {
        for (std::size_t i = 0; i < args.size(); ++i) {
            const ControllerArg& arg = args[i];
            std::string_view text = arg.text;
            if (!text.starts_with("-") || text == "-" || text == "--") {
                findings_.warning("ILAB-CONFIG-007",
                                  "controller argument " + core::quoted(arg.text) +
                                      " is not a flag; ingress-nginx takes no positional arguments",
                                  arg.location, "write flags as --name=value");
                continue;
            }
            text.remove_prefix(text.starts_with("--") ? 2 : 1);
            std::string name(text.substr(0, text.find('=')));
            std::optional<std::string> value;
            if (const auto eq = text.find('='); eq != std::string_view::npos)
                value = std::string(text.substr(eq + 1));
            if (!isOneOf(name, kKnownFlags)) {
                std::vector<std::string_view> known(kKnownFlags.begin(), kKnownFlags.end());
                findings_.warning("ILAB-CONFIG-007",
                                  "unknown flag --" + name +
                                      ": ingress-nginx v1.15 would refuse to start with it",
                                  arg.location, core::didYouMean(name, known));
                continue;
            }
            const bool boolean = isOneOf(name, kBoolFlags);
            if (!value && !boolean) {  // the value is the next argument
                if (i + 1 >= args.size()) {
                    findings_.error("ILAB-CONFIG-008", "flag --" + name + " needs a value",
                                    arg.location, "write --" + name + "=VALUE");
                    continue;
                }
                value = args[++i].text;
            }
            apply(name, boolean, value.value_or("true"), arg.location);
        }
    }

  private:
    void apply(const std::string& name, bool boolean, const std::string& value,
               const core::SourceLocation& at) {
        if (boolean) {
            const auto b = readBool(value);
            if (!b) {
                findings_.error("ILAB-CONFIG-008",
                                "flag --" + name + ": " + core::quoted(value) +
                                    " is not a boolean (Go's strconv.ParseBool)",
                                at, "write --" + name + " or --" + name + "=false");
                return;
            }
            if (name == "watch-ingress-without-class") load_.watch_ingress_without_class = *b;
            else if (name == "ingress-class-by-name") load_.ingress_class_by_name = *b;
            else if (name == "disable-catch-all") load_.disable_catch_all = *b;
            else notSimulated(name, at);
            return;
        }
        if (name == "ingress-class") {
            load_.default_class_name = value;
        } else if (name == "controller-class") {
            load_.controller = value;
        } else if (name == "watch-namespace") {
            load_.watch_namespace = value;
        } else if (name == "configmap" || name == "default-backend-service") {
            if (!isNamespacedName(value)) {
                findings_.error("ILAB-CONFIG-008",
                                "flag --" + name + ": " + core::quoted(value) +
                                    " is not namespace/name",
                                at, "for example --" + name + "=ingress-nginx/" +
                                        (name == "configmap" ? "ingress-nginx-controller"
                                                             : "default-http-backend"));
                return;
            }
            if (name == "configmap") compile_.configuration = value;
            else compile_.default_backend_service = value;
        } else {
            notSimulated(name, at);
        }
    }

    // strconv.ParseBool, as Go's flag package reads booleans.
    static std::optional<bool> readBool(std::string_view v) {
        for (const char* t : {"1", "t", "T", "TRUE", "true", "True"})
            if (v == t) return true;
        for (const char* f : {"0", "f", "F", "FALSE", "false", "False"})
            if (v == f) return false;
        return std::nullopt;
    }

    void notSimulated(const std::string& name, const core::SourceLocation& at) {
        findings_.info("ILAB-CONFIG-004",
                       "flag --" + name + " is read by ingress-nginx; the lab does not simulate it",
                       at);
    }

    model::LoadOptions& load_;
    routing::CompileOptions& compile_;
    core::Diagnostics& findings_;
};

}  // namespace

void applyFlags(const std::vector<ControllerArg>& args, model::LoadOptions& load,
                routing::CompileOptions& compile, core::Diagnostics& findings) {
    FlagReader(load, compile, findings).read(args);
}

}  // namespace ilab::controllers::nginx
