// The request list: the newest 2,000 finished requests in memory, filtered by status class,
// route, pod, faulted-only and free text; only the rows in view are in the DOM (a fixed pool
// of row elements, refilled per frame). It follows the newest unless scrolled up or a row is
// selected. Selecting one shows its details and outlines its path in the topology.

import { state, on, emit, schedule } from './store.js';
import { h, clear, debounce, statusClass, formatSeconds, STATUS_CLASS_NAMES } from './util.js';

const KEEP = 2000;
const ROW_HEIGHT = 22;
const COLUMNS = [
  ['t', 'Time (s)'], ['status', 'Status'], ['method', 'Method'], ['host', 'Host'], ['target', 'Path'],
  ['route', 'Route'], ['service', 'Service'], ['pod', 'Pod'], ['latency', 'Latency'], ['faults', '⚡'],
];

const routeOf = (e) => [e.ingress, e.rule].filter(Boolean).join(' ') || '(no route)';
const urlOf = (e) => `${e.scheme || 'http'}://${e.host || ''}${e.target || ''}`;

function latencyText(ms) {
  if (!Number.isFinite(ms)) return '';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
}

export class Requests {
  constructor(root) {
    this.root = root;
    this.events = [];
    this.seq = 0;
    this.filtered = [];
    this.filterDirty = true;
    this.follow = true;
    this.selected = null;
    this.visible = false;
    this.routes = new Set();
    this.pods = new Set();
    this.optionsDirty = true;

    this.statusFilter = h('select', { 'data-testid': 'filter-status', 'aria-label': 'Status class', onchange: () => this.refilter() },
      h('option', { value: '' }, 'Any status'),
      ...[2, 3, 4, 5, 0].map((c) => h('option', { value: String(c) }, STATUS_CLASS_NAMES[c])));
    this.routeFilter = h('select', { 'data-testid': 'filter-route', 'aria-label': 'Route', onchange: () => this.refilter() }, h('option', { value: '' }, 'Any route'));
    this.podFilter = h('select', { 'data-testid': 'filter-pod', 'aria-label': 'Pod', onchange: () => this.refilter() }, h('option', { value: '' }, 'Any pod'));
    this.faultedFilter = h('input', { type: 'checkbox', 'data-testid': 'filter-faulted', onchange: () => this.refilter() });
    this.textFilter = h('input', { type: 'search', placeholder: 'Search host, path, Service, pod, request id', 'data-testid': 'filter-text', 'aria-label': 'Search' });
    this.textFilter.addEventListener('input', debounce(() => this.refilter(), 150));
    this.count = h('span', { class: 'muted', 'data-testid': 'requests-count' }, '0 shown');

    this.header = h('div', { class: 'req-row req-head' }, COLUMNS.map(([key, text]) => h('span', { class: `col-${key}` }, text)));
    this.spacer = h('div', { class: 'req-spacer' });
    this.rowsEl = h('div', { class: 'req-rows' });
    this.scroller = h('div', { class: 'req-scroll', 'data-testid': 'requests-table', tabindex: '0' }, this.spacer, this.rowsEl);
    this.scroller.addEventListener('scroll', () => {
      const atBottom = this.scroller.scrollTop + this.scroller.clientHeight >= this.scroller.scrollHeight - ROW_HEIGHT * 1.5;
      if (!this.programmaticScroll) this.follow = atBottom && this.selected === null;
      this.programmaticScroll = false;
      schedule(this.renderRows);
    });
    this.scroller.addEventListener('keydown', (event) => this.onKey(event));
    this.details = h('div', { class: 'req-details', 'data-testid': 'request-details' },
      h('div', { class: 'muted' }, 'Select a request to see how it was routed.'));
    this.pool = [];

    root.append(
      h('div', { class: 'filters' }, this.statusFilter, this.routeFilter, this.podFilter,
        h('label', { class: 'check' }, this.faultedFilter, ' Faulted only'), this.textFilter, this.count),
      h('div', { class: 'req-body' },
        h('div', { class: 'req-table' }, this.header, this.scroller),
        this.details));

    this.renderRows = () => this.render();
    on('events', (events) => this.add(events));
    on('graph', () => { this.optionsDirty = true; this.invalidate(); });
    new ResizeObserver(() => this.invalidate()).observe(this.scroller);
  }

  setVisible(visible) {
    this.visible = visible;
    if (visible) this.invalidate();
  }

