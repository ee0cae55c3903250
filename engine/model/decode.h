#pragma once
// Turns parsed YAML documents into typed objects, checking types and unknown fields the way
// `kubectl apply --validate=strict` does.
#include "engine/core/yaml_tree.h"
#include "engine/model/manifests.h"

namespace ilab::model {

// Decodes one document (a List is flattened) into `manifests`.
void decodeDocument(const core::YamlNode& root, Manifests& manifests);

}  // namespace ilab::model
