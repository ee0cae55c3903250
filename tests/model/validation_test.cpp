// API validation of Ingresses (conformance.md §1.9 and §2.4, cases #69–#96): the kubectl-style
// message, the diagnostic code, and a location that points at the offending field.
#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/core/text.h"
#include "engine/model/manifests.h"

namespace ilab::model {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr const char* kSubdomain =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

constexpr const char* kWildcard =
    "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain";

// One Ingress document with a single rule and path; $HOST, $PATH and $TYPE are replaced.
constexpr const char* kOnePath = R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test
spec:
  ingressClassName: nginx
  rules:
  - host: $HOST
    http:
      paths:
      - path: $PATH
        pathType: $TYPE
        backend:
          service:
            name: web
            port:
              number: 80
)";

std::string onePath(std::string type, std::string path, std::string host = "example.com") {
    std::string yaml = kOnePath;
    for (auto [key, value] :
         {std::pair{std::string("$HOST"), host}, std::pair{std::string("$PATH"), path},
          std::pair{std::string("$TYPE"), type}}) {
        yaml.replace(yaml.find(key), key.size(), value);
    }
    return yaml;
}

// A loaded manifest and its ILAB-API-* errors.
struct Validated {
    explicit Validated(std::string text)
        : yaml(std::move(text)), manifests(loadManifestsFromText(yaml, "test.yaml")) {}

    std::vector<const core::Diagnostic*> errors() const {
        std::vector<const core::Diagnostic*> out;
        for (const auto& d : manifests.diagnostics.items())
            if (core::startsWith(d.code, "ILAB-API-")) out.push_back(&d);
        return out;
    }
    std::vector<std::string> messages() const {
        std::vector<std::string> out;
        for (const auto* d : errors())
            out.push_back(d->message);
        return out;
    }
    // The only API error; fails the test (and returns nullptr) when there are none or several.
    const core::Diagnostic* only() const {
        const auto all = errors();
        EXPECT_EQ(all.size(), 1u) << describe();
        return all.size() == 1 ? all.front() : nullptr;
    }
    bool rejected() const {
        return !manifests.ingresses.empty() && manifests.ingresses.front().rejected;
    }
    std::string describe() const {
        std::string out = "diagnostics:\n";
        for (const auto& d : manifests.diagnostics.items())
            out += "  " + core::formatDiagnostic(d) + "\n";
        return out;
    }

    std::string yaml;
    Manifests manifests;
};

// Expects `d` at the first occurrence of `needle` in `yaml`, moved right by `offset` columns.
void expectAt(const core::Diagnostic* d, const std::string& yaml, std::string_view needle,
              int offset = 0) {
    ASSERT_NE(d, nullptr);
    const auto at = yaml.find(needle);
    ASSERT_NE(at, std::string::npos) << "needle " << needle;
    const int line =
        1 + static_cast<int>(std::count(yaml.begin(), yaml.begin() + static_cast<long>(at), '\n'));
    const auto line_start = yaml.rfind('\n', at);
    const int column =
        static_cast<int>(at - (line_start == std::string::npos ? 0 : line_start + 1)) + 1 + offset;
    EXPECT_EQ(d->location.fileName(), "test.yaml");
    EXPECT_EQ(d->location.line, line) << d->message;
    EXPECT_EQ(d->location.column, column) << d->message;
}

// Expects `d` at the value of "key: value" (the first character after ": ").
void expectAtValue(const core::Diagnostic* d, const std::string& yaml,
                   std::string_view key_and_value) {
    expectAt(d, yaml, key_and_value, static_cast<int>(key_and_value.find(": ") + 2));
}

// ---------------------------------------------------------------------------------------------
// Paths and path types.