  invalidate() {
    if (this.visible) schedule(this.renderRows);
  }

  /**
   * The lab's recent history, fetched after connecting: the requests the stream has not
   * already delivered go before the ones it has (same X-Request-ID: the same request).
   */
  prepend(history) {
    const streamed = this.events;
    const known = new Set(streamed.map((e) => e.id));
    const first = streamed.length ? streamed[0].t : Infinity;
    const older = history.filter((e) => !known.has(e.id) && !(e.t > first));
    this.events = [];
    this.add(older);
    this.events.push(...streamed);
    if (this.events.length > KEEP) this.events.splice(0, this.events.length - KEEP);
    this.filterDirty = true;
    this.invalidate();
  }

  add(events) {
    for (const event of events) {
      event.$seq = ++this.seq;
      this.events.push(event);
      const route = routeOf(event);
      if (!this.routes.has(route)) {
        this.routes.add(route);
        this.optionsDirty = true;
      }
      if (event.pod && !this.pods.has(event.pod)) {
        this.pods.add(event.pod);
        this.optionsDirty = true;
      }
    }
    if (this.events.length > KEEP + 200) this.events.splice(0, this.events.length - KEEP);
    this.filterDirty = true;
    this.invalidate();
  }

  /** Filters set from elsewhere (a double-clicked topology node). */
  filterBy({ pod, text }) {
    this.statusFilter.value = '';
    this.routeFilter.value = '';
    this.faultedFilter.checked = false;
    if (pod !== undefined) {
      this.pods.add(pod);
      this.refreshOptions();
      this.podFilter.value = pod;
      this.textFilter.value = '';
    }
    if (text !== undefined) {
      this.podFilter.value = '';
      this.textFilter.value = text;
    }
    this.refilter();
  }

  refilter() {
    this.filterDirty = true;
    this.follow = this.selected === null;
    this.invalidate();
  }

  matches(event) {
    const status = this.statusFilter.value;
    if (status !== '' && statusClass(event.status) !== Number(status)) return false;
    const route = this.routeFilter.value;
    if (route && routeOf(event) !== route) return false;
    const pod = this.podFilter.value;
    if (pod && event.pod !== pod) return false;
    if (this.faultedFilter.checked && !(event.faults && event.faults.length)) return false;
    const text = this.textFilter.value.trim().toLowerCase();
    if (text) {
      const hay = `${event.host || ''} ${event.target || ''} ${event.service || ''} ${event.pod || ''} ${event.id || ''} ${routeOf(event)} ${event.status}`.toLowerCase();
      if (!hay.includes(text)) return false;
    }
    return true;
  }

  refreshOptions() {
    if (!this.optionsDirty) return;
    this.optionsDirty = false;
    for (const node of state.graph.nodes || []) if (node.kind === 'pod' && node.label) this.pods.add(node.label);
    const fill = (select, values, anyText) => {
      const chosen = select.value;
      clear(select);
      select.append(h('option', { value: '' }, anyText));
      for (const value of [...values].sort()) select.append(h('option', { value }, value));
      select.value = values.has(chosen) ? chosen : '';
    };
    fill(this.routeFilter, this.routes, 'Any route');
    fill(this.podFilter, this.pods, 'Any pod');
  }

