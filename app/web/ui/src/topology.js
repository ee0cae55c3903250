// The topology: clients → controller → rules → Services → pods as an SVG, with the live
// request flow drawn on a canvas overlay (one redraw per animation frame, no DOM per dot) and
// the edge figures on a second SVG layer above the dots, as the studio stacks them.

import { h, s, clear, elide, textWidth, mixColor, themeColors, formatPercent, edgeFigures, statusClass } from './util.js';
import { layoutColumns, nodeSize, edgeCurve, pointAt, yAtX, travelSeconds, COLUMN_PITCH } from './layout.js';

const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial, sans-serif';
// Sizes at 100% zoom; the fitted view of a laptop's screen keeps them near 12 px and 11 px.
const LABEL_FONT = `500 13px ${FONT_FAMILY}`;
const CAPTION_FONT = `11.5px ${FONT_FAMILY}`;
const EDGE_FONT = `12.5px ${FONT_FAMILY}`;
const CAPTION_LINE = 13;
const EDGE_LINE = 15;
const NAME_WIDTH = COLUMN_PITCH - 24; // a name under a shape stops short of the next column's
const POD_NAME_WIDTH = 240;

const MAX_FIT_SCALE = 1.3;
const LABEL_STEP = 3; // how far an edge label moves per try to find a free place
const MAX_LABEL_SHIFT = 60;
const MAX_DOTS = 400;
const DOT_SPACING_MS = 40; // at most 25 new dots a second per path
const MAX_QUEUE_MS = 250;
const BURST_MS = 450;
const DOT_RADIUS = 3.5;
const MAX_ROUTES = 4000;
const HOP_MS = 200;

const KIND_LETTERS = { client: 'C', controller: 'IC', rule: 'R', service: 'S' };
const KIND_CAPTIONS = { client: 'client', controller: 'ingress controller', rule: 'Ingress rule', service: 'Service' };

const edgeKey = (from, to) => `${from}\n${to}`;
// A drawing's box to the pixel: whether it changed since the last fit.
const boundsKey = (b) => [b.x, b.y, b.w, b.h].map(Math.round).join(',');

function podCaption(node) {
  let text = '';
  const running = !node.phase || node.phase === 'Running';
  if (!node.ready) text = running ? 'not ready' : node.phase;
  else if (!running) text = node.phase;
  if (node.restarts > 0) text += `${text ? '  ' : ''}↻${node.restarts}`;
  return text;
}

function captionOf(node) {
  if (node.problem) return node.problem;
  if (node.kind === 'pod') return podCaption(node);
  return KIND_CAPTIONS[node.kind] || node.kind;
}

/** The two lines beside a node: its name and a caption (a rule: its host, then its path). */
function namesOf(node) {
  const name = node.label || node.id;
  if (node.kind === 'rule' && !node.problem) {
    const space = name.indexOf(' ');
    if (space > 0) return [name.slice(0, space), name.slice(space + 1)];
  }
  return [name, captionOf(node)];
}

function tooltipOf(node) {
  // The full name first: the one beside the shape may be shortened.
  const name = node.label || node.id;
  let tip = node.detail && node.detail.includes(name) ? node.detail : [name, node.detail].filter(Boolean).join('\n');
  if (node.problem) tip += `\n⚠ ${node.problem}`;
  const faults = node.faults || [];
  if (faults.length) tip += '\nActive faults:';
  for (const fault of faults) tip += `\n⚡ ${fault}`;
  if (node.kind === 'pod' || node.kind === 'service') tip += '\n\nClick or right-click: inject a fault';
  return tip.trim();
}

function labelLinesOf(edge, stats) {
  const lines = [];
  const configured = edge.configuredPercent != null ? formatPercent(edge.configuredPercent) : '';
  const observed = stats && stats.observedPercent != null ? formatPercent(stats.observedPercent) : '';
  let split = configured && observed ? `${configured} → ${observed}` : configured + observed;
  if (edge.canary) split = `canary ${split}`.trim();
  if (split) lines.push(split);
  if (stats && stats.rate > 0) lines.push(...edgeFigures(stats));
  return lines;
}