TEST(IngressValidationTest, MissingPathTypeIsRequired) {
    // conformance #69
    Validated v(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test
spec:
  ingressClassName: nginx
  rules:
  - http:
      paths:
      - path: /foo
        backend:
          service:
            name: web
            port:
              number: 80
)");
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->code, "ILAB-API-001");
    EXPECT_EQ(d->severity, core::Severity::Error);
    EXPECT_EQ(d->message,
              "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified");
    EXPECT_EQ(d->object, "Ingress default/test");
    expectAt(d, v.yaml, "path: /foo");  // the path entry that lacks it
    EXPECT_TRUE(v.rejected());
}

TEST(IngressValidationTest, PathTypeIsCaseSensitive) {
    // conformance #70
    Validated v(onePath("prefix", "/foo"));
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->code, "ILAB-API-003");
    EXPECT_EQ(
        d->message,
        "spec.rules[0].http.paths[0].pathType: Unsupported value: \"prefix\": supported values: "
        "\"Exact\", \"ImplementationSpecific\", \"Prefix\"");
    EXPECT_EQ(d->hint, "pathType values are case-sensitive");
    expectAtValue(d, v.yaml, "pathType: prefix");
    EXPECT_TRUE(v.rejected());
}

TEST(IngressValidationTest, PrefixPathMustBeAbsolute) {
    // conformance #71
    Validated v(onePath("Prefix", "foo"));
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->code, "ILAB-API-002");
    EXPECT_EQ(d->message,
              "spec.rules[0].http.paths[0].path: Invalid value: \"foo\": must be an absolute path");
    expectAtValue(d, v.yaml, "path: foo");
}

TEST(IngressValidationTest, EmptyPrefixPathIsNotAbsolute) {
    // conformance #72
    Validated v(onePath("Prefix", "\"\""));
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message,
              "spec.rules[0].http.paths[0].path: Invalid value: \"\": must be an absolute path");
    expectAtValue(d, v.yaml, "path: \"\"");
}

TEST(IngressValidationTest, ImplementationSpecificAllowsAnEmptyPath) {
    // conformance #73
    Validated v(onePath("ImplementationSpecific", "\"\""));
    EXPECT_THAT(v.messages(), IsEmpty()) << v.describe();
    EXPECT_FALSE(v.rejected());
}

TEST(IngressValidationTest, ImplementationSpecificPathMustBeAbsoluteWhenSet) {
    // conformance #74
    Validated v(onePath("ImplementationSpecific", "foo"));
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message,
              "spec.rules[0].http.paths[0].path: Invalid value: \"foo\": must be an absolute path");
    expectAtValue(d, v.yaml, "path: foo");
}

TEST(IngressValidationTest, ExactAndPrefixRefuseDoubleSlashes) {
    // conformance #75
    for (const char* type : {"Prefix", "Exact"}) {
        SCOPED_TRACE(type);
        Validated v(onePath(type, "/foo//bar/foo"));
        const auto* d = v.only();
        ASSERT_NE(d, nullptr);
        EXPECT_EQ(d->message,
                  "spec.rules[0].http.paths[0].path: Invalid value: \"/foo//bar/foo\": must not "
                  "contain '//'");
        expectAtValue(d, v.yaml, "path: /foo//bar/foo");
    }
}

TEST(IngressValidationTest, ImplementationSpecificAllowsDoubleSlashes) {
    // conformance #76
    Validated v(onePath("ImplementationSpecific", "/foo//bar/foo"));
    EXPECT_THAT(v.messages(), IsEmpty()) << v.describe();
}

TEST(IngressValidationTest, DotSegmentsAreRefused) {
    // conformance #77
    Validated dot(onePath("Prefix", "/foo/./foo"));
    EXPECT_THAT(dot.messages(), ElementsAre("spec.rules[0].http.paths[0].path: Invalid value: "
                                            "\"/foo/./foo\": must not contain '/./'"));
    Validated dots(onePath("Exact", "/foo/../foo"));
    EXPECT_THAT(dots.messages(), ElementsAre("spec.rules[0].http.paths[0].path: Invalid value: "
                                             "\"/foo/../foo\": must not contain '/../'"));
    expectAtValue(dots.only(), dots.yaml, "path: /foo/../foo");
}

