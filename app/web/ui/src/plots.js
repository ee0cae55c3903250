// The plots (uPlot): latency p50/p95/p99 of all requests, one Service or one Ingress;
// requests per second per backend Service; each weighted canary's configured share against
// the share it served; status classes. Fault windows are shaded. Redrawn from `stats`
// (twice a second) while the panel shows; the last 120 seconds.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { state, on, schedule } from './store.js';
import { h, clear, themeColors, rollingShare, CANARY_WINDOW_S } from './util.js';

const WINDOW_S = 120;
const SERIES_COLOURS = ['#0066cc', '#3e8635', '#ec7a08', '#8476d1', '#009596', '#c9190b', '#f4c145', '#6a6e73'];
const STATUS = [
  { key: 'c2', name: '2xx', colour: '--status-2' },
  { key: 'c3', name: '3xx', colour: '--status-3' },
  { key: 'c4', name: '4xx', colour: '--status-4' },
  { key: 'c5', name: '5xx', colour: '--status-5' },
  { key: 'c0', name: 'no answer', colour: '--status-0' },
];

/** Axis ticks: 950, 1.5k, 12k. */
function compact(value) {
  if (value == null) return '';
  const abs = Math.abs(value);
  if (abs >= 1000) return `${Number((value / 1000).toPrecision(3))}k`;
  return String(Number(value.toPrecision(4)));
}

function shortKey(key) {
  const slash = key.indexOf('/');
  return slash >= 0 ? key.slice(slash + 1) : key;
}

class Plot {
  constructor(parent, title, testid, yRange) {
    this.title = title;
    this.yRange = yRange;
    this.el = h('div', { class: 'plot', 'data-testid': testid, 'data-points': '0' });
    parent.append(this.el);
    this.u = null;
    this.signature = '';
    this.xMin = 0;
    this.xMax = 30;
    this.shade = [];
    new ResizeObserver(() => this.resize()).observe(this.el);
  }

  size() {
    const width = this.el.clientWidth;
    const height = this.el.clientHeight;
    if (!this.u) return { width, height };
    const title = this.u.root.querySelector('.u-title');
    const legend = this.u.root.querySelector('.u-legend');
    const extra = (title ? title.offsetHeight : 0) + (legend ? legend.offsetHeight : 0);
    return { width, height: Math.max(60, height - extra - 4) };
  }

  resize() {
    if (!this.u || !this.el.clientWidth) return;
    const size = this.size();
    if (size.width !== this.u.width || size.height !== this.u.height) this.u.setSize(size);
  }

  /** series: [{label, colour, dash?}]; data: [xs, ...ys]. */
  set(series, data, xMin, xMax, theme) {
    this.xMin = xMin;
    this.xMax = xMax;
    const signature = JSON.stringify([series, theme.dark]);
    if (signature !== this.signature || !this.u) {
      this.signature = signature;
      this.build(series, data, theme);
    } else {
      this.u.setData(data, false);
      this.u.setScale('x', { min: xMin, max: xMax });
    }
    this.el.dataset.points = String(data[0].length);
    this.el.dataset.series = String(series.length);
  }

  build(series, data, theme) {
    if (this.u) this.u.destroy();
    clear(this.el);
    const axis = {
      stroke: theme.muted,
      grid: { stroke: theme.grid, width: 1 },
      ticks: { stroke: theme.grid, width: 1 },
      font: '11px system-ui, sans-serif',
    };
    const yRange = this.yRange;
    const opts = {
      title: this.title,
      width: Math.max(this.el.clientWidth, 100),
      height: Math.max(this.el.clientHeight - 50, 60),
      pxAlign: 0,
      cursor: { drag: { x: false, y: false }, points: { size: 5 } },
      legend: { live: false },
      scales: {
        x: { time: false, auto: false, range: () => [this.xMin, this.xMax] },
        y: { range: yRange || ((u, min, max) => [0, Math.max(1, (max || 0) * 1.15)]) },
      },
      axes: [{ ...axis, size: 28 }, { ...axis, size: 40, values: (u, splits) => splits.map(compact) }],
      series: [{ label: 's' }, ...series.map((one) => ({
        label: one.label,
        stroke: one.colour,
        width: 1.6,
        dash: one.dash ? [6, 4] : undefined,
        points: { show: false },
        spanGaps: false,
      }))],
      hooks: {
        drawClear: [(u) => this.drawFaults(u)],
      },
    };
    this.u = new uPlot(opts, data, this.el);
    this.u.setScale('x', { min: this.xMin, max: this.xMax });
    requestAnimationFrame(() => this.resize());
  }