export class Topology {
  /**
   * handlers: onNodeMenu(node, clientX, clientY), onNodeFilter(node).
   */
  constructor(container, handlers = {}) {
    this.container = container;
    this.handlers = handlers;
    this.graph = { nodes: [], edges: [] };
    this.nodes = new Map(); // id -> {node, x, y, el, frame, icon, ...}
    this.edges = new Map(); // key -> {edge, p, el, under, label, stats}
    this.nodeHealth = {};
    this.edgeStats = new Map();
    this.highlighted = [];
    this.highlightTimer = null;
    this.view = { scale: 1, tx: 0, ty: 0 };
    this.autoFit = true;
    this.theme = themeColors();

    this.svg = s('svg', { class: 'topo-graph', 'data-testid': 'topology-svg', role: 'img', 'aria-label': 'Topology' });
    this.viewport = s('g');
    this.edgeLayer = s('g', { class: 'edges' });
    this.nodeLayer = s('g', { class: 'nodes' });
    this.viewport.append(this.edgeLayer, this.nodeLayer);
    this.svg.append(this.viewport);

    this.canvas = h('canvas', { class: 'topo-flows', 'data-testid': 'flow-canvas', 'data-in-flight': '0', 'data-started': '0' });
    this.labelSvg = s('svg', { class: 'topo-labels', 'aria-hidden': 'true' });
    this.labelViewport = s('g');
    this.labelSvg.append(this.labelViewport);

    this.empty = h('div', { class: 'topo-empty' }, 'Waiting for the lab…');
    this.toolbar = h('div', { class: 'topo-toolbar' },
      h('button', { class: 'icon', title: 'Zoom in', 'aria-label': 'Zoom in', onclick: () => this.zoomBy(1.2) }, '+'),
      h('button', { class: 'icon', title: 'Zoom out', 'aria-label': 'Zoom out', onclick: () => this.zoomBy(1 / 1.2) }, '−'),
      h('button', { class: 'icon', title: 'Fit the topology to the view (double-click the background)', 'data-testid': 'topology-fit', onclick: () => this.fit(true) }, '⤢'));
    this.legend = h('div', { class: 'topo-legend' },
      ...[[2, '2xx'], [3, '3xx'], [4, '4xx'], [5, '5xx'], [0, 'no answer']].map(([c, text]) => h('span', null, h('i', { class: `dot c${c}` }), text)));

    container.append(this.svg, this.canvas, this.labelSvg, this.empty, this.toolbar, this.legend);

    this.flows = new Flows(this);
    this.installPanZoom();
    new ResizeObserver(() => this.onResize()).observe(container);
  }

  // ---- the graph ----

  setGraph(graph) {
    this.graph = graph && Array.isArray(graph.nodes) ? graph : { nodes: [], edges: [] };
    const positions = layoutColumns({ nodes: this.graph.nodes, edges: this.graph.edges || [] });
    clear(this.edgeLayer);
    clear(this.nodeLayer);
    clear(this.labelViewport);
    this.nodes.clear();
    this.edges.clear();

    for (const node of this.graph.nodes) {
      const pos = positions.get(node.id) || { x: 0, y: 0 };
      this.nodes.set(node.id, this.buildNode(node, pos));
    }
    const outDegree = new Map();
    const inDegree = new Map();
    for (const edge of this.graph.edges || []) {
      const from = this.nodes.get(edge.from);
      const to = this.nodes.get(edge.to);
      const key = edgeKey(edge.from, edge.to);
      if (!from || !to || this.edges.has(key)) continue;
      this.edges.set(key, this.buildEdge(edge, from, to));
      outDegree.set(edge.from, (outDegree.get(edge.from) || 0) + 1);
      inDegree.set(edge.to, (inDegree.get(edge.to) || 0) + 1);
    }
    for (const entry of this.edges.values()) {
      const out = outDegree.get(entry.edge.from) || 0;
      const inn = inDegree.get(entry.edge.to) || 0;
      entry.place = out > inn ? 'target' : inn > out ? 'source' : 'middle';
    }
    for (const entry of this.nodes.values()) this.paintNode(entry);
    for (const entry of this.edges.values()) this.paintEdge(entry);
    this.declutterLabels();
    this.empty.hidden = this.graph.nodes.length > 0;
    this.svg.dataset.nodes = String(this.graph.nodes.length);
    this.flows.resolveRoutes();
    this.applyHighlight(this.highlighted);
    if (this.autoFit) this.fit(false);
  }