TEST(IngressValidationTest, EncodedSlashesAreRefusedInBothCases) {
    // conformance #78
    Validated lower(onePath("Prefix", "/foo/%2f/foo"));
    EXPECT_THAT(lower.messages(), ElementsAre("spec.rules[0].http.paths[0].path: Invalid value: "
                                              "\"/foo/%2f/foo\": must not contain '%2f'"));
    Validated upper(onePath("Exact", "/foo/%2F/foo"));
    EXPECT_THAT(upper.messages(), ElementsAre("spec.rules[0].http.paths[0].path: Invalid value: "
                                              "\"/foo/%2F/foo\": must not contain '%2F'"));
}

TEST(IngressValidationTest, PathsCannotEndInADotSegment) {
    // conformance #79
    Validated dots(onePath("Prefix", "/foo/.."));
    EXPECT_THAT(
        dots.messages(),
        ElementsAre(
            "spec.rules[0].http.paths[0].path: Invalid value: \"/foo/..\": cannot end with '/..'"));
    Validated dot(onePath("Prefix", "/foo/."));
    EXPECT_THAT(
        dot.messages(),
        ElementsAre(
            "spec.rules[0].http.paths[0].path: Invalid value: \"/foo/.\": cannot end with '/.'"));
    expectAtValue(dot.only(), dot.yaml, "path: /foo/.");
}

TEST(IngressValidationTest, OneErrorPerForbiddenSequence) {
    Validated v(onePath("Exact", "/a//b/./c/%2F"));
    EXPECT_THAT(v.messages(),
                ElementsAre(HasSubstr("must not contain '//'"), HasSubstr("must not contain '/./'"),
                            HasSubstr("must not contain '%2F'")));
}

TEST(IngressValidationTest, BrokenRegexIsAValidImplementationSpecificPath) {
    // conformance #80
    Validated v(onePath("ImplementationSpecific", "'/([a-z0-9]*)['"));
    EXPECT_THAT(v.messages(), IsEmpty()) << v.describe();
}

// ---------------------------------------------------------------------------------------------
// Hosts.

TEST(IngressValidationTest, HostWithAPortIsNotASubdomain) {
    // conformance #81
    Validated v(onePath("Prefix", "/", "foobar:80"));
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->code, "ILAB-API-002");
    EXPECT_EQ(d->message,
              std::string("spec.rules[0].host: Invalid value: \"foobar:80\": ") + kSubdomain);
    EXPECT_EQ(d->hint, "Ingress hosts carry no port");
    expectAtValue(d, v.yaml, "host: foobar:80");
}

TEST(IngressValidationTest, HostMustNotBeAnIpAddress) {
    // conformance #82
    Validated v(onePath("Prefix", "/", "127.0.0.1"));
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(
        d->message,
        "spec.rules[0].host: Invalid value: \"127.0.0.1\": must be a DNS name, not an IP address");
    expectAtValue(d, v.yaml, "host: 127.0.0.1");
}

TEST(IngressValidationTest, WildcardHostIsValid) {
    // conformance #83
    Validated v(onePath("Prefix", "/", "'*.bar.com'"));
    EXPECT_THAT(v.messages(), IsEmpty()) << v.describe();
}

TEST(IngressValidationTest, WildcardMustBeTheWholeFirstLabel) {
    // conformance #84
    for (const char* host : {"'*'", "foo.*.bar.com", "'*.*.bar.com'", "'*bar.com'"}) {
        SCOPED_TRACE(host);
        Validated v(onePath("Prefix", "/", host));
        const auto* d = v.only();
        ASSERT_NE(d, nullptr);
        EXPECT_THAT(d->message, StartsWith("spec.rules[0].host: Invalid value: \""));
        EXPECT_THAT(d->message, HasSubstr(kWildcard));
        expectAtValue(d, v.yaml, std::string("host: ") + host);
    }
}

