// yaml-cpp stays inside this file: its exceptions and node types never reach callers.
#include <memory>

#include <yaml-cpp/yaml.h>

#include "engine/core/yaml_tree.h"

namespace ilab::core {
namespace {

// A document-sized slice of the stream and the line it starts on (0-based).
struct Chunk {
    std::string text;
    int first_line = 0;
};

bool isMarkerLine(std::string_view line, std::string_view marker) {
    if (line.substr(0, 3) != marker) return false;
    return line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r';
}

// yaml-cpp 0.7's LoadAll can loop forever on a stray ',' (jbeder/yaml-cpp#1040), so split the
// stream on '---' and '...' at column 0 ourselves and Load each document on its own.
std::vector<Chunk> splitDocuments(std::string_view text) {
    std::vector<Chunk> chunks(1);
    int line_no = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        if (isMarkerLine(line, "---")) {
            chunks.push_back({{}, line_no});
            // Keep what follows the marker on its line, at its column.
            chunks.back().text = std::string(3, ' ') + std::string(line.substr(3)) + '\n';
        } else if (isMarkerLine(line, "...")) {
            chunks.push_back({{}, line_no + 1});
        } else {
            chunks.back().text.append(line);
            chunks.back().text.push_back('\n');
        }
        if (end == text.size()) break;
        pos = end + 1;
        ++line_no;
    }
    return chunks;
}

// The 1-based line of a chunk's first text that is not a comment, a directive or a null
// literal; 0 when there is none.
int firstContentLine(std::string_view text) {
    int line = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        ++line;
        auto end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view l = text.substr(pos, end - pos);
        const auto first = l.find_first_not_of(" \t\r");
        if (first != std::string_view::npos && l[first] != '#' && l[first] != '%') {
            std::string_view value = l.substr(first);
            value = value.substr(0, value.find_last_not_of(" \t\r") + 1);
            if (value != "~" && value != "null" && value != "Null" && value != "NULL") return line;
        }
        pos = end + 1;
    }
    return 0;
}

// Returns the 0-based offset of the first NUL byte or invalid UTF-8 sequence, or npos.
std::size_t findBinary(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c == 0) return i;
        if (c < 0x80) {
            ++i;
            continue;
        }
        const std::size_t extra = (c >> 5) == 0x6    ? 1
                                  : (c >> 4) == 0xE  ? 2
                                  : (c >> 3) == 0x1E ? 3
                                                     : 0;
        if (extra == 0 || i + extra >= s.size()) return i;
        for (std::size_t k = 1; k <= extra; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return i;
        }
        i += extra + 1;
    }
    return std::string_view::npos;
}

SourceLocation locationAt(const std::shared_ptr<const std::string>& file, std::string_view text,
                          std::size_t offset) {
    int line = 1, column = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {file, line, column};
}

class Converter {
  public:
    Converter(std::shared_ptr<const std::string> file, std::string_view text, int line_offset,
              const YamlLimits& limits, Diagnostics& diagnostics)
        : file_(std::move(file)),
          text_(text),
          line_offset_(line_offset),
          limits_(limits),
          diagnostics_(diagnostics) {}

    bool convert(const YAML::Node& in, YamlNode& out, int depth) {
        if (++node_count_ > kMaxNodes) {
            if (!reported_size_) {
                diagnostics_.error("ILAB-YAML-004",
                                   "document expands to more than " + std::to_string(kMaxNodes) +
                                       " nodes (an alias bomb?)",
                                   at(in.Mark()), "remove repeated aliases (*name)");
                reported_size_ = true;
            }
            return false;
        }
        if (depth > limits_.max_depth) {
            diagnostics_.error(
                "ILAB-YAML-004",
                "nesting is deeper than " + std::to_string(limits_.max_depth) + " levels",
                at(in.Mark()), "Kubernetes manifests are never nested this deep");
            return false;
        }
        out.location = at(in.Mark());
        switch (in.Type()) {
            case YAML::NodeType::Undefined:
            case YAML::NodeType::Null:
                out.kind = YamlNode::Kind::Null;
                return true;
            case YAML::NodeType::Scalar:
                out.kind = YamlNode::Kind::Scalar;
                out.scalar = in.Scalar();
                out.quoted = in.Tag() == "!";
                if (out.quoted) out.block_column = literalBlockColumn(in.Mark());
                return true;
            case YAML::NodeType::Sequence:
                out.kind = YamlNode::Kind::Sequence;
                out.items.reserve(in.size());
                for (const YAML::Node& child : in) {
                    out.items.emplace_back();
                    if (!convert(child, out.items.back(), depth + 1)) return false;
                }
                return true;
            case YAML::NodeType::Map:
                out.kind = YamlNode::Kind::Map;
                for (auto it = in.begin(); it != in.end(); ++it) {
                    // Copies: it-> returns a temporary proxy, so references into it dangle.
                    const YAML::Node key = it->first;
                    const YAML::Node value = it->second;
                    if (!key.IsScalar()) {
                        diagnostics_.error("ILAB-YAML-003", "a map key must be a plain string",
                                           at(key.Mark()));
                        return false;
                    }
                    if (out.findEntry(key.Scalar())) {
                        diagnostics_.error("ILAB-YAML-003",
                                           "mapping key \"" + key.Scalar() + "\" already defined",
                                           at(key.Mark()), "remove one of the two entries");
                        return false;
                    }
                    out.entries.push_back({key.Scalar(), at(key.Mark()), {}});
                    if (!convert(value, out.entries.back().value, depth + 1)) return false;
                }
                return true;
        }
        return true;
    }

