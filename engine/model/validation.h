#pragma once
// The checks the Kubernetes API server makes on create (pkg/apis/networking/validation), with
// kubectl's wording: "<field.path>: Invalid value: "<v>": <detail>".
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/diagnostic.h"
#include "engine/model/objects.h"

namespace ilab::model {

// Appends one ILAB-API-* diagnostic per problem. Returns true when the Ingress is valid.
bool validateIngress(const Ingress& ingress, core::Diagnostics& diagnostics);
// A Service's type and ports as the API server checks them (pkg/apis/core/validation
// validateServicePort, and the node-port range 30000-32767). True when the Service is valid.
bool validateService(const Service& service, core::Diagnostics& diagnostics);

// The apimachinery validators, returning the list of failure details ("" list = valid).
std::vector<std::string> dns1123SubdomainErrors(std::string_view value);
std::vector<std::string> dns1123LabelErrors(std::string_view value);
std::vector<std::string> dns1035LabelErrors(std::string_view value);
std::vector<std::string> wildcardDns1123SubdomainErrors(std::string_view value);
std::vector<std::string> portNameErrors(std::string_view value);
bool isIpAddress(std::string_view value);

}  // namespace ilab::model
