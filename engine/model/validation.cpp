#include "engine/model/validation.h"

#include <algorithm>
#include <cctype>

#include <arpa/inet.h>

#include "engine/core/text.h"

namespace ilab::model {
namespace {

using core::quoted;

bool isLowerAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// One dot-separated part of a subdomain: the subdomain regex sets no per-label length.
bool isSubdomainPart(std::string_view s) {
    if (s.empty() || !isLowerAlnum(s.front()) || !isLowerAlnum(s.back())) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return isLowerAlnum(c) || c == '-'; });
}

bool isDns1123Label(std::string_view s) {
    if (s.empty() || s.size() > 63) return false;
    if (!isLowerAlnum(s.front()) || !isLowerAlnum(s.back())) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return isLowerAlnum(c) || c == '-'; });
}

const char* kSubdomainMessage =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const char* kWildcardMessage =
    "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, "
    "which must consist of lower case alphanumeric characters, '-' or '.' and end with an "
    "alphanumeric character (e.g. '*.example.com', regex used for validation is "
    "'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

class IngressValidator {
  public:
    IngressValidator(const Ingress& ing, core::Diagnostics& d) : ing_(ing), d_(d) {}

    bool run() {
        validateMeta();
        const bool has_rules = !ing_.rules.empty();
        if (!ing_.default_backend && !has_rules)
            fail(
                "spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or "
                "`rules` must be specified",
                ing_.spec_location);
        if (ing_.default_backend) validateBackend(*ing_.default_backend, "spec.defaultBackend");
        for (std::size_t i = 0; i < ing_.rules.size(); ++i)
            validateRule(ing_.rules[i], i);
        for (std::size_t k = 0; k < ing_.tls.size(); ++k)
            validateTls(ing_.tls[k], k);
        if (ing_.ingress_class_name) {
            for (const auto& e : dns1123SubdomainErrors(*ing_.ingress_class_name))
                invalid("spec.ingressClassName", *ing_.ingress_class_name, e, ing_.class_location);
        }
        validateClassAnnotation();
        return ok_;
    }

  private:
    void fail(std::string message, const core::SourceLocation& at,
              std::string code = "ILAB-API-002", std::string hint = {}) {
        ok_ = false;
        auto& diag = d_.error(std::move(code), std::move(message), at, std::move(hint));
        diag.object = "Ingress " + ing_.meta.qualifiedName();
    }
    void invalid(const std::string& field, std::string_view value, std::string_view detail,
                 const core::SourceLocation& at, std::string hint = {}) {
        fail(field + ": Invalid value: " + quoted(value) + ": " + std::string(detail), at,
             "ILAB-API-002", std::move(hint));
    }
    void required(const std::string& field, std::string_view detail,
                  const core::SourceLocation& at) {
        fail(field + ": Required value" + (detail.empty() ? "" : ": " + std::string(detail)), at,
             "ILAB-API-001");
    }

    void validateMeta() {
        if (ing_.meta.name.empty()) return;  // reported by the decoder
        for (const auto& e : dns1123SubdomainErrors(ing_.meta.name))
            invalid("metadata.name", ing_.meta.name, e, ing_.meta.name_location);
        for (const auto& e : dns1123LabelErrors(ing_.meta.namespace_))
            invalid("metadata.namespace", ing_.meta.namespace_, e, ing_.meta.location);
    }

    void validateClassAnnotation() {
        auto it = ing_.meta.annotations.find("kubernetes.io/ingress.class");
        if (it == ing_.meta.annotations.end() || !ing_.ingress_class_name) return;
        if (it->second != *ing_.ingress_class_name) {
            fail("annotations.kubernetes.io/ingress.class: Invalid value: " + quoted(it->second) +
                     ": must match `ingressClassName` when both are specified",
                 ing_.meta.annotation_locations.at("kubernetes.io/ingress.class"));
        }
    }

    void validateHost(const std::string& field, const std::string& host,
                      const core::SourceLocation& at, bool check_ip) {
        if (check_ip && isIpAddress(host)) {
            invalid(field, host, "must be a DNS name, not an IP address", at);
            return;
        }
        const auto errors = host.find('*') != std::string::npos
                                ? wildcardDns1123SubdomainErrors(host)
                                : dns1123SubdomainErrors(host);
        std::string hint;
        if (host.find(':') != std::string::npos)
            hint = "Ingress hosts carry no port";
        else if (std::any_of(host.begin(), host.end(),
                             [](char c) { return std::isupper(static_cast<unsigned char>(c)); }))
            hint = "hosts must be lowercase";
        for (const auto& e : errors)
            invalid(field, host, e, at, hint);
    }