  buildNode(node, pos) {
    const size = nodeSize(node.kind);
    const w = size.width;
    const hh = size.height;
    const pod = node.kind === 'pod';
    const radius = pod || node.kind === 'client' || node.kind === 'service' ? hh / 2 : node.kind === 'rule' ? 4 : 8;
    const interactive = node.kind === 'pod' || node.kind === 'service';
    const g = s('g', {
      class: `node kind-${node.kind}${interactive ? ' interactive' : ''}`,
      transform: `translate(${pos.x} ${pos.y})`,
      'data-testid': 'node',
      'data-id': node.id,
      'data-kind': node.kind,
      'data-label': node.label || '',
      'data-ready': pod ? String(!!node.ready) : undefined,
      'data-faults': String((node.faults || []).length),
      'data-problem': node.problem ? 'true' : undefined,
      tabindex: interactive ? '0' : undefined,
    });
    // The full name and details on hover: names beside the shapes may be shortened.
    g.append(s('title', { text: tooltipOf(node) }));
    const ring = s('rect', { class: 'hl-ring', x: -w / 2 - 4, y: -hh / 2 - 4, width: w + 8, height: hh + 8, rx: radius + 4 });
    const frame = s('rect', { class: 'frame', x: -w / 2, y: -hh / 2, width: w, height: hh, rx: radius });
    g.append(ring, frame);

    let icon;
    if (pod) {
      icon = s('circle', { class: 'ready-dot', cx: 0, cy: 0, r: 4.5 });
      g.append(icon);
    } else {
      g.append(s('text', { class: 'icon-text', x: 0, y: 4, 'text-anchor': 'middle', text: KIND_LETTERS[node.kind] || '?' }));
    }

    const [name, caption] = namesOf(node);
    const nameWidth = pod ? POD_NAME_WIDTH : NAME_WIDTH;
    const label = elide(name, nameWidth, LABEL_FONT, 'right');
    const second = elide(caption, nameWidth, CAPTION_FONT, 'right');
    // A pod's name to the right of its dot (the last column has room there); the others'
    // under their shapes, centred.
    const at = pod ? { x: w / 2 + 7, y: second ? -2 : 4.5, anchor: 'start' } : { x: 0, y: hh / 2 + 15, anchor: 'middle' };
    // A backdrop keeps a name readable where an edge passes under it.
    const backdrop = s('rect', { class: 'name-bg', rx: 3 });
    g.append(backdrop);
    g.append(s('text', { class: 'label', x: at.x, y: at.y, 'text-anchor': at.anchor, text: label }));
    if (second) {
      g.append(s('text', { class: `caption${node.problem ? ' problem' : ''}`, x: at.x, y: at.y + CAPTION_LINE + 1, 'text-anchor': at.anchor, text: second }));
    }
    const textW = Math.max(textWidth(label, LABEL_FONT), second ? textWidth(second, CAPTION_FONT) : 0);
    const textH = second ? 2 * CAPTION_LINE + 5 : CAPTION_LINE + 4;
    const top = at.y - 11;
    const left = pod ? at.x - 2 : -textW / 2 - 2;
    for (const [k, v] of Object.entries({ x: left, y: top, width: textW + 4, height: textH })) backdrop.setAttribute(k, v);
    // What edge labels must keep off, in graph units: the shape (with its badges) and the name.
    const obstacles = [
      { x: pos.x, y: pos.y, box: { x: -w / 2 - 4, y: -hh / 2 - 10, w: w + 28, h: hh + 14 } },
      { x: pos.x, y: pos.y, box: { x: left, y: top, w: textW + 4, h: textH } },
    ];

    const faults = (node.faults || []).length;
    if (faults) {
      const text = `⚡${faults}`;
      const bw = 14 + 7 * String(faults).length + 6;
      const badge = s('g', { class: 'fault-badge', 'data-testid': 'fault-badge' },
        s('rect', { x: w / 2 - 6, y: -hh / 2 - 10, width: bw, height: 16, rx: 8 }),
        s('text', { x: w / 2 - 6 + bw / 2, y: -hh / 2 + 1.5, 'text-anchor': 'middle', text }));
      g.append(badge);
    }
    if (node.problem) {
      const tx = -w / 2;
      const ty = -hh / 2 - 9;
      g.append(s('g', { class: 'problem-badge' },
        s('polygon', { points: `${tx},${ty} ${tx + 8},${ty + 15} ${tx - 8},${ty + 15}` }),
        s('text', { x: tx, y: ty + 13, 'text-anchor': 'middle', text: '!' })));
    }

    if (interactive) {
      const open = (event) => {
        event.preventDefault();
        event.stopPropagation();
        if (this.handlers.onNodeMenu) this.handlers.onNodeMenu(node, event.clientX, event.clientY);
      };
      g.addEventListener('click', open);
      g.addEventListener('contextmenu', open);
      g.addEventListener('keydown', (event) => {
        if (event.key !== 'Enter' && event.key !== ' ' && event.key !== 'ContextMenu') return;
        const r = g.getBoundingClientRect();
        event.preventDefault();
        if (this.handlers.onNodeMenu) this.handlers.onNodeMenu(node, r.left + r.width / 2, r.bottom);
      });
    }
    g.addEventListener('dblclick', (event) => {
      event.preventDefault();
      event.stopPropagation();
      if (this.handlers.onNodeFilter) this.handlers.onNodeFilter(node);
    });
    this.nodeLayer.append(g);
    return { node, x: pos.x, y: pos.y, el: g, frame, icon, ring, health: null, obstacles };
  }

