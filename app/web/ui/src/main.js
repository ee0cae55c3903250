// The page: wires the stream to the views, the header's traffic controls, the bottom tabs,
// the splitters and the theme.

import './style.css';
import { api, Stream } from './api.js';
import { state, on, emit, schedule, notify } from './store.js';
import { h, $, icon, formatRate, formatPercent } from './util.js';
import { Topology } from './topology.js';
import { FaultMenu, FaultsPanel } from './faults.js';
import { Editor } from './editor.js';
import { Plots } from './plots.js';
import { Requests } from './requests.js';
import { Composer } from './composer.js';
import { ScenarioPanel, playScenario } from './scenario.js';

// ---- theme: follows prefers-color-scheme ----

const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');
function applyTheme() {
  document.documentElement.dataset.theme = darkQuery.matches ? 'dark' : 'light';
  emit('theme');
}
document.documentElement.dataset.theme = darkQuery.matches ? 'dark' : 'light';
darkQuery.addEventListener('change', applyTheme);

// ---- views ----

const faultMenu = new FaultMenu();
const requests = new Requests(h('div', { class: 'panel-body' }));
const topology = new Topology($('#topology'), {
  onNodeMenu: (node, x, y) => faultMenu.open(node, x, y),
  onNodeFilter: (node) => {
    faultMenu.close();
    if (node.kind === 'pod') requests.filterBy({ pod: node.label });
    else if (node.kind === 'service' || node.kind === 'rule') requests.filterBy({ text: node.kind === 'rule' ? node.label.split(' ').slice(1).join(' ') : node.label });
    else requests.filterBy({ text: '' });
    tabs.show('requests');
  },
  onBackgroundClick: () => emit('highlight', []),
});
const editor = new Editor($('#editor-pane'));
const plots = new Plots(h('div', { class: 'panel-body' }));
const composer = new Composer(h('div', { class: 'panel-body' }));
const scenario = new ScenarioPanel(h('div', { class: 'panel-body' }));
const faults = new FaultsPanel(h('div', { class: 'panel-body' }));

// ---- bottom tabs ----

class Tabs {
  constructor(nav, panels, entries) {
    this.nav = nav;
    this.entries = entries;
    this.current = null;
    for (const entry of entries) {
      entry.button = h('button', { role: 'tab', class: 'tab', 'data-testid': `tab-${entry.id}`, id: `tab-${entry.id}`, onclick: () => this.show(entry.id) },
        entry.title, entry.badge || null);
      entry.panel = h('div', { class: 'panel', role: 'tabpanel', 'data-testid': `panel-${entry.id}`, 'aria-labelledby': `tab-${entry.id}`, hidden: true }, entry.view.root);
      nav.append(entry.button);
      panels.append(entry.panel);
    }
  }

  show(id) {
    if (this.current === id) return;
    this.current = id;
    for (const entry of this.entries) {
      const on = entry.id === id;
      entry.button.classList.toggle('active', on);
      entry.button.setAttribute('aria-selected', String(on));
      entry.panel.hidden = !on;
      if (entry.view.setVisible) entry.view.setVisible(on);
    }
    try {
      localStorage.setItem('ingress-lab.tab', id);
    } catch {
      // private mode: no memory of the tab
    }
  }
}

const faultBadge = h('span', { class: 'tab-badge', hidden: true, 'data-testid': 'faults-count' });
const tabs = new Tabs($('#tabs'), $('#panels'), [
  { id: 'plots', title: 'Plots', view: plots },
  { id: 'requests', title: 'Requests', view: requests },
  { id: 'composer', title: 'Composer', view: composer },
  { id: 'scenario', title: 'Scenario', view: scenario },
  { id: 'faults', title: 'Traffic & faults', view: faults, badge: faultBadge },
]);
let firstTab = 'plots';
try {
  firstTab = localStorage.getItem('ingress-lab.tab') || 'plots';
} catch {
  // no storage
}
const params = new URLSearchParams(window.location.search);
if (params.get('tab')) firstTab = params.get('tab');
tabs.show(tabs.entries.some((e) => e.id === firstTab) ? firstTab : 'plots');

// ---- state from the stream ----

function setFaults(message) {
  if (Array.isArray(message)) {
    state.faults = message.filter((f) => f.until == null);
    const known = new Set(state.history.map((f) => f.id));
    state.history = [...state.history, ...message.filter((f) => !known.has(f.id))];
  } else if (message && typeof message === 'object') {
    state.faults = (message.faults || []).filter((f) => f.until == null);
    if (Array.isArray(message.history)) state.history = message.history;
  }
  emit('faults');
}

async function loadHistory() {
  try {
    const answer = await api('GET', '/api/v1/events?limit=1000');
    requests.prepend((answer && answer.events) || []);
  } catch {
    // the stream fills the list anyway
  }
}