TEST(IngressValidationTest, UppercaseHostIsRefusedWithAHint) {
    Validated v(onePath("Prefix", "/", "Foo.com"));
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message,
              std::string("spec.rules[0].host: Invalid value: \"Foo.com\": ") + kSubdomain);
    EXPECT_EQ(d->hint, "hosts must be lowercase");
}

TEST(IngressValidationTest, WildcardRulesHaveTheirPathsValidated) {
    // conformance #85
    Validated v(onePath("Exact", "foo", "'*.foo.com'"));
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message,
              "spec.rules[0].http.paths[0].path: Invalid value: \"foo\": must be an absolute path");
}

// ---------------------------------------------------------------------------------------------
// Spec shape and backends.

TEST(IngressValidationTest, RulesOrDefaultBackendIsRequired) {
    // conformance #86
    Validated v(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test
spec:
  ingressClassName: nginx
)");
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->code, "ILAB-API-002");
    EXPECT_EQ(d->message,
              "spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or "
              "`rules` must be specified");
    expectAt(d, v.yaml, "spec:");
}

TEST(IngressValidationTest, HttpWithoutPathsIsRequired) {
    // conformance #87
    Validated v(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test
spec:
  ingressClassName: nginx
  rules:
  - host: example.com
    http:
      paths: []
)");
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->code, "ILAB-API-001");
    EXPECT_EQ(d->message, "spec.rules[0].http.paths: Required value");
    expectAt(d, v.yaml, "paths: []");
}

TEST(IngressValidationTest, BackendCannotBeServiceAndResource) {
    // conformance #88
    Validated v(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test
spec:
  ingressClassName: nginx
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
          resource:
            kind: StorageBucket
            name: assets
)");
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message,
              "spec.rules[0].http.paths[0].backend: Invalid value: \"\": cannot set both resource "
              "and service backends");
    expectAt(d, v.yaml, "service:\n            name: web");  // the backend map
}

TEST(IngressValidationTest, BackendNeedsServiceOrResource) {
    Validated v(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test
spec:
  ingressClassName: nginx
  defaultBackend: {}
)");
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->code, "ILAB-API-001");
    EXPECT_EQ(d->message,
              "spec.defaultBackend: Required value: resource or service backend is required");
    expectAtValue(d, v.yaml, "defaultBackend: {}");
}

TEST(IngressValidationTest, AnEmptyBackendIsRequiredAtItsPlace) {
    // `backend:` with nothing after it is null: the error has a file, line and column too
    // (tests/fuzz/manifest_fuzz found it without one).
    Validated v(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test
spec:
  ingressClassName: nginx
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend:
)");
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message,
              "spec.rules[0].http.paths[0].backend: Required value: resource or service backend "
              "is required");
    expectAt(d, v.yaml, "backend:");
}

constexpr const char* kDefaultBackend = R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test
spec:
  ingressClassName: nginx
  defaultBackend:
    service:
      name: $NAME
      port: $PORT
)";

std::string defaultBackend(const std::string& name, const std::string& port) {
    std::string yaml = kDefaultBackend;
    yaml.replace(yaml.find("$NAME"), 5, name);
    yaml.replace(yaml.find("$PORT"), 5, port);
    return yaml;
}

TEST(IngressValidationTest, ServiceNameIsRequired) {
    // conformance #89
    Validated v(defaultBackend("\"\"", "{number: 80}"));
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->code, "ILAB-API-001");
    EXPECT_EQ(d->message, "spec.defaultBackend.service.name: Required value");
    expectAtValue(d, v.yaml, "name: \"\"");
}