    void validateRule(const IngressRule& rule, std::size_t i) {
        const std::string path = "spec.rules[" + std::to_string(i) + "]";
        if (!rule.host.empty()) validateHost(path + ".host", rule.host, rule.host_location, true);
        if (!rule.has_http) return;
        if (rule.paths.empty()) {
            required(path + ".http.paths", "", rule.paths_location);
            return;
        }
        for (std::size_t j = 0; j < rule.paths.size(); ++j)
            validatePath(rule.paths[j], path + ".http.paths[" + std::to_string(j) + "]");
    }

    void validatePath(const HttpIngressPath& p, const std::string& field) {
        const bool supported = p.path_type_text == "Exact" || p.path_type_text == "Prefix" ||
                               p.path_type_text == "ImplementationSpecific";
        if (!p.path_type_set) {
            required(field + ".pathType", "pathType must be specified", p.location);
        } else if (!supported) {
            fail(field + ".pathType: Unsupported value: " + quoted(p.path_type_text) +
                     ": supported values: \"Exact\", \"ImplementationSpecific\", \"Prefix\"",
                 p.path_type_location, "ILAB-API-003",
                 core::iequals(p.path_type_text, "prefix") ||
                         core::iequals(p.path_type_text, "exact")
                     ? "pathType values are case-sensitive"
                     : "");
        } else if (p.path_type == PathType::Exact || p.path_type == PathType::Prefix) {
            if (!core::startsWith(p.path, "/")) {
                invalid(field + ".path", p.path, "must be an absolute path", p.path_location);
            } else {
                for (std::string_view bad : {"//", "/./", "/../", "%2f", "%2F"}) {
                    if (p.path.find(bad) != std::string::npos)
                        invalid(field + ".path", p.path,
                                "must not contain '" + std::string(bad) + "'", p.path_location);
                }
                for (std::string_view bad : {"/..", "/."}) {
                    if (core::endsWith(p.path, bad)) {
                        invalid(field + ".path", p.path,
                                "cannot end with '" + std::string(bad) + "'", p.path_location);
                        break;
                    }
                }
            }
        } else if (!p.path.empty() && !core::startsWith(p.path, "/")) {
            invalid(field + ".path", p.path, "must be an absolute path", p.path_location);
        }
        validateBackend(p.backend, field + ".backend");
    }

    void validateBackend(const IngressBackend& b, const std::string& field) {
        if (b.service && b.resource) {
            invalid(field, "", "cannot set both resource and service backends", b.location);
            return;
        }
        if (!b.service && !b.resource) {
            required(field, "resource or service backend is required", b.location);
            return;
        }
        if (b.resource) {
            if (b.resource->kind.empty()) required(field + ".resource.kind", "", b.location);
            if (b.resource->name.empty()) required(field + ".resource.name", "", b.location);
            return;
        }
        const IngressServiceBackend& s = *b.service;
        if (s.name.empty()) {
            required(field + ".service.name", "", s.name_location);
        } else {
            for (const auto& e : dns1035LabelErrors(s.name))
                invalid(field + ".service.name", s.name, e, s.name_location);
        }
        const bool has_name = !s.port.name.empty();
        const bool has_number = s.port.number != 0;
        if (has_name && has_number) {
            invalid(field, "", "cannot set both port name & port number", s.port.location);
        } else if (has_name) {
            for (const auto& e : portNameErrors(s.port.name))
                invalid(field + ".service.port.name", s.port.name, e, s.port.name_location);
        } else if (has_number) {
            if (s.port.number < 1 || s.port.number > 65535)
                fail(field + ".service.port.number: Invalid value: " +
                         std::to_string(s.port.number) + ": must be between 1 and 65535, inclusive",
                     s.port.number_location);
        } else {
            required(field, "port name or number is required", s.port.location);
        }
    }