const handlers = {
  hello(m) {
    state.lab = m.lab || null;
    state.graph = m.graph || { nodes: [], edges: [] };
    setFaults(Array.isArray(m.history) ? { faults: m.faults || [], history: m.history } : m.faults || []);
    emit('lab');
    emit('graph');
    loadHistory();
  },
  // The lab routes nothing, or Start had nothing to send: the engine says why.
  notice(m) {
    if (m.text) notify(m.text, 'warning');
  },
  events(m) {
    const events = Array.isArray(m.events) ? m.events : [];
    state.eventsSeen += events.length + (m.dropped || 0);
    state.eventsDropped += m.dropped || 0;
    emit('events', events);
  },
  stats(m) {
    state.stats = m;
    emit('stats');
  },
  graph(m) {
    state.graph = m.graph || { nodes: [], edges: [] };
    emit('graph');
  },
  faults(m) {
    setFaults({ faults: m.faults || [], history: m.history });
  },
  lab(m) {
    state.lab = m.lab || state.lab;
    emit('lab');
  },
  expectation(m) {
    if (m.result) emit('expectation', m.result);
  },
  progress(m) {
    emit('progress', m);
  },
  run(m) {
    emit('run', m);
  },
};

on('graph', () => schedule(renderGraph));
function renderGraph() {
  topology.setGraph(state.graph);
}
on('stats', () => schedule(renderStats));
function renderStats() {
  topology.setStats(state.stats);
  renderSummary();
}
on('events', (events) => topology.addEvents(events));
on('highlight', (path) => topology.highlight(path, false));
on('highlight-hops', (path) => topology.highlight(path, true));
on('theme', () => schedule(() => topology.applyTheme()));
on('lab', () => schedule(renderHeader));
on('faults', () => schedule(() => {
  faultBadge.hidden = state.faults.length === 0;
  faultBadge.textContent = String(state.faults.length);
}));

// ---- header ----

const startButton = $('#traffic-start');
const pauseButton = $('#traffic-pause');
const stopButton = $('#traffic-stop');
const rateInput = $('#traffic-rate');
const playButton = $('#play-scenario');
pauseButton.replaceChildren(icon('pause'), 'Pause');
stopButton.replaceChildren(icon('stop'), 'Stop');

function listenerText(value) {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'object') return value.address || value.url || `${value.host || ''}:${value.port || ''}`;
  if (typeof value === 'number') return `:${value}`; // a port on the lab's own address
  return String(value);
}

function renderHeader() {
  const lab = state.lab;
  const scenarioInfo = lab && lab.scenario;
  const name = $('[data-testid="scenario-name"]');
  name.textContent = scenarioInfo ? scenarioInfo.name : lab ? 'manifests' : '…';
  name.title = scenarioInfo ? `${scenarioInfo.description || ''}\n${scenarioInfo.file || ''}`.trim() : '';
  const listeners = (lab && lab.listeners) || {};
  const controllers = (lab && lab.controllers) || [];
  const parts = [];
  if (controllers.length > 1) {
    // Several controllers side by side: where each one listens.
    for (const c of controllers) {
      const ports = [c.http ? `HTTP ${listenerText(c.http)}` : null, c.https ? `HTTPS ${listenerText(c.https)}` : null];
      parts.push(`${c.name}: ${ports.filter(Boolean).join(', ')}`);
    }
  } else {
    if (listenerText(listeners.http)) parts.push(`HTTP ${listenerText(listeners.http)}`);
    if (listenerText(listeners.https)) parts.push(`HTTPS ${listenerText(listeners.https)}`);
  }
  $('[data-testid="listeners"]').textContent = parts.join(' · ');
  const traffic = (lab && lab.traffic) || {};
  const running = !!traffic.running;
  const paused = !!traffic.paused;
  const playing = !!(lab && lab.run && lab.run.playing);
  // While the scenario plays, its own traffic runs: the lab refuses a start until it ends.
  startButton.disabled = playing || (running && !paused);
  startButton.replaceChildren(icon('play'), paused ? 'Resume' : 'Start');
  pauseButton.disabled = !running || paused;
  stopButton.disabled = !running;
  if (document.activeElement !== rateInput && traffic.rate != null) rateInput.value = String(traffic.rate);
  playButton.disabled = !scenarioInfo || playing;
  playButton.replaceChildren(icon('playAll'), playing ? 'Playing…' : 'Play scenario');
  document.title = scenarioInfo ? `${scenarioInfo.name} — Ingress Lab` : 'Ingress Lab';
  $('#app').dataset.traffic = running ? (paused ? 'paused' : 'running') : 'stopped';
  topology.setEmptyMessage(lab && lab.running === false
    ? 'The lab is not running: its scenario has errors. Fix them in the editor (see Problems) and Save.'
    : lab && lab.problem ? `Nothing to route: ${lab.problem}.` : 'Waiting for the lab…');
}

// action null: only the rate changes (live when the traffic runs, else for the next start).
async function traffic(action) {
  const body = action ? { action } : {};
  const rate = Number(rateInput.value);
  if ((action === 'start' || !action) && Number.isFinite(rate) && rate > 0) body.rate = rate;
  try {
    const answer = await api('POST', '/api/v1/traffic', body);
    if (answer && state.lab) {
      state.lab.traffic = { ...state.lab.traffic, ...answer };
      emit('lab');
    }
    if (answer && action === 'start' && answer.problem) notify(answer.problem, 'warning');
  } catch (err) {
    notify(`Traffic ${action || 'rate'} failed: ${err.message}`, 'error');
  }
}