  // Each fault's window, as a translucent red band behind the lines.
  drawFaults(u) {
    const { ctx } = u;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.fillStyle = 'rgba(201, 25, 11, 0.14)';
    for (const [since, until] of this.shade) {
      const x0 = Math.max(u.valToPos(since, 'x', true), left);
      const x1 = Math.min(u.valToPos(until, 'x', true), left + width);
      if (x1 > x0) ctx.fillRect(x0, top, x1 - x0, height);
    }
    ctx.restore();
  }
}

export class Plots {
  constructor(root) {
    this.root = root;
    this.visible = false;
    this.keySelect = h('select', { 'data-testid': 'latency-key', 'aria-label': 'Latency of', onchange: () => this.render() },
      h('option', { value: 'total' }, 'all requests'));
    this.keys = '';
    const grid = h('div', { class: 'plots-grid' });
    // With several controllers the figures are the first one's: say so.
    this.whose = h('span', { class: 'muted', 'data-testid': 'plots-controller' });
    root.append(
      h('div', { class: 'plots-head' },
        h('label', null, 'Latency of ', this.keySelect),
        h('span', { class: 'grow' }),
        this.whose,
        h('span', { class: 'muted' }, 'x: seconds since the lab started · shaded: faults')),
      grid);
    this.latency = new Plot(grid, 'Latency p50 / p95 / p99 (ms)', 'plot-latency');
    this.backends = new Plot(grid, 'Requests per second per backend', 'plot-backends');
    this.canary = new Plot(grid, `Canary share (%): configured vs last ${CANARY_WINDOW_S} s`, 'plot-canary', () => [0, 100]);
    this.status = new Plot(grid, 'Status classes (req/s)', 'plot-status');
    this.theme = themeColors();
    on('stats', () => this.invalidate());
    on('faults', () => this.invalidate());
    on('lab', () => {
      const controllers = (state.lab && state.lab.controllers) || [];
      this.whose.textContent = controllers.length > 1 ? `figures of controller ${controllers[0].name} · ` : '';
    });
    on('theme', () => {
      this.theme = themeColors();
      this.invalidate();
    });
  }

  setVisible(visible) {
    this.visible = visible;
    if (visible) this.invalidate();
  }

  invalidate() {
    if (this.visible) schedule(() => this.render());
  }

  refreshKeys(series) {
    const options = [['total', 'all requests']];
    for (const key of Object.keys(series.ingresses || {}).sort()) options.push([`ingress:${key}`, `Ingress ${key}`]);
    for (const key of Object.keys(series.services || {}).sort()) options.push([`service:${key}`, `Service ${key}`]);
    const signature = JSON.stringify(options);
    if (signature === this.keys) return;
    this.keys = signature;
    const chosen = this.keySelect.value;
    clear(this.keySelect);
    for (const [value, text] of options) this.keySelect.append(h('option', { value }, text));
    this.keySelect.value = options.some(([v]) => v === chosen) ? chosen : 'total';
  }