  buildEdge(edge, from, to) {
    const p = edgeCurve(from, to, from.node.kind, to.node.kind);
    const d = `M${p[0].x},${p[0].y} C${p[1].x},${p[1].y} ${p[2].x},${p[2].y} ${p[3].x},${p[3].y}`;
    const under = s('path', { class: 'edge-hl', d });
    const path = s('path', { class: `edge${edge.canary ? ' canary' : ''}`, d });
    const g = s('g', { 'data-testid': 'edge', 'data-from': edge.from, 'data-to': edge.to, 'data-canary': edge.canary ? 'true' : undefined }, under, path);
    this.edgeLayer.append(g);
    const labelRect = s('rect', { rx: 4 });
    const labelText = s('text', { 'text-anchor': 'middle' });
    const labelGroup = s('g', { class: 'edge-label', 'data-testid': 'edge-label', 'data-from': edge.from, 'data-to': edge.to }, labelRect, labelText);
    this.labelViewport.append(labelGroup);
    return { edge, p, el: g, path, under, label: { g: labelGroup, rect: labelRect, text: labelText, lines: null }, place: 'middle', health: null };
  }

  paintNode(entry) {
    const t = this.theme;
    const node = entry.node;
    const health = this.nodeHealth[node.id] || 'idle';
    entry.health = health;
    entry.el.dataset.health = health;
    const accent = this.healthColor(health);
    const pod = node.kind === 'pod';
    const tint = pod ? (node.ready ? 0.22 : 0) : 0.14;
    entry.frame.setAttribute('fill', mixColor(t.base, accent, tint));
    entry.frame.setAttribute('stroke', node.problem ? t.failure : accent);
    entry.frame.setAttribute('stroke-width', node.problem ? '2' : '1.6');
    const dashed = !!node.problem || (pod && !node.ready);
    if (dashed) entry.frame.setAttribute('stroke-dasharray', '5 3');
    else entry.frame.removeAttribute('stroke-dasharray');
    if (pod && entry.icon) {
      entry.icon.setAttribute('stroke', accent);
      entry.icon.setAttribute('fill', node.ready ? accent : 'none');
    }
  }

  healthColor(health) {
    const t = this.theme;
    if (health === 'healthy') return t.healthy;
    if (health === 'degraded') return t.degraded;
    if (health === 'failure') return t.failure;
    return t.idle;
  }

