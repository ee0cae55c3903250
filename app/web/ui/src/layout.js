// The topology's automatic layout, as the studio does it: five columns (client, controller,
// rules, Services, pods), the rightmost one centred, each node near the middle of its
// children, the graph's order kept inside each column. Pure: no DOM, unit-tested in node.
//
// Nodes are small shapes with their names beside them, as Kiali draws its graph: a name
// under the shape (pods: to its right, the last column has room there), so the columns can
// sit close enough for the whole graph to fit a laptop's view at a readable size.

export const KINDS = ['client', 'controller', 'rule', 'service', 'pod'];
export const COLUMN_PITCH = 200; // a shape plus room for a name under it and an edge label
const UNATTACHED_GAP = 18; // sets stray pods apart from the routed ones

/** The shape's size (edges start and end at its sides); names are drawn outside it. */
export function nodeSize(kind) {
  return kind === 'pod' ? { width: 20, height: 20 } : { width: 34, height: 34 };
}

/** Room a node's name takes under its shape (two lines: name and caption). */
export const NAME_BELOW = 34;

function pitchOf(kind) {
  return kind === 'pod' ? 38 : nodeSize(kind).height + NAME_BELOW + 8;
}

export function columnOf(kind) {
  const index = KINDS.indexOf(kind);
  return index >= 0 ? index : 4;
}

// Routed nodes first, then pods no edge reaches: a stable two-pass split.
function columnsOf(graph) {
  const attached = new Set();
  for (const edge of graph.edges) {
    attached.add(edge.from);
    attached.add(edge.to);
  }
  const columns = KINDS.map(() => []);
  for (const routed of [true, false]) {
    for (const node of graph.nodes) {
      const isRouted = attached.has(node.id) || node.kind !== 'pod';
      if (isRouted === routed) columns[columnOf(node.kind)].push({ node, stray: !routed });
    }
  }
  return columns;
}

// The column alone, centred on y = 0.
function centredRows(rows, pitch) {
  const ys = [];
  let y = 0;
  rows.forEach((row, i) => {
    if (i > 0) y += pitch + (row.stray && !rows[i - 1].stray ? UNATTACHED_GAP : 0);
    ys.push(y);
  });
  return ys.map((each) => each - y / 2);
}

/**
 * Isotonic regression (pool adjacent violators) on wanted[i] - i * pitch: blocks of nodes
 * that would collide move together to the mean of what they want.
 */
export function spaceOut(wanted, pitch) {
  const blocks = [];
  wanted.forEach((w, i) => {
    blocks.push({ sum: w - i * pitch, count: 1 });
    while (blocks.length > 1) {
      const a = blocks[blocks.length - 2];
      const b = blocks[blocks.length - 1];
      if (a.sum / a.count <= b.sum / b.count) break;
      a.sum += b.sum;
      a.count += b.count;
      blocks.pop();
    }
  });
  const ys = [];
  for (const block of blocks) {
    for (let i = 0; i < block.count; i += 1) ys.push(block.sum / block.count + ys.length * pitch);
  }
  return ys;
}

/** Map of node id to its centre {x, y}. */
export function layoutColumns(graph) {
  const columns = columnsOf(graph);
  const children = new Map();
  for (const edge of graph.edges) {
    if (!children.has(edge.from)) children.set(edge.from, []);
    children.get(edge.from).push(edge.to);
  }
  const centres = new Map();
  for (let column = KINDS.length - 1; column >= 0; column -= 1) {
    const rows = columns[column];
    if (rows.length === 0) continue;
    const pitch = pitchOf(rows[0].node.kind);
    const wanted = centredRows(rows, pitch);
    rows.forEach((row, i) => {
      let sum = 0;
      let placed = 0;
      for (const child of children.get(row.node.id) || []) {
        const centre = centres.get(child);
        if (centre) {
          sum += centre.y;
          placed += 1;
        }
      }
      if (placed > 0) wanted[i] = sum / placed;
    });
    const ys = spaceOut(wanted, pitch);
    rows.forEach((row, i) => centres.set(row.node.id, { x: column * COLUMN_PITCH, y: ys[i] }));
  }
  return centres;
}

/** A cubic Bézier from the right side of one node to the left side of the next. */
export function edgeCurve(from, to, fromKind, toKind) {
  const p0 = { x: from.x + nodeSize(fromKind).width / 2, y: from.y };
  const p3 = { x: to.x - nodeSize(toKind).width / 2, y: to.y };
  const pull = Math.max(Math.abs(p3.x - p0.x) * 0.5, 40);
  return [p0, { x: p0.x + pull, y: p0.y }, { x: p3.x - pull, y: p3.y }, p3];
}

export function pointAt(p, t) {
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const c = 3 * u * t * t;
  const d = t * t * t;
  return { x: a * p[0].x + b * p[1].x + c * p[2].x + d * p[3].x, y: a * p[0].y + b * p[1].y + c * p[2].y + d * p[3].y };
}

/** y on the curve at x (x grows with t whenever the target is to the right). */
export function yAtX(p, x) {
  let low = 0;
  let high = 1;
  for (let i = 0; i < 20; i += 1) {
    const mid = (low + high) / 2;
    if (pointAt(p, mid).x < x) low = mid;
    else high = mid;
  }
  return pointAt(p, low).y;
}

/** Kiali's edge speed idea: slow answers travel visibly slower, never stalling the picture. */
export function travelSeconds(latencyMs) {
  const seconds = 0.6 + 0.8 * Math.log10(1 + Math.max(latencyMs || 0, 0) / 10);
  return Math.min(Math.max(seconds, 0.6), 3);
}