TEST(IngressValidationTest, ServiceNameMustBeADns1035Label) {
    Validated v(defaultBackend("1web", "{number: 80}"));
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_THAT(
        d->message,
        StartsWith("spec.defaultBackend.service.name: Invalid value: \"1web\": a DNS-1035 label "
                   "must consist of lower case alphanumeric characters or '-', start with an "
                   "alphabetic character"));
    expectAtValue(d, v.yaml, "name: 1web");
}

TEST(IngressValidationTest, PortNameAndNumberAreExclusive) {
    // conformance #90
    Validated v(defaultBackend("web", "{name: http, number: 80}"));
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message,
              "spec.defaultBackend: Invalid value: \"\": cannot set both port name & port number");
    expectAtValue(d, v.yaml, "port: {name");
}

TEST(IngressValidationTest, PortNameOrNumberIsRequired) {
    // conformance #91
    Validated v(defaultBackend("web", "{}"));
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->code, "ILAB-API-001");
    EXPECT_EQ(d->message, "spec.defaultBackend: Required value: port name or number is required");
    expectAtValue(d, v.yaml, "port: {}");
}

TEST(IngressValidationTest, PortNumberMustBeInRange) {
    // conformance #92
    Validated v(defaultBackend("web", "\n        number: 70000"));
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message,
              "spec.defaultBackend.service.port.number: Invalid value: 70000: must be between 1 "
              "and 65535, inclusive");
    expectAtValue(d, v.yaml, "number: 70000");
}

TEST(IngressValidationTest, PortNameMustBeAnIanaServiceName) {
    // conformance #93
    Validated upper(defaultBackend("web", "\n        name: HTTP"));
    EXPECT_THAT(
        upper.messages(),
        ElementsAre(
            "spec.defaultBackend.service.port.name: Invalid value: \"HTTP\": must contain only "
            "alpha-numeric characters (a-z, 0-9), and hyphens (-)",
            "spec.defaultBackend.service.port.name: Invalid value: \"HTTP\": must contain at least "
            "one letter (a-z)"));
    for (const auto* d : upper.errors())
        expectAtValue(d, upper.yaml, "name: HTTP");
    Validated longer(defaultBackend("web", "\n        name: a-very-long-port-name"));
    EXPECT_THAT(
        longer.messages(),
        ElementsAre(
            "spec.defaultBackend.service.port.name: Invalid value: \"a-very-long-port-name\": must "
            "be no more than 15 characters"));
    Validated hyphens(defaultBackend("web", "{name: http--alt-}"));
    EXPECT_THAT(hyphens.messages(), ElementsAre(HasSubstr("must not contain consecutive hyphens"),
                                                HasSubstr("must not begin or end with a hyphen")));
}

// ---------------------------------------------------------------------------------------------
// Class, TLS and metadata.

TEST(IngressValidationTest, ClassAnnotationMustMatchTheField) {
    // conformance #94
    Validated v(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test
  annotations:
    kubernetes.io/ingress.class: foo
spec:
  ingressClassName: bar
  defaultBackend:
    service: {name: web, port: {number: 80}}
)");
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message,
              "annotations.kubernetes.io/ingress.class: Invalid value: \"foo\": must match "
              "`ingressClassName` when "
              "both are specified");
    expectAtValue(d, v.yaml, "kubernetes.io/ingress.class: foo");
    EXPECT_TRUE(v.rejected());
}

TEST(IngressValidationTest, TlsSecretNameMustBeASubdomain) {
    // conformance #95
    Validated v(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test
spec:
  ingressClassName: nginx
  tls:
  - secretName: "invalid name"
  defaultBackend:
    service: {name: web, port: {number: 80}}
)");
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message, std::string("spec.tls[0].secretName: Invalid value: \"invalid name\": ") +
                              kSubdomain);
    expectAtValue(d, v.yaml, "secretName: \"invalid name\"");
}

TEST(IngressValidationTest, WildcardTlsHostWithoutSecretIsValid) {
    // conformance #96
    Validated v(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test
spec:
  ingressClassName: nginx
  tls:
  - hosts: ["*.bar.com"]
  defaultBackend:
    service: {name: web, port: {number: 80}}
)");
    EXPECT_THAT(v.messages(), IsEmpty()) << v.describe();
    EXPECT_FALSE(v.rejected());
}

