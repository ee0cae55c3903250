#pragma once
// The topology view's automatic layout: one column per node kind, left to right (client,
// controller, rules, Services, pods). Pure geometry, no items.
#include <QPointF>
#include <QSizeF>
#include <map>
#include <string>
#include <vector>

#include "app/studio/models/workbench_types.h"

namespace ilab::studio {

inline constexpr double kColumnPitch = 364;  // node width plus room for an edge label

// The node's frame in scene units: pods are shorter pills, so 40 of them stay readable.
QSizeF nodeSize(NodeKind kind);

// Every node's centre. Within a column nodes keep the order of graph.nodes; pods no edge
// reaches go to the bottom of theirs. The rightmost column is centred on y = 0 and every
// other node sits as near the middle of its children as the spacing allows, so a Service
// faces its pods and a rule its Services.
std::map<std::string, QPointF> layoutColumns(const TopologyGraph& graph);

// Positions as close to `wanted` (in order) as a minimum `pitch` between neighbours allows,
// in the least-squares sense.
std::vector<double> spaceOut(const std::vector<double>& wanted, double pitch);

}  // namespace ilab::studio