  paintEdge(entry) {
    const stats = this.edgeStats.get(edgeKey(entry.edge.from, entry.edge.to));
    const health = (stats && stats.health) || 'idle';
    const rate = (stats && stats.rate) || 0;
    const width = Math.min(1.3 + 0.9 * Math.log10(1 + rate), 5);
    entry.path.setAttribute('stroke', this.healthColor(health));
    entry.path.setAttribute('stroke-width', width.toFixed(2));
    entry.under.setAttribute('stroke-width', (width + 5).toFixed(2));
    entry.el.dataset.health = health;
    this.setLabel(entry, labelLinesOf(entry.edge, stats));
  }

  setLabel(entry, lines) {
    const label = entry.label;
    const joined = lines.join('\n');
    if (label.lines === joined) return;
    label.lines = joined;
    clear(label.text);
    if (!lines.length) {
      label.g.setAttribute('display', 'none'); // out of the drawing's bounds too, unlike visibility
      label.natural = null;
      return;
    }
    label.g.removeAttribute('display');
    let width = 0;
    for (const line of lines) width = Math.max(width, textWidth(line, EDGE_FONT));
    const height = EDGE_LINE * lines.length;
    const rect = { x: -width / 2 - 5, y: -height / 2 - 2, w: width + 10, h: height + 4 };
    label.rect.setAttribute('x', rect.x);
    label.rect.setAttribute('y', rect.y);
    label.rect.setAttribute('width', rect.w);
    label.rect.setAttribute('height', rect.h);
    lines.forEach((line, i) => {
      label.text.append(s('tspan', { x: 0, y: -height / 2 + EDGE_LINE * (i + 1) - 3, text: line }));
    });
    label.g.dataset.text = lines.join(' | ');
    // Where: level with the node it belongs to where there is room, else mid-curve; just
    // above the line, so the line and its dots stay visible under the label.
    const p = entry.p;
    const gap = p[3].x - p[0].x;
    let anchor;
    if (entry.place === 'middle' || gap < rect.w + 16) {
      anchor = pointAt(p, 0.5);
    } else if (entry.place === 'target') {
      const end = p[3].x - 8;
      anchor = { x: end - rect.w / 2, y: yAtX(p, end) };
    } else {
      const end = p[0].x + 8;
      anchor = { x: end + rect.w / 2, y: yAtX(p, end) };
    }
    label.natural = { x: anchor.x, y: anchor.y - (rect.y + rect.h) - 2 };
    label.box = rect;
  }

  // Each label takes the free place nearest to where it belongs (its edge, just above the
  // line), trying a little up and down in turn: labels of edges converging on one node
  // stack, and none covers another label or a node's shape or name.
  declutterLabels() {
    const labels = [...this.edges.values()].map((e) => e.label).filter((l) => l.lines && l.natural)
      .sort((a, b) => a.natural.y - b.natural.y || a.natural.x - b.natural.x);
    const placed = [...this.nodes.values()].flatMap((n) => n.obstacles || []);
    const collides = (x, y, box) => placed.some((o) => {
      const left = x + box.x;
      const oLeft = o.x + o.box.x;
      const top = y + box.y;
      const oTop = o.y + o.box.y;
      return left < oLeft + o.box.w && oLeft < left + box.w && top < oTop + o.box.h && oTop < top + box.h;
    });
    for (const label of labels) {
      const { box, natural } = label;
      let y = natural.y;
      for (let step = 1; step <= 2 * MAX_LABEL_SHIFT / LABEL_STEP && collides(natural.x, y, box); step += 1) {
        const shift = Math.ceil(step / 2) * LABEL_STEP;
        y = natural.y + (step % 2 ? -shift : shift);
      }
      if (collides(natural.x, y, box)) y = natural.y; // nowhere free nearby: where it belongs
      placed.push({ x: natural.x, y, box });
      const transform = `translate(${natural.x.toFixed(1)} ${y.toFixed(1)})`;
      if (label.transform !== transform) {
        label.transform = transform;
        label.g.setAttribute('transform', transform);
      }
    }
  }

  // ---- live figures ----