TEST(IngressValidationTest, TlsHostsAreValidatedButMayBeIpAddresses) {
    Validated v(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test
spec:
  ingressClassName: nginx
  tls:
  - hosts:
    - 10.0.0.1
    - Bad_Host
  defaultBackend:
    service: {name: web, port: {number: 80}}
)");
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message,
              std::string("spec.tls[0].hosts[1]: Invalid value: \"Bad_Host\": ") + kSubdomain);
    expectAt(d, v.yaml, "Bad_Host");
}

TEST(IngressValidationTest, IngressClassNameMustBeASubdomain) {
    Validated v(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test
spec:
  ingressClassName: Nginx_Class
  defaultBackend:
    service: {name: web, port: {number: 80}}
)");
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message,
              std::string("spec.ingressClassName: Invalid value: \"Nginx_Class\": ") + kSubdomain);
    expectAtValue(d, v.yaml, "ingressClassName: Nginx_Class");
}

TEST(IngressValidationTest, MetadataNameMustBeASubdomain) {
    Validated v(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: My_Ingress
spec:
  ingressClassName: nginx
  defaultBackend:
    service: {name: web, port: {number: 80}}
)");
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message,
              std::string("metadata.name: Invalid value: \"My_Ingress\": ") + kSubdomain);
    expectAtValue(d, v.yaml, "name: My_Ingress");
}

TEST(IngressValidationTest, EveryErrorOfAnIngressIsReportedAtOnce) {
    Validated v(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test
spec:
  ingressClassName: nginx
  rules:
  - host: 127.0.0.1
    http:
      paths:
      - path: foo
        pathType: Exact
        backend:
          service: {name: web, port: {number: 0}}
      - path: /ok
        pathType: exact
        backend:
          service: {name: web, port: {number: 80}}
)");
    EXPECT_THAT(
        v.messages(),
        ::testing::UnorderedElementsAre(
            "spec.rules[0].host: Invalid value: \"127.0.0.1\": must be a DNS name, not an IP "
            "address",
            "spec.rules[0].http.paths[0].path: Invalid value: \"foo\": must be an absolute path",
            "spec.rules[0].http.paths[0].backend: Required value: port name or number is required",
            "spec.rules[0].http.paths[1].pathType: Unsupported value: \"exact\": supported values: "
            "\"Exact\", \"ImplementationSpecific\", \"Prefix\""))
        << v.describe();
    EXPECT_TRUE(v.rejected());
}


// Services as the API server validates them (pkg/apis/core/validation validateServicePort and
// the node-port allocator): every problem reported at its field, and the Service not stored.
std::string service(const std::string& type, const std::string& ports) {
    return "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: " + type +
           "\n  selector: {app: web}\n  ports:\n" + ports;
}

TEST(ServiceValidationTest, PortsOutOfRangeAreRefusedAtTheirField) {
    Validated v(service("NodePort", "  - port: 99999\n    targetPort: 70000\n    nodePort: 99999\n"));
    EXPECT_THAT(v.messages(),
                ElementsAre("spec.ports[0].port: Invalid value: 99999: must be between 1 and "
                            "65535, inclusive",
                            "spec.ports[0].targetPort: Invalid value: 70000: must be between 1 "
                            "and 65535, inclusive",
                            "spec.ports[0].nodePort: Invalid value: 99999: provided port is not "
                            "in the valid range. The range of valid ports is 30000-32767"))
        << v.describe();
    const auto errors = v.errors();
    ASSERT_EQ(errors.size(), 3u);
    expectAtValue(errors[0], v.yaml, "port: 99999");
    expectAtValue(errors[1], v.yaml, "targetPort: 70000");
    expectAtValue(errors[2], v.yaml, "nodePort: 99999");
    EXPECT_EQ(errors[0]->code, "ILAB-API-002");
    EXPECT_EQ(errors[0]->object, "Service default/web");
    EXPECT_TRUE(v.manifests.services.empty()) << "an invalid Service is not stored";
}

