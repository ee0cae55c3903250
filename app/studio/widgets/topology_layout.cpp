#include "app/studio/widgets/topology_layout.h"

#include <array>
#include <set>

namespace ilab::studio {
namespace {

constexpr int kColumnCount = 5;
constexpr double kUnattachedGap = 18;  // sets stray pods apart from the routed ones

struct Row {
    const TopologyNode* node;
    bool stray;
};
using Columns = std::array<std::vector<Row>, kColumnCount>;

double pitchOf(NodeKind kind) {
    return nodeHeight(kind) + (kind == NodeKind::Pod ? 10 : 22);
}

// Routed nodes first, then pods no edge reaches: a stable two-pass split.
Columns columnsOf(const TopologyGraph& graph) {
    std::set<std::string> attached;
    for (const TopologyEdge& edge : graph.edges) {
        attached.insert(edge.from);
        attached.insert(edge.to);
    }
    Columns columns;
    for (bool routed : {true, false}) {
        for (const TopologyNode& node : graph.nodes) {
            const bool is_routed = attached.count(node.id) > 0 || node.kind != NodeKind::Pod;
            if (is_routed == routed)
                columns[static_cast<std::size_t>(node.kind)].push_back({&node, !routed});
        }
    }
    return columns;
}

// The column alone, centred on y = 0.
std::vector<double> centredRows(const std::vector<Row>& rows, double pitch) {
    std::vector<double> ys;
    double y = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (i > 0) y += pitch + (rows[i].stray && !rows[i - 1].stray ? kUnattachedGap : 0);
        ys.push_back(y);
    }
    for (double& each : ys)
        each -= y / 2;
    return ys;
}

}  // namespace

double nodeHeight(NodeKind kind) {
    return kind == NodeKind::Pod ? 32 : 46;
}

QSizeF nodeSize(NodeKind kind) {
    return {kDefaultColumnWidths[static_cast<std::size_t>(kind)], nodeHeight(kind)};
}

// Isotonic regression (pool adjacent violators) on wanted[i] - i * pitch: blocks of nodes
// that would collide move together to the mean of what they want.
std::vector<double> spaceOut(const std::vector<double>& wanted, double pitch) {
    struct Block {
        double sum;
        int count;
        double mean() const { return sum / count; }
    };
    std::vector<Block> blocks;
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        blocks.push_back({wanted[i] - static_cast<double>(i) * pitch, 1});
        while (blocks.size() > 1 && blocks[blocks.size() - 2].mean() > blocks.back().mean()) {
            blocks[blocks.size() - 2].sum += blocks.back().sum;
            blocks[blocks.size() - 2].count += blocks.back().count;
            blocks.pop_back();
        }
    }
    std::vector<double> ys;
    for (const Block& block : blocks) {
        for (int i = 0; i < block.count; ++i)
            ys.push_back(block.mean() + static_cast<double>(ys.size()) * pitch);
    }
    return ys;
}

std::map<std::string, QPointF> layoutColumns(const TopologyGraph& graph, const ColumnWidths& widths) {
    const Columns columns = columnsOf(graph);
    std::array<double, kColumnCount> xs{};  // column centres, the first at x = 0
    for (std::size_t c = 1; c < kColumnCount; ++c)
        xs[c] = xs[c - 1] + widths[c - 1] / 2 + kColumnGap + widths[c] / 2;
    std::map<std::string, std::vector<std::string>> children;
    for (const TopologyEdge& edge : graph.edges)
        children[edge.from].push_back(edge.to);

    std::map<std::string, QPointF> centres;
    for (int column = kColumnCount - 1; column >= 0; --column) {
        const std::vector<Row>& rows = columns[static_cast<std::size_t>(column)];
        if (rows.empty()) continue;
        const double pitch = pitchOf(rows.front().node->kind);
        std::vector<double> wanted = centredRows(rows, pitch);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            double sum = 0;
            int placed = 0;
            for (const std::string& child : children[rows[i].node->id]) {
                if (auto it = centres.find(child); it != centres.end()) {
                    sum += it->second.y();
                    ++placed;
                }
            }
            if (placed > 0) wanted[i] = sum / placed;
        }
        const std::vector<double> ys = spaceOut(wanted, pitch);
        for (std::size_t i = 0; i < rows.size(); ++i)
            centres[rows[i].node->id] = QPointF(xs[static_cast<std::size_t>(column)], ys[i]);
    }
    return centres;
}

}  // namespace ilab::studio