  setStats(stats) {
    this.edgeStats.clear();
    for (const e of (stats && stats.edges) || []) this.edgeStats.set(edgeKey(e.from, e.to), e);
    this.nodeHealth = (stats && stats.nodes) || {};
    for (const entry of this.nodes.values()) {
      if ((this.nodeHealth[entry.node.id] || 'idle') !== entry.health) this.paintNode(entry);
    }
    for (const entry of this.edges.values()) this.paintEdge(entry);
    this.declutterLabels();
    // Counts the figures drawn, for tests that wait for the next ones instead of sleeping.
    this.svg.dataset.statsUpdates = String(Number(this.svg.dataset.statsUpdates || 0) + 1);
    // Refit when grown labels leave the view, but not again for the same drawing: a fit held
    // at its smallest scale never shows it all, and each look costs a layout.
    if (this.autoFit) {
      const b = this.bounds();
      if (boundsKey(b) !== this.fittedKey && !this.contentInView(b)) this.fit(false);
    }
  }

  /** Whether everything drawn (labels too, which grow with errors) is inside the view. */
  contentInView(b = this.bounds()) {
    const { scale, tx, ty } = this.view;
    const W = this.container.clientWidth;
    const H = this.container.clientHeight - 28;
    const slack = 1; // a fit puts the limiting side exactly at the edge, give or take rounding
    return b.x * scale + tx >= -slack && (b.x + b.w) * scale + tx <= W + slack
      && b.y * scale + ty >= -slack && (b.y + b.h) * scale + ty <= H + slack;
  }

  /** What the empty topology says (waiting, or why the lab is not running). */
  setEmptyMessage(text) {
    this.empty.textContent = text;
  }

  addEvents(events) {
    this.flows.add(events);
  }

  applyTheme() {
    this.theme = themeColors();
    for (const entry of this.nodes.values()) this.paintNode(entry);
    for (const entry of this.edges.values()) this.paintEdge(entry);
    this.flows.draw(performance.now());
  }

  // ---- highlight a request's path ----

  highlight(path, hopByHop = false) {
    clearTimeout(this.highlightTimer);
    const ids = Array.isArray(path) ? path : [];
    if (!hopByHop) {
      this.highlighted = ids;
      this.applyHighlight(ids);
      return;
    }
    let shown = 0;
    const step = () => {
      shown += 1;
      this.highlighted = ids.slice(0, shown);
      this.applyHighlight(this.highlighted);
      if (shown < ids.length) this.highlightTimer = setTimeout(step, HOP_MS);
    };
    this.highlighted = [];
    step();
  }

  applyHighlight(ids) {
    for (const entry of this.nodes.values()) entry.el.classList.remove('hl');
    for (const entry of this.edges.values()) entry.el.classList.remove('hl');
    ids.forEach((id, i) => {
      const node = this.nodes.get(id);
      if (node) node.el.classList.add('hl');
      if (i + 1 < ids.length) {
        const edge = this.edges.get(edgeKey(id, ids[i + 1]));
        if (edge) {
          edge.el.classList.add('hl');
          this.edgeLayer.append(edge.el); // above the other edges
        }
      }
    });
    this.svg.dataset.highlighted = String(ids.length);
  }

  // ---- view: fit, zoom, pan ----

  /** The drawing's box in graph units: shapes, names beside them and edge labels. */
  bounds() {
    if (!this.nodes.size) return { x: -200, y: -150, w: 400, h: 300 };
    const boxes = [this.viewport.getBBox(), this.labelViewport.getBBox()].filter((b) => b.width > 0 && b.height > 0);
    if (!boxes.length) return { x: -200, y: -150, w: 400, h: 300 };
    const minX = Math.min(...boxes.map((b) => b.x));
    const minY = Math.min(...boxes.map((b) => b.y));
    const maxX = Math.max(...boxes.map((b) => b.x + b.width));
    const maxY = Math.max(...boxes.map((b) => b.y + b.height));
    return { x: minX - 16, y: minY - 12, w: maxX - minX + 32, h: maxY - minY + 24 };
  }