    void validateTls(const IngressTls& tls, std::size_t k) {
        const std::string field = "spec.tls[" + std::to_string(k) + "]";
        for (std::size_t m = 0; m < tls.hosts.size(); ++m)
            validateHost(field + ".hosts[" + std::to_string(m) + "]", tls.hosts[m],
                         tls.host_locations[m], false);
        if (!tls.secret_name.empty())
            for (const auto& e : dns1123SubdomainErrors(tls.secret_name))
                invalid(field + ".secretName", tls.secret_name, e, tls.secret_location);
    }

    const Ingress& ing_;
    core::Diagnostics& d_;
    bool ok_ = true;
};

// pkg/apis/core/validation: ValidateService's checks of spec.type and spec.ports
// (validateServicePort) and the node-port allocator's range check, in kubectl's wording.
class ServiceValidator {
  public:
    ServiceValidator(const Service& svc, core::Diagnostics& d) : svc_(svc), d_(d) {}

    bool run() {
        static const std::vector<std::string_view> kTypes = {"ClusterIP", "ExternalName",
                                                             "LoadBalancer", "NodePort"};
        if (std::find(kTypes.begin(), kTypes.end(), svc_.type) == kTypes.end()) {
            fail("spec.type: Unsupported value: " + quoted(svc_.type) +
                     ": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", "
                     "\"NodePort\"",
                 svc_.type_location.known() ? svc_.type_location : svc_.meta.location);
            return ok_;
        }
        const bool node_ports = svc_.type == "NodePort" || svc_.type == "LoadBalancer";
        std::vector<std::string> names;
        std::vector<std::pair<std::string, int>> node_ports_taken;  // (protocol, nodePort)
        for (std::size_t i = 0; i < svc_.ports.size(); ++i) {
            const ServicePort& p = svc_.ports[i];
            const std::string path = "spec.ports[" + std::to_string(i) + "]";
            if (p.name.empty()) {
                if (svc_.ports.size() > 1)
                    fail(path + ".name: Required value", p.name_location, "ILAB-API-001",
                         "a Service with more than one port names each of them");
            } else {
                for (const auto& e : dns1123LabelErrors(p.name))
                    fail(path + ".name: Invalid value: " + quoted(p.name) + ": " + e,
                         p.name_location);
                if (std::find(names.begin(), names.end(), p.name) != names.end())
                    fail(path + ".name: Duplicate value: " + quoted(p.name), p.name_location);
                names.push_back(p.name);
            }
            // A port left out is the decoder's "Required value" already.
            const bool port_given = p.port_location.line != p.location.line ||
                                    p.port_location.column != p.location.column;
            if (p.port < 1 || p.port > 65535) {
                if (port_given)
                    fail(path + ".port: Invalid value: " + std::to_string(p.port) +
                             ": must be between 1 and 65535, inclusive",
                         p.port_location);
            }
            if (p.protocol != "TCP" && p.protocol != "UDP" && p.protocol != "SCTP")
                fail(path + ".protocol: Unsupported value: " + quoted(p.protocol) +
                         ": supported values: \"SCTP\", \"TCP\", \"UDP\"",
                     p.protocol_location);
            // Left out (or 0, which the API server defaults the same way), targetPort is the
            // port: its error is the port's.
            const bool target_given = (p.target_port_location.line != p.location.line ||
                                       p.target_port_location.column != p.location.column) &&
                                      !(p.target_port.is_int && p.target_port.number == 0);
            if (target_given && p.target_port.is_int) {
                if (p.target_port.number < 1 || p.target_port.number > 65535)
                    fail(path +
                             ".targetPort: Invalid value: " + std::to_string(p.target_port.number) +
                             ": must be between 1 and 65535, inclusive",
                         p.target_port_location);
            } else if (target_given) {
                for (const auto& e : portNameErrors(p.target_port.name))
                    fail(path + ".targetPort: Invalid value: " + quoted(p.target_port.name) + ": " +
                             e,
                         p.target_port_location);
            }
            if (p.node_port == 0) continue;
            if (!node_ports) {
                fail(path + ".nodePort: Forbidden: may not be used when `type` is '" + svc_.type +
                         "'",
                     p.node_port_location, "ILAB-API-002",
                     "node ports belong to type NodePort or LoadBalancer");
                continue;
            }
            if (p.node_port < 30000 || p.node_port > 32767) {
                fail(path + ".nodePort: Invalid value: " + std::to_string(p.node_port) +
                         ": provided port is not in the valid range. The range of valid ports is "
                         "30000-32767",
                     p.node_port_location, "ILAB-API-002",
                     "leave nodePort out and the API server picks a free one");
                continue;
            }
            const std::pair<std::string, int> key{p.protocol, p.node_port};
            if (std::find(node_ports_taken.begin(), node_ports_taken.end(), key) !=
                node_ports_taken.end())
                fail(path + ".nodePort: Duplicate value: " + std::to_string(p.node_port),
                     p.node_port_location);
            node_ports_taken.push_back(key);
        }
        return ok_;
    }

