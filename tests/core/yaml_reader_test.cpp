#include <gtest/gtest.h>

#include "engine/core/yaml_tree.h"

namespace ilab::core {
namespace {

TEST(YamlReaderTest, SplitsDocumentsAndKeepsTheirLines) {
    auto r =
        parseYamlStream("a: 1\n---\nb: 2\n---\n\n  # only a comment\n---\nc:\n  d: x\n", "f.yaml");
    ASSERT_TRUE(r.diagnostics.empty());
    ASSERT_EQ(r.documents.size(), 3u);
    EXPECT_EQ(r.documents[1].root.entries[0].key, "b");
    EXPECT_EQ(r.documents[1].root.entries[0].key_location.line, 3);
    const YamlNode* d = r.documents[2].root.find("c")->find("d");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->location.line, 9);
    EXPECT_EQ(d->location.column, 6);
    EXPECT_EQ(d->location.fileName(), "f.yaml");
}

TEST(YamlReaderTest, ALiteralBlockKnowsWhereItsLinesStart) {
    // A finding about line k of a `|` block (an htpasswd line in a Secret) points at source
    // line location.line + k, column block_column; other scalars have no such mapping.
    auto r = parseYamlStream("a: 1\n---\nstringData:\n  auth: |-  # users\n\n      foo:x\n"
                             "      bar:y\n  quoted: \"q\\nz\"\n  folded: >\n    x\n"
                             "  explicit: |2\n     y\n  plain: abc\n",
                             "f.yaml");
    ASSERT_TRUE(r.diagnostics.empty());
    const YamlNode& data = *r.documents[1].root.find("stringData");
    const YamlNode* auth = data.find("auth");
    EXPECT_EQ(auth->scalar, "\nfoo:x\nbar:y");
    EXPECT_EQ(auth->location.line, 4);
    EXPECT_EQ(auth->block_column, 7);  // "bar:y" is line 3 of the value: source line 7
    EXPECT_EQ(data.find("quoted")->block_column, 0);
    EXPECT_EQ(data.find("folded")->block_column, 0);
    EXPECT_EQ(data.find("explicit")->block_column, 0);
    EXPECT_EQ(data.find("plain")->block_column, 0);
}

TEST(YamlReaderTest, SyntaxErrorNamesFileAndLineAndKeepsOtherDocuments) {
    auto r = parseYamlStream("a: 1\n---\nb: [1, 2\n---\nc: 3\n", "bad.yaml");
    ASSERT_EQ(r.diagnostics.size(), 1u);
    const auto& d = r.diagnostics.items()[0];
    EXPECT_EQ(d.code, "ILAB-YAML-001");
    EXPECT_EQ(d.location.fileName(), "bad.yaml");
    EXPECT_GE(d.location.line, 3);
    EXPECT_EQ(r.documents.size(), 2u);
}

TEST(YamlReaderTest, StrayCommaDoesNotHang) {
    // yaml-cpp 0.7's LoadAll loops forever on this input.
    auto r = parseYamlStream("a: 1\n---\n,\n", "comma.yaml");
    EXPECT_EQ(r.documents.size(), 1u);
    ASSERT_TRUE(r.diagnostics.contains("ILAB-YAML-001"));
    EXPECT_EQ(r.diagnostics.items()[0].location.line, 3);
}

TEST(YamlReaderTest, BinaryInputIsRefusedWithItsPosition) {
    std::string text = "kind: Service\nname: \xff\xfe\n";
    auto r = parseYamlStream(text, "bin.yaml");
    ASSERT_EQ(r.diagnostics.size(), 1u);
    EXPECT_EQ(r.diagnostics.items()[0].code, "ILAB-YAML-002");
    EXPECT_EQ(r.diagnostics.items()[0].location.line, 2);
    EXPECT_EQ(r.diagnostics.items()[0].location.column, 7);
    EXPECT_TRUE(r.documents.empty());
}

TEST(YamlReaderTest, NulBytesAreBinary) {
    std::string text("a: 1\n\0\0\0", 8);
    auto r = parseYamlStream(text, "nul.yaml");
    EXPECT_TRUE(r.diagnostics.contains("ILAB-YAML-002"));
}

TEST(YamlReaderTest, OversizedInputIsRefusedBeforeParsing) {
    YamlLimits limits;
    limits.max_bytes = 64;
    auto r = parseYamlStream(std::string(100, 'a'), "big.yaml", limits);
    EXPECT_TRUE(r.diagnostics.contains("ILAB-YAML-002"));
}

TEST(YamlReaderTest, DeepFlowNestingIsRefused) {
    std::string text = "a: " + std::string(100000, '[') + std::string(100000, ']') + "\n";
    auto r = parseYamlStream(text, "deep.yaml");
    ASSERT_TRUE(r.diagnostics.contains("ILAB-YAML-004"));
    EXPECT_EQ(r.diagnostics.items()[0].location.line, 1);
}

TEST(YamlReaderTest, DeepBlockNestingIsRefused) {
    std::string text;
    for (int i = 0; i < 100; ++i)
        text += std::string(static_cast<std::size_t>(i) * 2, ' ') + "k:\n";
    text += std::string(200, ' ') + "v: 1\n";
    auto r = parseYamlStream(text, "deep.yaml");
    EXPECT_TRUE(r.diagnostics.contains("ILAB-YAML-004"));
}

TEST(YamlReaderTest, AliasBombIsStopped) {
    std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    char prev = 'a';
    for (char c = 'b'; c <= 'k'; ++c) {
        text += std::string(1, c) + ": &" + c + " [";
        for (int i = 0; i < 10; ++i)
            text += std::string(i ? ", *" : "*") + prev;
        text += "]\n";
        prev = c;
    }
    auto r = parseYamlStream(text, "bomb.yaml");
    EXPECT_TRUE(r.diagnostics.contains("ILAB-YAML-004"));
}

TEST(YamlReaderTest, DuplicateKeysAreErrors) {
    auto r = parseYamlStream("a: 1\na: 2\n", "dup.yaml");
    ASSERT_TRUE(r.diagnostics.contains("ILAB-YAML-003"));
    EXPECT_EQ(r.diagnostics.items()[0].location.line, 2);
}

TEST(YamlReaderTest, ScalarsResolveLikeKubernetesYaml) {
    auto r = parseYamlStream("a: 80\nb: \"80\"\nc: true\nd: yes\ne: x\nf: ~\ng: 1.5\n", "t.yaml");
    const YamlNode& root = r.documents.at(0).root;
    EXPECT_EQ(root.find("a")->scalarType(), ScalarType::Int);
    EXPECT_EQ(root.find("b")->scalarType(), ScalarType::String);
    EXPECT_EQ(root.find("c")->scalarType(), ScalarType::Bool);
    EXPECT_EQ(root.find("d")->scalarType(), ScalarType::Bool);
    EXPECT_EQ(root.find("e")->scalarType(), ScalarType::String);
    EXPECT_EQ(root.find("f")->scalarType(), ScalarType::Null);
    EXPECT_EQ(root.find("g")->scalarType(), ScalarType::Float);
    EXPECT_EQ(root.find("a")->asInt(), 80);
}

TEST(YamlReaderTest, JsonDocumentsParse) {
    auto r = parseYamlStream("{\"kind\": \"Service\", \"spec\": {\"ports\": [{\"port\": 80}]}}",
                             "s.json");
    ASSERT_TRUE(r.diagnostics.empty());
    EXPECT_EQ(r.documents.at(0).root.find("spec")->find("ports")->items.at(0).find("port")->asInt(),
              80);
}

TEST(YamlReaderTest, GarbageNeverCrashes) {
    // A cheap deterministic fuzz: every prefix of a hostile sample parses or reports.
    const std::string sample =
        "apiVersion: v1\nkind: [\n{a: b, c: [d, {e: f}]}\n--- !tag\n? complex\n: key\n"
        "&x y: *x\n'unterminated\n\"esc\\q\"\n\t- tab\n|\n  block\n...\n%YAML 1.2\n,,,\n";
    for (std::size_t n = 0; n <= sample.size(); ++n) {
        auto r = parseYamlStream(sample.substr(0, n), "fuzz.yaml");
        for (const auto& d : r.diagnostics.items())
            EXPECT_TRUE(d.location.known());
    }
}

}  // namespace
}  // namespace ilab::core
