#pragma once
// The topology view's automatic layout: one column per node kind, left to right (client,
// controller, rules, Services, pods). Pure geometry, no items.
#include <QPointF>
#include <QSizeF>
#include <array>
#include <map>
#include <string>
#include <vector>

#include "app/studio/models/workbench_types.h"

namespace ilab::studio {

// Between two columns: room for an edge label (two lines of "80.0/s · p99 32ms").
inline constexpr double kColumnGap = 136;

// Node widths by column (NodeKind order: clients, controller, rules, Services, pods). The
// view sizes each column to its longest name, so names are not cut and no column is wider
// than it needs: a narrow graph is one that fits a 1366-pixel screen at a readable scale.
using ColumnWidths = std::array<double, 5>;
inline constexpr ColumnWidths kDefaultColumnWidths{120, 160, 200, 160, 220};
inline constexpr double kMinNodeWidth = 110, kMaxNodeWidth = 300;

// A node's height in scene units: pods are shorter pills, so 40 of them stay readable.
double nodeHeight(NodeKind kind);
// With the default widths.
QSizeF nodeSize(NodeKind kind);

// Every node's centre. Within a column nodes keep the order of graph.nodes; pods no edge
// reaches go to the bottom of theirs. The rightmost column is centred on y = 0 and every
// other node sits as near the middle of its children as the spacing allows, so a Service
// faces its pods and a rule its Services. Columns are `widths` wide, kColumnGap apart.
std::map<std::string, QPointF> layoutColumns(const TopologyGraph& graph,
                                             const ColumnWidths& widths = kDefaultColumnWidths);

// Positions as close to `wanted` (in order) as a minimum `pitch` between neighbours allows,
// in the least-squares sense.
std::vector<double> spaceOut(const std::vector<double>& wanted, double pitch);

}  // namespace ilab::studio
