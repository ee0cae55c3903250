// ConfigMap (v1): its data as strings, each key and value located. The API server refuses a
// number or boolean written unquoted (json: cannot unmarshal number into Go struct field
// ConfigMap.data of type string), a mistake people make with `hsts: false`; so does the lab.
#include "engine/model/field_reader.h"

namespace ilab::model {

void decodeConfigMap(FieldReader& r, const YamlNode& root, Manifests& m) {
    r.unknownFields(&root, "", {"apiVersion", "kind", "metadata", "data", "binaryData", "immutable"});
    ConfigMap config;
    config.meta = readMeta(r, root);
    if (const YamlNode* data = r.map(root.find("data"), "data")) {
        for (const auto& e : data->entries) {
            ConfigMapValue value;
            value.key_location = e.key_location;
            value.value_location = e.value.isNull() ? e.key_location : e.value.location;
            if (!e.value.isNull()) {
                auto text = r.string(&e.value, "data." + e.key);
                if (!text) continue;
                value.value = std::move(*text);
            }
            config.data[e.key] = std::move(value);
        }
    }
    m.config_maps.push_back(std::move(config));
}

}  // namespace ilab::model