  fit(userAsked) {
    if (userAsked) this.autoFit = true;
    const W = this.container.clientWidth;
    const H = this.container.clientHeight - 28; // the legend's strip at the bottom
    if (!W || H <= 0) return;
    const b = this.bounds();
    this.fittedKey = boundsKey(b);
    // The whole graph in view, magnified up to MAX_FIT_SCALE on a large screen; never shrunk
    // past reading (then it pans).
    const scale = Math.min(Math.max(Math.min(W / b.w, H / b.h), 0.5), MAX_FIT_SCALE);
    this.view = { scale, tx: W / 2 - (b.x + b.w / 2) * scale, ty: H / 2 - (b.y + b.h / 2) * scale };
    this.svg.dataset.scale = scale.toFixed(3);
    this.applyView();
  }

  zoomBy(factor, cx, cy) {
    const W = this.container.clientWidth;
    const H = this.container.clientHeight;
    const x = cx ?? W / 2;
    const y = cy ?? H / 2;
    const v = this.view;
    const scale = Math.min(Math.max(v.scale * factor, 0.2), 3);
    const k = scale / v.scale;
    this.view = { scale, tx: x - (x - v.tx) * k, ty: y - (y - v.ty) * k };
    this.svg.dataset.scale = scale.toFixed(3);
    this.autoFit = false;
    this.applyView();
  }

  applyView() {
    const { scale, tx, ty } = this.view;
    const transform = `translate(${tx.toFixed(2)} ${ty.toFixed(2)}) scale(${scale.toFixed(4)})`;
    this.viewport.setAttribute('transform', transform);
    this.labelViewport.setAttribute('transform', transform);
    this.flows.draw(performance.now());
  }

  onResize() {
    const dpr = window.devicePixelRatio || 1;
    const W = this.container.clientWidth;
    const H = this.container.clientHeight;
    this.canvas.width = Math.max(1, Math.round(W * dpr));
    this.canvas.height = Math.max(1, Math.round(H * dpr));
    this.canvas.style.width = `${W}px`;
    this.canvas.style.height = `${H}px`;
    if (this.autoFit) this.fit(false);
    else this.flows.draw(performance.now());
  }

  installPanZoom() {
    const svg = this.svg;
    let drag = null;
    svg.addEventListener('pointerdown', (event) => {
      if (event.button !== 0 || event.target.closest('.node')) return;
      drag = { x: event.clientX, y: event.clientY, tx: this.view.tx, ty: this.view.ty, moved: false };
      svg.setPointerCapture(event.pointerId);
    });
    svg.addEventListener('pointermove', (event) => {
      if (!drag) return;
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      drag.moved = true;
      svg.classList.add('panning');
      this.view = { ...this.view, tx: drag.tx + dx, ty: drag.ty + dy };
      this.autoFit = false;
      this.applyView();
    });
    const end = (event) => {
      if (!drag) return;
      const moved = drag.moved;
      drag = null;
      svg.classList.remove('panning');
      if (svg.hasPointerCapture(event.pointerId)) svg.releasePointerCapture(event.pointerId);
      if (!moved && this.handlers.onBackgroundClick) this.handlers.onBackgroundClick();
    };
    svg.addEventListener('pointerup', end);
    svg.addEventListener('pointercancel', end);
    svg.addEventListener('dblclick', (event) => {
      if (!event.target.closest('.node')) this.fit(true);
    });
    svg.addEventListener('wheel', (event) => {
      event.preventDefault();
      const r = svg.getBoundingClientRect();
      this.zoomBy(Math.exp(-event.deltaY * 0.0015), event.clientX - r.left, event.clientY - r.top);
    }, { passive: false });
  }
}

// ---- the flow of requests ----

class Flows {
  constructor(topology) {
    this.topology = topology;
    this.routes = new Map();
    this.dots = [];
    this.frameRequested = false;
    this.started = 0;
    this.lastReport = 0;
    this.tick = (now) => {
      this.frameRequested = false;
      this.draw(now);
    };
  }

  resolve(route) {
    const topo = this.topology;
    route.edges = [];
    for (let i = 0; i + 1 < route.path.length; i += 1) {
      const edge = topo.edges.get(edgeKey(route.path[i], route.path[i + 1]));
      if (!edge) {
        route.edges = [];
        return false;
      }
      route.edges.push(edge.p);
    }
    const last = topo.nodes.get(route.path[route.path.length - 1]);
    route.stopsEarly = !last || last.node.kind !== 'pod';
    return route.edges.length > 0;
  }