  render() {
    if (!this.visible) return;
    this.refreshOptions();
    if (this.filterDirty) {
      this.filterDirty = false;
      this.filtered = this.events.filter((e) => this.matches(e));
      this.spacer.style.height = `${this.filtered.length * ROW_HEIGHT}px`;
      this.count.textContent = `${this.filtered.length} shown${this.filtered.length !== this.events.length ? ` of ${this.events.length}` : ''}`;
      this.root.dataset.total = String(this.events.length);
      if (this.follow) {
        const bottom = Math.max(0, this.filtered.length * ROW_HEIGHT - this.scroller.clientHeight);
        if (Math.abs(this.scroller.scrollTop - bottom) > 1) {
          this.programmaticScroll = true;
          this.scroller.scrollTop = bottom;
        }
      }
    }
    const viewHeight = this.scroller.clientHeight;
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_HEIGHT) - 2);
    const count = Math.min(this.filtered.length - first, Math.ceil(viewHeight / ROW_HEIGHT) + 5);
    while (this.pool.length < count) this.pool.push(this.makeRow());
    this.rowsEl.style.transform = `translateY(${first * ROW_HEIGHT}px)`;
    for (let i = 0; i < this.pool.length; i += 1) {
      const row = this.pool[i];
      if (i >= count) {
        if (row.el.parentNode) row.el.remove();
        continue;
      }
      if (!row.el.parentNode) this.rowsEl.append(row.el);
      this.fillRow(row, this.filtered[first + i]);
    }
  }

  makeRow() {
    const cells = {};
    const el = h('div', { class: 'req-row', 'data-testid': 'request-row' },
      COLUMNS.map(([key]) => {
        cells[key] = h('span', { class: `col-${key}` });
        return cells[key];
      }));
    const row = { el, cells, event: null };
    el.addEventListener('click', () => {
      if (row.event) this.select(row.event);
    });
    return row;
  }

  fillRow(row, event) {
    if (row.event === event && row.selected === (this.selected === event.$seq)) return;
    row.event = event;
    row.selected = this.selected === event.$seq;
    const c = row.cells;
    const cls = statusClass(event.status);
    c.t.textContent = formatSeconds(event.t);
    c.status.textContent = event.status ? String(event.status) : '—';
    c.status.className = `col-status sc${cls}`;
    c.method.textContent = event.method || '';
    c.host.textContent = event.host || '';
    c.target.textContent = event.target || '';
    c.route.textContent = routeOf(event);
    c.service.textContent = event.service || '';
    c.pod.textContent = event.pod || '';
    c.latency.textContent = latencyText(event.latencyMs);
    c.faults.textContent = event.faults && event.faults.length ? `⚡${event.faults.length}` : '';
    row.el.title = `${event.method || ''} ${urlOf(event)} → ${event.status || 'no answer'}`;
    row.el.dataset.status = String(event.status ?? 0);
    row.el.dataset.seq = String(event.$seq);
    row.el.classList.toggle('selected', row.selected);
  }

  onKey(event) {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const index = this.filtered.findIndex((e) => e.$seq === this.selected);
    const next = this.filtered[Math.min(Math.max(index + (event.key === 'ArrowDown' ? 1 : -1), 0), this.filtered.length - 1)];
    if (!next) return;
    this.select(next);
    const top = this.filtered.indexOf(next) * ROW_HEIGHT;
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (top + ROW_HEIGHT > this.scroller.scrollTop + this.scroller.clientHeight) this.scroller.scrollTop = top + ROW_HEIGHT - this.scroller.clientHeight;
  }

  select(event) {
    if (this.selected === event.$seq) {
      this.selected = null;
      this.follow = true;
      this.showDetails(null);
      emit('highlight', []);
    } else {
      this.selected = event.$seq;
      this.follow = false;
      this.showDetails(event);
      emit('highlight', event.path || []);
    }
    for (const row of this.pool) row.selected = undefined;
    this.invalidate();
  }

  showDetails(event) {
    const d = clear(this.details);
    if (!event) {
      d.append(h('div', { class: 'muted' }, 'Select a request to see how it was routed.'));
      return;
    }
    const cls = statusClass(event.status);
    const labelOf = new Map((state.graph.nodes || []).map((n) => [n.id, n.label || n.id]));
    const rows = [
      ['at', `${formatSeconds(event.t)} s`],
      ['request id', event.id],
      ['controller', event.controller],
      ['Ingress', event.ingress],
      ['rule', event.rule],
      ['Service', event.service],
      ['canary', event.canary ? 'yes' : 'no'],
      ['pod', event.pod],
      ['latency', latencyText(event.latencyMs)],
    ];
    d.append(
      h('h3', { class: 'req-title' }, `${event.method || ''} ${urlOf(event)} → `, h('span', { class: `sc${cls}` }, event.status ? String(event.status) : 'no answer')),
      h('dl', { class: 'kv' }, rows.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => [h('dt', null, k), h('dd', null, String(v))])));
    if (event.faults && event.faults.length) {
      d.append(h('h4', null, 'Faults that acted on it'), h('ul', { class: 'plain' }, event.faults.map((f) => h('li', null, `⚡ ${typeof f === 'string' ? f : JSON.stringify(f)}`))));
    }
    if (event.path && event.path.length) {
      d.append(h('h4', null, 'Path'), h('ol', { class: 'path' }, event.path.map((id) => h('li', { title: id }, labelOf.get(id) || id))));
    }
  }
}