  private:
    void fail(std::string message, const core::SourceLocation& at,
              std::string code = "ILAB-API-002", std::string hint = {}) {
        ok_ = false;
        auto& diag = d_.error(std::move(code), std::move(message), at, std::move(hint));
        diag.object = "Service " + svc_.meta.qualifiedName();
    }

    const Service& svc_;
    core::Diagnostics& d_;
    bool ok_ = true;
};

}  // namespace

bool validateService(const Service& service, core::Diagnostics& diagnostics) {
    return ServiceValidator(service, diagnostics).run();
}

bool validateIngress(const Ingress& ingress, core::Diagnostics& diagnostics) {
    return IngressValidator(ingress, diagnostics).run();
}

bool isIpAddress(std::string_view value) {
    const std::string s(value);
    unsigned char buffer[16];
    return inet_pton(AF_INET, s.c_str(), buffer) == 1 ||
           inet_pton(AF_INET6, s.c_str(), buffer) == 1;
}

std::vector<std::string> dns1123SubdomainErrors(std::string_view value) {
    std::vector<std::string> errors;
    if (value.size() > 253) errors.emplace_back("must be no more than 253 characters");
    bool valid = !value.empty();
    for (const std::string& label : core::split(value, '.'))
        valid = valid && isSubdomainPart(label);
    if (!valid) errors.emplace_back(kSubdomainMessage);
    return errors;
}

std::vector<std::string> dns1123LabelErrors(std::string_view value) {
    std::vector<std::string> errors;
    if (value.size() > 63) errors.emplace_back("must be no more than 63 characters");
    if (!isDns1123Label(value.substr(0, std::min<std::size_t>(value.size(), 63))) || value.empty())
        errors.emplace_back(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
            "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
            "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    return errors;
}

std::vector<std::string> dns1035LabelErrors(std::string_view value) {
    std::vector<std::string> errors;
    if (value.size() > 63) errors.emplace_back("must be no more than 63 characters");
    const bool ok =
        !value.empty() && value.front() >= 'a' && value.front() <= 'z' &&
        isLowerAlnum(value.back()) &&
        std::all_of(value.begin(), value.end(), [](char c) { return isLowerAlnum(c) || c == '-'; });
    if (!ok)
        errors.emplace_back(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
            "with an alphabetic character, and end with an alphanumeric character (e.g. "
            "'my-name',  or 'abc-123', regex used for validation is "
            "'[a-z]([-a-z0-9]*[a-z0-9])?')");
    return errors;
}

std::vector<std::string> wildcardDns1123SubdomainErrors(std::string_view value) {
    std::vector<std::string> errors;
    if (value.size() > 253) errors.emplace_back("must be no more than 253 characters");
    bool ok = core::startsWith(value, "*.");
    if (ok) {
        const std::string_view rest = value.substr(2);
        ok = !rest.empty();
        for (const std::string& label : core::split(rest, '.'))
            ok = ok && isSubdomainPart(label);
    }
    if (!ok) errors.emplace_back(kWildcardMessage);
    return errors;
}

std::vector<std::string> portNameErrors(std::string_view value) {
    std::vector<std::string> errors;
    if (value.size() > 15) errors.emplace_back("must be no more than 15 characters");
    if (!std::all_of(value.begin(), value.end(),
                     [](char c) { return isLowerAlnum(c) || c == '-'; }))
        errors.emplace_back(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    if (!std::any_of(value.begin(), value.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
        errors.emplace_back("must contain at least one letter (a-z)");
    if (value.find("--") != std::string_view::npos)
        errors.emplace_back("must not contain consecutive hyphens");
    if (!value.empty() && (value.front() == '-' || value.back() == '-'))
        errors.emplace_back("must not begin or end with a hyphen");
    return errors;
}

}  // namespace ilab::model