    SourceLocation at(const YAML::Mark& mark) const {
        if (mark.is_null()) return {file_, line_offset_ + 1, 1};
        return {file_, line_offset_ + mark.line + 1, mark.column + 1};
    }

  private:
    // yaml-cpp marks a block scalar at its "|" indicator; its content starts on the next line
    // that is not blank, at that line's indentation. 0 when the scalar is not a literal block or
    // names its indentation explicitly ("|2"), which manifests hardly ever do.
    int literalBlockColumn(const YAML::Mark& mark) const {
        if (mark.is_null() || mark.pos < 0) return 0;
        std::size_t i = static_cast<std::size_t>(mark.pos);
        if (i >= text_.size() || text_[i] != '|') return 0;
        for (++i; i < text_.size() && text_[i] != '\n' && text_[i] != ' ' && text_[i] != '#'; ++i)
            if (text_[i] >= '0' && text_[i] <= '9') return 0;
        std::size_t line = text_.find('\n', i);
        while (line != std::string_view::npos) {
            ++line;
            std::size_t column = line;
            while (column < text_.size() && text_[column] == ' ') ++column;
            if (column < text_.size() && text_[column] != '\n' && text_[column] != '\r')
                return static_cast<int>(column - line) + 1;
            line = text_.find('\n', line);
        }
        return 0;
    }

    static constexpr std::size_t kMaxNodes = 1'000'000;
    std::shared_ptr<const std::string> file_;
    std::string_view text_;  // the document, which yaml-cpp's marks count into
    int line_offset_;
    const YamlLimits& limits_;
    Diagnostics& diagnostics_;
    std::size_t node_count_ = 0;
    bool reported_size_ = false;
};

// yaml-cpp recurses once per nesting level while parsing; refuse absurd nesting before it does.
std::size_t findExcessiveFlowNesting(std::string_view text, int max_depth) {
    int depth = 0;
    bool in_single = false, in_double = false, in_comment = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\n') {
            in_comment = false;
            in_single = in_double = false;  // flow scalars rarely span lines in manifests
            continue;
        }
        if (in_comment) continue;
        if (in_double) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_double = false;
            continue;
        }
        if (in_single) {
            if (c == '\'') in_single = false;
            continue;
        }
        if (c == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t'))
            in_comment = true;
        else if (c == '"')
            in_double = true;
        else if (c == '\'' && (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]))))
            in_single = true;
        else if (c == '[' || c == '{') {
            if (++depth > max_depth) return i;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return std::string_view::npos;
}

}  // namespace

YamlParseResult parseYamlStream(std::string_view text, const std::string& file_name,
                                const YamlLimits& limits) {
    YamlParseResult result;
    auto file = std::make_shared<const std::string>(file_name);
    if (text.size() > limits.max_bytes) {
        result.diagnostics.error("ILAB-YAML-002",
                                 "file is " + std::to_string(text.size()) +
                                     " bytes, over the limit of " +
                                     std::to_string(limits.max_bytes),
                                 {file, 1, 1}, "split the manifests into smaller files");
        return result;
    }
    if (std::size_t bad = findBinary(text); bad != std::string_view::npos) {
        result.diagnostics.error(
            "ILAB-YAML-002",
            "file is not UTF-8 text (byte 0x" +
                [&] {
                    static const char* hex = "0123456789abcdef";
                    auto b = static_cast<unsigned char>(text[bad]);
                    return std::string{hex[b >> 4], hex[b & 15]};
                }() +
                " at offset " + std::to_string(bad) + ")",
            locationAt(file, text, bad), "manifests must be YAML or JSON text");
        return result;
    }
    if (std::size_t deep = findExcessiveFlowNesting(text, limits.max_depth);
        deep != std::string_view::npos) {
        result.diagnostics.error(
            "ILAB-YAML-004",
            "nesting is deeper than " + std::to_string(limits.max_depth) + " levels",
            locationAt(file, text, deep), "Kubernetes manifests are never nested this deep");
        return result;
    }

    int index = 0;
    for (const Chunk& chunk : splitDocuments(text)) {
        const bool blank = chunk.text.find_first_not_of(" \t\r\n") == std::string::npos;
        if (blank) continue;
        Converter converter(file, chunk.text, chunk.first_line, limits, result.diagnostics);
        try {
            YAML::Node node = YAML::Load(chunk.text);
            YamlDocument doc;
            doc.index = index++;
            doc.start = {file, chunk.first_line + 1, 1};
            if (node.IsNull() || !node.IsDefined()) {
                // yaml-cpp reads some malformed documents (a lone ',') as null: say so.
                if (const int line = firstContentLine(chunk.text); line > 0)
                    result.diagnostics.error("ILAB-YAML-001",
                                             "YAML syntax error: document has text but no value",
                                             {file, chunk.first_line + line, 1},
                                             "remove the stray characters or write the object");
                continue;
            }
            if (converter.convert(node, doc.root, 0)) result.documents.push_back(std::move(doc));
        } catch (const YAML::Exception& e) {
            ++index;
            std::string what = e.msg.empty() ? std::string("malformed YAML") : e.msg;
            result.diagnostics.error("ILAB-YAML-001", "YAML syntax error: " + what,
                                     converter.at(e.mark),
                                     "check indentation, quoting and that tabs are not used "
                                     "for indentation");
        } catch (const std::exception& e) {
            ++index;
            result.diagnostics.error("ILAB-YAML-001",
                                     std::string("YAML could not be read: ") + e.what(),
                                     {file, chunk.first_line + 1, 1});
        }
    }
    return result;
}

}  // namespace ilab::core