  render() {
    const stats = state.stats;
    if (!stats || !stats.series) return;
    const series = stats.series;
    this.refreshKeys(series);
    // `second` is the last finished second; the series end there (the current second, still
    // filling, would show as a drop at the right edge).
    const last = Number.isFinite(stats.second) ? stats.second : Infinity;
    const finished = (points) => (points || []).filter((p) => p.s <= last);
    const total = finished(series.total);
    const now = total.length ? total[total.length - 1].s : Math.max(0, Number.isFinite(last) ? last : 0);
    const xMin = Math.max(0, now - WINDOW_S);
    const xMax = Math.max(now, xMin + 30);
    const inWindow = (points) => points.filter((p) => p.s >= xMin);
    const totals = inWindow(total);
    const xs = totals.map((p) => p.s);
    const at = (points) => {
      const bySecond = new Map();
      for (const p of points) bySecond.set(p.s, p);
      return bySecond;
    };

    this.setShading(now);

    // Latency of the chosen key; no requests in a second means no latency, not zero.
    const chosen = this.keySelect.value;
    let keyPoints = total;
    if (chosen.startsWith('ingress:')) keyPoints = finished((series.ingresses || {})[chosen.slice(8)]);
    if (chosen.startsWith('service:')) keyPoints = finished((series.services || {})[chosen.slice(8)]);
    const byKey = at(keyPoints);
    const lat = (field) => xs.map((s) => {
      const p = byKey.get(s);
      return p && p.requests > 0 ? p[field] : null;
    });
    this.latency.set(
      [{ label: 'p50', colour: SERIES_COLOURS[1] }, { label: 'p95', colour: SERIES_COLOURS[2] }, { label: 'p99', colour: SERIES_COLOURS[5] }],
      [xs, lat('p50'), lat('p95'), lat('p99')], xMin, xMax, this.theme);

    // Requests per second per backend Service.
    const services = Object.keys(series.services || {}).sort();
    const backendSeries = services.map((key, i) => ({ label: shortKey(key), colour: SERIES_COLOURS[i % SERIES_COLOURS.length] }));
    const backendData = services.map((key) => {
      const m = at(finished(series.services[key]));
      return xs.map((s) => (m.get(s) ? m.get(s).requests : 0));
    });
    this.backends.set(backendSeries, [xs, ...backendData], xMin, xMax, this.theme);

    // Canary share: the configured weight dashed, the served share over the last
    // CANARY_WINDOW_S seconds (per second, 8 requests of 80 swing it 0-13%).
    const canarySeries = [];
    const canaryData = [];
    (stats.canary || []).forEach((split, i) => {
      const main = at(finished((series.services || {})[split.main]));
      const canary = at(finished((series.services || {})[split.canary]));
      const colour = SERIES_COLOURS[i % SERIES_COLOURS.length];
      const name = shortKey(split.canary);
      canarySeries.push({ label: `${name} observed (${CANARY_WINDOW_S} s)`, colour }, { label: `${name} configured`, colour, dash: true });
      const requestsAt = (m, s) => (m.get(s) ? m.get(s).requests : 0);
      canaryData.push(xs.map((s) => rollingShare(s, (t) => requestsAt(canary, t), (t) => requestsAt(main, t))));
      canaryData.push(xs.map(() => split.configuredPercent));
    });
    this.canary.set(canarySeries, [xs, ...canaryData], xMin, xMax, this.theme);

    // Status classes of all requests, keeping the legend to the classes that happened.
    const css = getComputedStyle(document.documentElement);
    const statusSeries = [];
    const statusData = [];
    for (const cls of STATUS) {
      const values = totals.map((p) => p[cls.key] || 0);
      if (cls.key !== 'c2' && !values.some((v) => v > 0)) continue;
      statusSeries.push({ label: cls.name, colour: css.getPropertyValue(cls.colour).trim() });
      statusData.push(values);
    }
    this.status.set(statusSeries, [xs, ...statusData], xMin, xMax, this.theme);
    this.root.dataset.second = String(now);
  }

  setShading(now) {
    const windows = [];
    const seen = new Set();
    // The history is the shown lab's (active windows included); the active list may also hold
    // another lab's faults, on another clock.
    for (const fault of state.history) {
      if (seen.has(fault.id)) continue;
      seen.add(fault.id);
      windows.push([Number(fault.since) || 0, fault.until != null ? Number(fault.until) : now + 1]);
    }
    for (const plot of [this.latency, this.backends, this.canary, this.status]) plot.shade = windows;
  }
}

