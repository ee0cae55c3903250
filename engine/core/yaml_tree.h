#pragma once
// A small YAML/JSON document tree that keeps where every node came from. The loader turns
// yaml-cpp's nodes into this once, so no yaml-cpp type or exception leaves the reader.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/diagnostic.h"

namespace ilab::core {

// How a plain (unquoted) scalar resolves, as Kubernetes' YAML decoder (YAML 1.1 rules) sees it.
enum class ScalarType { Null, Bool, Int, Float, String };

class YamlNode {
  public:
    enum class Kind { Null, Scalar, Sequence, Map };
    struct Entry;

    Kind kind = Kind::Null;
    std::string scalar;   // Scalar only: the text as written (unescaped)
    bool quoted = false;  // Scalar only: single/double-quoted or a block scalar
    SourceLocation location;
    // Scalar only: a literal block scalar ("|", "|-", "|+") starts its content lines at this
    // column, line k of `scalar` being source line location.line + k, so a finding about a line
    // inside the value (an htpasswd line of a Secret) can point at it. 0 for every other scalar:
    // the lines of a quoted or folded one do not map to source lines one to one.
    int block_column = 0;
    std::vector<YamlNode> items;  // Sequence
    std::vector<Entry> entries;   // Map, in source order

    bool isNull() const { return kind == Kind::Null; }
    bool isScalar() const { return kind == Kind::Scalar; }
    bool isSequence() const { return kind == Kind::Sequence; }
    bool isMap() const { return kind == Kind::Map; }

    // The value of a map key, or nullptr when absent (or when this is not a map).
    const YamlNode* find(std::string_view key) const;
    // The location of a key itself, for "unknown field" findings.
    const Entry* findEntry(std::string_view key) const;

    ScalarType scalarType() const;
    // "a map", "a list", "a string", "an integer", ... for type-mismatch messages.
    std::string_view typeName() const;
    std::optional<long long> asInt() const;  // plain integer scalars only
    std::optional<bool> asBool() const;      // plain YAML 1.1 booleans only
};

struct YamlNode::Entry {
    std::string key;
    SourceLocation key_location;
    YamlNode value;
};

struct YamlDocument {
    YamlNode root;
    int index = 0;  // 0-based position in its stream
    SourceLocation start;
};

struct YamlLimits {
    std::size_t max_bytes = 16 * 1024 * 1024;
    int max_depth = 64;
};

struct YamlParseResult {
    std::vector<YamlDocument> documents;  // empty documents are skipped
    Diagnostics diagnostics;
};

// Parses a multi-document stream. Never throws and never hangs: malformed input, binary data,
// oversized input and deep nesting all become ILAB-YAML-* diagnostics with a location.
// A broken document does not hide the documents around it.
YamlParseResult parseYamlStream(std::string_view text, const std::string& file_name,
                                const YamlLimits& limits = {});

}  // namespace ilab::core
