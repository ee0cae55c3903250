// Small helpers shared by the views. Everything that reaches the DOM goes through textContent
// or attributes, never innerHTML: node labels, hosts and messages come from user YAML.

const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttrs(el, attrs) {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') el.textContent = String(value);
    else if (key === 'class') el.setAttribute('class', value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else if (key === 'value' && 'value' in el) el.value = value;
    else if (key === 'checked' || key === 'disabled' || key === 'selected' || key === 'hidden') el[key] = !!value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** An HTML element: h('button', {class: 'x', onclick}, 'text', childNode). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  return append(el, children);
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  return append(el, children);
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

// ---- numbers, as the studio prints them ----

/** "1 request", "2 requests", "1 ready endpoint": English plurals for counts the UI prints. */
export function plural(count, noun, nouns = `${noun}s`) {
  return `${Number(count).toLocaleString('en-US')} ${count === 1 ? noun : nouns}`;
}

function fixed(value, decimalsBelow100) {
  return value.toFixed(value < 100 ? decimalsBelow100 : 0);
}

export function formatRate(rate) {
  if (rate >= 10000) return `${fixed(rate / 1000, 1)}k/s`;
  return `${fixed(rate, 1)}/s`;
}

export function formatMs(ms) {
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)}s`;
  return `${fixed(ms, ms < 10 ? 1 : 0)}ms`;
}

/** Three significant digits, no trailing zeros: 0, 0.4, 9.7, 48.4, 100. */
export function formatPercent(percent) {
  if (!Number.isFinite(percent)) return '–';
  return `${Number(percent.toPrecision(3))}%`;
}

/**
 * An edge's figures, one or two lines: "63.4/s · p99 8ms", then each error class that occurs
 * ("4xx 88%", "5xx 2% · 4xx 3%"): a bare "0%" read as "no errors" on an edge whose answers
 * were mostly 404. Two short lines fit between the columns where one long one would not.
 */
export function edgeFigures(stats) {
  const lines = [`${formatRate(stats.rate)} · p99 ${formatMs(stats.p99Ms || 0)}`];
  const errors = [];
  if (stats.errorPercent > 0) errors.push(`5xx ${formatPercent(stats.errorPercent)}`);
  if (stats.clientErrorPercent > 0) errors.push(`4xx ${formatPercent(stats.clientErrorPercent)}`);
  if (errors.length) lines.push(errors.join(' · '));
  return lines;
}

// Per second, 8 canary requests of 80 swing the observed share 0-13%: the plot shows a
// rolling window this long, and says so.
export const CANARY_WINDOW_S = 10;

/** The canary's share (%) of the requests in the `window` seconds ending at `second`; null without any. */
export function rollingShare(second, canaryAt, mainAt, window = CANARY_WINDOW_S) {
  let c = 0;
  let m = 0;
  for (let t = second - window + 1; t <= second; t += 1) {
    c += canaryAt(t);
    m += mainAt(t);
  }
  return c + m > 0 ? (100 * c) / (c + m) : null;
}

export function formatSeconds(t) {
  return Number.isFinite(t) ? t.toFixed(3) : '';
}

/** 0 (no answer) and 1..5 from an HTTP status. */
export function statusClass(status) {
  const c = Math.floor((status || 0) / 100);
  return c >= 1 && c <= 5 ? c : 0;
}

export const STATUS_CLASS_NAMES = ['no answer', '1xx', '2xx', '3xx', '4xx', '5xx'];

// ---- colours ----

export function parseColor(text) {
  const t = String(text).trim();
  if (t.startsWith('#')) {
    const hex = t.length === 4 ? t.slice(1).split('').map((c) => c + c).join('') : t.slice(1, 7);
    const n = parseInt(hex, 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const m = t.match(/rgba?\(([^)]+)\)/);
  if (m) return m[1].split(',').slice(0, 3).map((v) => parseFloat(v));
  return [128, 128, 128];
}

export function mixColor(a, b, bShare) {
  const ca = parseColor(a);
  const cb = parseColor(b);
  const c = ca.map((v, i) => Math.round(v * (1 - bShare) + cb[i] * bShare));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** The theme's CSS variables, read once per theme change. */
export function themeColors() {
  const css = getComputedStyle(document.documentElement);
  const get = (name) => css.getPropertyValue(name).trim();
  return {
    base: get('--base'),
    window: get('--window'),
    text: get('--text'),
    muted: get('--muted'),
    idle: get('--idle'),
    border: get('--border'),
    grid: get('--grid'),
    highlight: get('--highlight'),
    healthy: get('--healthy'),
    degraded: get('--degraded'),
    failure: get('--failure'),
    c0: get('--status-0'),
    c2: get('--status-2'),
    c3: get('--status-3'),
    c4: get('--status-4'),
    c5: get('--status-5'),
    badge: get('--badge'),
    dark: document.documentElement.dataset.theme === 'dark',
  };
}

// ---- text measurement, for labels inside SVG shapes ----

const measureCanvas = typeof document !== 'undefined' ? document.createElement('canvas') : null;
const measureCache = new Map();

export function textWidth(text, font) {
  const key = `${font}\u0000${text}`;
  let width = measureCache.get(key);
  if (width === undefined) {
    const ctx = measureCanvas.getContext('2d');
    ctx.font = font;
    width = ctx.measureText(text).width;
    if (measureCache.size > 5000) measureCache.clear();
    measureCache.set(key, width);
  }
  return width;
}

/** Shortens text to fit maxWidth: 'right' keeps the start, 'middle' both ends. */
export function elide(text, maxWidth, font, mode = 'right') {
  if (textWidth(text, font) <= maxWidth) return text;
  const ell = '…';
  if (mode === 'middle') {
    let keep = text.length - 1;
    while (keep > 1) {
      const head = Math.ceil(keep / 2);
      const candidate = text.slice(0, head) + ell + text.slice(text.length - (keep - head));
      if (textWidth(candidate, font) <= maxWidth) return candidate;
      keep -= 1;
    }
    return ell;
  }
  let keep = text.length - 1;
  while (keep > 0) {
    const candidate = text.slice(0, keep) + ell;
    if (textWidth(candidate, font) <= maxWidth) return candidate;
    keep -= 1;
  }
  return ell;
}

/** Headers as the API gives them: [[name, value]], [{name, value}] or {name: value}. */
export function headerPairs(headers) {
  if (!headers) return [];
  if (Array.isArray(headers)) {
    return headers.map((entry) => (Array.isArray(entry) ? [String(entry[0]), String(entry[1] ?? '')]
      : [String(entry.name ?? ''), String(entry.value ?? '')]));
  }
  if (typeof headers === 'object') {
    return Object.entries(headers).flatMap(([name, value]) => (Array.isArray(value)
      ? value.map((v) => [name, String(v)]) : [[name, String(value)]]));
  }
  return [];
}

/** "ns/name" from node ids like "svc:ns/name" and "pod:ns/name". */
export function splitNodeId(id) {
  const colon = id.indexOf(':');
  const rest = colon >= 0 ? id.slice(colon + 1) : id;
  const slash = rest.indexOf('/');
  return slash >= 0 ? { namespace: rest.slice(0, slash), name: rest.slice(slash + 1) } : { namespace: '', name: rest };
}

const ICONS = {
  play: 'M3 2l8 5-8 5z',
  pause: 'M3 2h3v10H3zM8 2h3v10H8z',
  stop: 'M3 3h8v8H3z',
  playAll: 'M1 2l6 5-6 5zM7 2l6 5-6 5z',
};

/** A small icon that takes the text colour (fonts may lack the media glyphs). */
export function icon(name) {
  return s('svg', { class: 'i', viewBox: '0 0 14 14', 'aria-hidden': 'true' }, s('path', { d: ICONS[name] }));
}