  // The graph was rebuilt: routes find their edges again; routes through removed nodes go.
  resolveRoutes() {
    for (const [key, route] of this.routes) {
      if (!this.resolve(route)) this.routes.delete(key);
    }
    this.dots = this.dots.filter((dot) => this.routes.get(dot.route.key) === dot.route);
  }

  add(events) {
    const now = performance.now();
    for (const event of events) {
      if (this.dots.length >= MAX_DOTS) break;
      const path = event.path;
      if (!Array.isArray(path) || path.length < 2) continue;
      const key = path.join('\u0001');
      let route = this.routes.get(key);
      if (!route) {
        if (this.routes.size >= MAX_ROUTES) this.routes.clear();
        route = { key, path, edges: [], stopsEarly: false, next: 0 };
        this.resolve(route);
        this.routes.set(key, route);
      }
      if (!route.edges.length) continue;
      const start = Math.max(now, route.next);
      if (start - now > MAX_QUEUE_MS) continue;
      route.next = start + DOT_SPACING_MS;
      const cls = statusClass(event.status);
      this.dots.push({ route, start, duration: travelSeconds(event.latencyMs) * 1000, cls: cls >= 2 ? cls : 0 });
      this.started += 1;
    }
    this.request();
  }

  request() {
    if (!this.frameRequested && this.dots.length) {
      this.frameRequested = true;
      requestAnimationFrame(this.tick);
    }
  }

  position(dot, progress) {
    const edges = dot.route.edges;
    const hops = progress * edges.length;
    const hop = Math.min(Math.floor(hops), edges.length - 1);
    return pointAt(edges[hop], hops - hop);
  }

  draw(now) {
    const canvas = this.topology.canvas;
    const ctx = canvas.getContext('2d');
    const dpr = window.devicePixelRatio || 1;
    const { scale, tx, ty } = this.topology.view;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    this.dots = this.dots.filter((dot) => now - dot.start < dot.duration + (dot.route.stopsEarly ? BURST_MS : 0));
    ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * tx, dpr * ty);
    const t = this.topology.theme;
    const colours = [t.c0, t.c0, t.c2, t.c3, t.c4, t.c5];
    // Dots in flight: one path per status class.
    for (let cls = 0; cls <= 5; cls += 1) {
      let any = false;
      ctx.beginPath();
      for (const dot of this.dots) {
        if (dot.cls !== cls) continue;
        const elapsed = now - dot.start;
        if (elapsed < 0 || elapsed >= dot.duration) continue;
        const at = this.position(dot, elapsed / dot.duration);
        ctx.moveTo(at.x + DOT_RADIUS, at.y);
        ctx.arc(at.x, at.y, DOT_RADIUS, 0, Math.PI * 2);
        any = true;
      }
      if (any) {
        ctx.fillStyle = colours[cls];
        ctx.fill();
      }
    }
    // Stopped before a pod: a ring grows and fades where the request ended.
    for (const dot of this.dots) {
      const elapsed = now - dot.start;
      if (elapsed < dot.duration) continue;
      const f = Math.min((elapsed - dot.duration) / BURST_MS, 1);
      const edges = dot.route.edges;
      const end = edges[edges.length - 1][3];
      ctx.globalAlpha = (1 - f) * (1 - f);
      ctx.strokeStyle = colours[dot.cls];
      ctx.fillStyle = colours[dot.cls];
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.arc(end.x, end.y, 5 + 11 * f, 0, Math.PI * 2);
      ctx.stroke();
      ctx.beginPath();
      ctx.arc(end.x, end.y, Math.max(DOT_RADIUS * (1 - f), 0.01), 0, Math.PI * 2);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    if (now - this.lastReport > 250) {
      this.lastReport = now;
      canvas.dataset.inFlight = String(this.dots.length);
      canvas.dataset.started = String(this.started);
    }
    if (this.dots.length) this.request();
    else {
      canvas.dataset.inFlight = '0';
      canvas.dataset.started = String(this.started);
    }
  }
}