TEST(ServiceValidationTest, NodePortsBelongToNodePortAndLoadBalancerServices) {
    Validated cluster_ip(service("ClusterIP", "  - {port: 80, nodePort: 30080}\n"));
    const auto* d = cluster_ip.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message,
              "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'");
    expectAtValue(d, cluster_ip.yaml, "nodePort: 30080");
    EXPECT_TRUE(Validated(service("NodePort", "  - {port: 80, nodePort: 30000}\n")).errors().empty());
    EXPECT_TRUE(
        Validated(service("LoadBalancer", "  - {port: 80, nodePort: 32767}\n")).errors().empty());
    Validated low(service("NodePort", "  - {port: 80, nodePort: 29999}\n"));
    ASSERT_NE(low.only(), nullptr);
    EXPECT_THAT(low.only()->message, HasSubstr("29999: provided port is not in the valid range"));
}

TEST(ServiceValidationTest, ProtocolMustBeTcpUdpOrSctp) {
    Validated v(service("ClusterIP", "  - {port: 80, protocol: HTTP}\n"));
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message, "spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: "
                          "\"SCTP\", \"TCP\", \"UDP\"");
    expectAtValue(d, v.yaml, "protocol: HTTP");
    EXPECT_TRUE(Validated(service("ClusterIP", "  - {port: 53, protocol: UDP}\n")).errors().empty());
}

TEST(ServiceValidationTest, NamedTargetPortsAreIanaServiceNames) {
    Validated v(service("ClusterIP", "  - {port: 80, targetPort: HTTP_Port}\n"));
    EXPECT_THAT(v.messages(),
                ElementsAre("spec.ports[0].targetPort: Invalid value: \"HTTP_Port\": must contain "
                            "only alpha-numeric characters (a-z, 0-9), and hyphens (-)"))
        << v.describe();
    ASSERT_EQ(v.errors().size(), 1u);
    expectAtValue(v.errors().front(), v.yaml, "targetPort: HTTP_Port");
    EXPECT_TRUE(
        Validated(service("ClusterIP", "  - {port: 80, targetPort: http-alt}\n")).errors().empty());
    Validated digits(service("ClusterIP", "  - {port: 80, targetPort: \"8080\"}\n"));
    EXPECT_THAT(digits.messages(),
                ElementsAre("spec.ports[0].targetPort: Invalid value: \"8080\": must contain at "
                            "least one letter (a-z)"));
}

TEST(ServiceValidationTest, SeveralPortsAreNamedAndTheNamesUnique) {
    Validated v(service("ClusterIP",
                        "  - {name: http, port: 80}\n  - {name: http, port: 81}\n  - {port: 82}\n"));
    EXPECT_THAT(v.messages(), ElementsAre("spec.ports[1].name: Duplicate value: \"http\"",
                                          "spec.ports[2].name: Required value"))
        << v.describe();
    ASSERT_EQ(v.errors().size(), 2u);
    expectAtValue(v.errors()[0], v.yaml, "name: http, port: 81");
    EXPECT_EQ(v.errors()[1]->code, "ILAB-API-001");
    // One port may go unnamed.
    EXPECT_TRUE(Validated(service("ClusterIP", "  - {port: 80}\n")).errors().empty());
}

TEST(ServiceValidationTest, AnUnknownTypeIsUnsupported) {
    Validated v(service("Nodeport", "  - {port: 80}\n"));
    const auto* d = v.only();
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->message, "spec.type: Unsupported value: \"Nodeport\": supported values: "
                          "\"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"");
    expectAtValue(d, v.yaml, "type: Nodeport");
}

}  // namespace
}  // namespace ilab::model
