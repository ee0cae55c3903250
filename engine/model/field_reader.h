#pragma once
// The decoder's shared parts: typed, located field access for one object, and the decoders of
// each kind (decode_ingress.cpp, decode_workloads.cpp). Internal to engine/model.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/text.h"
#include "engine/core/yaml_tree.h"
#include "engine/model/manifests.h"

namespace ilab::model {

using core::YamlNode;

// Reads typed fields out of one object's tree, reporting problems with their field path.
class FieldReader {
  public:
    FieldReader(Manifests& manifests, std::string object)
        : m_(manifests), object_(std::move(object)) {}

    core::Diagnostic& error(std::string code, std::string message, const core::SourceLocation& at,
                            std::string hint = {}) {
        auto& d = m_.diagnostics.error(std::move(code), std::move(message), at, std::move(hint));
        d.object = object_;
        return d;
    }

    bool typeError(const YamlNode& node, const std::string& path, std::string_view expected) {
        std::string found(node.typeName());
        if (node.isScalar()) found += " (" + node.scalar + ")";
        error("ILAB-API-004",
              path + ": Invalid type: expected " + std::string(expected) + ", found " + found,
              node.location,
              expected == "a string" && node.isScalar() ? "quote the value: \"" + node.scalar + "\""
                                                        : std::string());
        return false;
    }

    const YamlNode* map(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return nullptr;
        if (!node->isMap()) {
            typeError(*node, path, "a map");
            return nullptr;
        }
        return node;
    }

    const YamlNode* list(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return nullptr;
        if (!node->isSequence()) {
            typeError(*node, path, "a list");
            return nullptr;
        }
        return node;
    }

    // Kubernetes string fields refuse YAML numbers and booleans (json: cannot unmarshal ...).
    std::optional<std::string> string(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return std::nullopt;
        if (!node->isScalar() || node->scalarType() != core::ScalarType::String) {
            typeError(*node, path, "a string");
            return std::nullopt;
        }
        return node->scalar;
    }

    std::optional<long long> integer(const YamlNode* node, const std::string& path) {
        if (!node || node->isNull()) return std::nullopt;
        auto value = node->asInt();
        if (!value) {
            typeError(*node, path, "an integer");
            return std::nullopt;
        }
        return value;
    }

    std::map<std::string, std::string> stringMap(const YamlNode* node, const std::string& path,
                                                 std::map<std::string, core::SourceLocation>* at) {
        std::map<std::string, std::string> out;
        if (!map(node, path)) return out;
        for (const auto& e : node->entries) {
            if (auto v = string(&e.value, path + "." + e.key)) {
                out[e.key] = *v;
                if (at) (*at)[e.key] = e.value.isNull() ? e.key_location : e.value.location;
            } else if (e.value.isNull()) {
                out[e.key] = "";
                if (at) (*at)[e.key] = e.key_location;
            }
        }
        return out;
    }

    // `kubectl apply --validate=strict`: a field the schema does not have is an error.
    void unknownFields(const YamlNode* node, const std::string& path,
                       std::initializer_list<std::string_view> known) {
        // Fields removed with networking.k8s.io/v1beta1, which people still copy from old posts.
        static const std::map<std::string_view, std::string_view> kLegacyFieldHints = {
            {"serviceName", "networking.k8s.io/v1 uses backend.service.name"},
            {"servicePort", "networking.k8s.io/v1 uses backend.service.port.number or .name"},
            {"backend", "networking.k8s.io/v1 calls it spec.defaultBackend"},
        };
        if (!node || !node->isMap()) return;
        for (const auto& e : node->entries) {
            if (std::find(known.begin(), known.end(), e.key) != known.end()) continue;
            std::string hint;
            if (auto legacy = kLegacyFieldHints.find(e.key); legacy != kLegacyFieldHints.end())
                hint = std::string(legacy->second);
            else
                hint = core::didYouMean(e.key, std::vector<std::string_view>(known));
            const std::string field = path.empty() ? e.key : path + "." + e.key;
            error("ILAB-API-005", "unknown field " + core::quoted(field), e.key_location, hint);
        }
    }

    Manifests& m_;
    std::string object_;
};

inline std::string indexed(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

ObjectMeta readMeta(FieldReader& r, const YamlNode& root);

void decodeIngress(FieldReader& r, const YamlNode& root, Manifests& m);
void decodeIngressClass(FieldReader& r, const YamlNode& root, Manifests& m);
void decodeService(FieldReader& r, const YamlNode& root, Manifests& m);
void decodeWorkload(FieldReader& r, const YamlNode& root, const std::string& kind, Manifests& m);
void decodePod(FieldReader& r, const YamlNode& root, Manifests& m);
void decodeSecret(FieldReader& r, const YamlNode& root, Manifests& m);
void decodeConfigMap(FieldReader& r, const YamlNode& root, Manifests& m);
void decodeEndpoints(FieldReader& r, const YamlNode& root, Manifests& m);
void decodeEndpointSlice(FieldReader& r, const YamlNode& root, Manifests& m);
void decodeNamespace(FieldReader& r, const YamlNode& root, Manifests& m);

}  // namespace ilab::model