startButton.addEventListener('click', () => {
  const t = state.lab && state.lab.traffic;
  traffic(t && t.paused ? 'resume' : 'start');
});
pauseButton.addEventListener('click', () => traffic('pause'));
stopButton.addEventListener('click', () => traffic('stop'));
rateInput.addEventListener('change', () => traffic(null));
rateInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') rateInput.blur();
});
playButton.addEventListener('click', () => {
  tabs.show('scenario');
  playScenario();
});

// ---- status bar ----

const notice = $('#notice');
let noticeTimer = null;
on('notice', ({ text, kind }) => {
  notice.textContent = text;
  notice.dataset.kind = kind;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    notice.textContent = '';
  }, kind === 'error' ? 15000 : 8000);
});

function renderSummary() {
  const stats = state.stats;
  const edges = (stats && stats.edges) || [];
  // Every request enters through a controller: the lab may run several side by side.
  const entries = edges.filter((e) => e.from === 'client');
  const rate = entries.reduce((sum, e) => sum + (e.rate || 0), 0);
  const share = (key) => (rate > 0 ? entries.reduce((sum, e) => sum + (e.rate || 0) * (e[key] || 0), 0) / rate : 0);
  const errors = share('errorPercent');
  const clientErrors = share('clientErrorPercent');
  let text = `${formatRate(rate || 0).replace('/s', ' req/s')} · ${formatPercent(errors || 0)} 5xx · ${formatPercent(clientErrors || 0)} 4xx · ${state.eventsSeen.toLocaleString('en-US')} seen`;
  if (state.eventsDropped) text += ` · ${state.eventsDropped.toLocaleString('en-US')} not shown (slow client)`;
  $('#summary').textContent = text;
}

// ---- connection ----

const conn = $('#conn');
const banner = $('#banner');
let retryTimer = null;
function showBanner(text, kind, withRetry) {
  banner.hidden = false;
  banner.dataset.kind = kind;
  banner.replaceChildren(h('span', null, text), withRetry ? h('button', { class: 'small', onclick: () => stream.retryNow() }, 'Retry now') : '');
}

const stream = new Stream((message) => {
  const handler = handlers[message && message.type];
  if (handler) handler(message);
}, (connection, retryMs) => {
  state.connection = connection;
  conn.dataset.state = connection;
  conn.title = `Connection to the lab: ${connection}`;
  clearInterval(retryTimer);
  if (connection === 'open') {
    banner.hidden = true;
  } else if (connection === 'closed') {
    let left = Math.round((retryMs || 0) / 1000);
    const tick = () => showBanner(`Disconnected from the lab — retrying${left > 0 ? ` in ${left} s` : ''}…`, 'warning', true);
    tick();
    retryTimer = setInterval(() => {
      left = Math.max(0, left - 1);
      tick();
    }, 1000);
  }
});

async function start() {
  try {
    state.lab = await api('GET', '/api/v1/lab');
    emit('lab');
  } catch (err) {
    if (err.status === 401) {
      showBanner('This lab needs its token: open the address that `ingress-lab serve` printed (it ends in ?token=…).', 'error', false);
      return;
    }
  }
  stream.connect();
}

// ---- splitters ----

function splitter(handle, variable, axis, min, max, invert) {
  const root = document.documentElement;
  const key = `ingress-lab.${variable}`;
  try {
    const saved = localStorage.getItem(key);
    if (saved) root.style.setProperty(variable, saved);
  } catch {
    // no storage
  }
  handle.addEventListener('pointerdown', (event) => {
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    handle.classList.add('dragging');
    const move = (e) => {
      const limit = axis === 'x' ? window.innerWidth : window.innerHeight;
      const raw = axis === 'x' ? e.clientX : limit - e.clientY - (invert || 0);
      const value = Math.min(Math.max(raw, min), limit * max);
      root.style.setProperty(variable, `${Math.round(value)}px`);
    };
    const up = () => {
      handle.classList.remove('dragging');
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      try {
        localStorage.setItem(key, root.style.getPropertyValue(variable));
      } catch {
        // no storage
      }
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  });
}
splitter($('#split-editor'), '--editor-w', 'x', 340, 0.6);
splitter($('#split-bottom'), '--bottom-h', 'y', 160, 0.7, 24);

const toggleEditor = $('#toggle-editor');
function setEditorShown(shown) {
  $('#workspace').classList.toggle('no-editor', !shown);
  toggleEditor.setAttribute('aria-pressed', String(shown));
  toggleEditor.classList.toggle('on', shown);
}
toggleEditor.addEventListener('click', () => setEditorShown($('#workspace').classList.contains('no-editor')));
setEditorShown(params.get('editor') !== '0');

renderHeader();
start();

// For the e2e tests and the curious: the state, read-only by convention.
window.ingressLab = { state, tabs, topology, editor, requests };
