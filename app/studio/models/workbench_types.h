#pragma once
// The engine's view models (engine/workbench), shared with the web lab, under the studio's
// namespace.
#include "engine/workbench/edge_stats.h"
#include "engine/workbench/topology.h"

namespace ilab::studio {

using workbench::buildTopology;
using workbench::canarySplits;
using workbench::EdgeKey;
using workbench::EdgeStats;
using workbench::EdgeStatsWindow;
using workbench::Flow;
using workbench::flowFor;
using workbench::Health;
using workbench::healthFor;
using workbench::NodeKind;
using workbench::podNodeId;
using workbench::ruleNodeId;
using workbench::serviceNodeId;
using workbench::TopologyEdge;
using workbench::TopologyGraph;
using workbench::TopologyNode;

}  // namespace ilab::studio
