// Fault injection: the menu a pod or Service node opens, and the "Traffic & faults" panel that
// lists the active faults (each removable) and the traffic mix's weights.

import { api } from './api.js';
import { state, on, notify, schedule } from './store.js';
import { h, clear, splitNodeId } from './util.js';

const ACTIONS = [
  { id: 'kill', text: 'Kill', body: { kind: 'kill' } },
  { id: 'unready', text: 'Make unready', body: { kind: 'unready' } },
  {
    text: 'Add latency',
    hint: '±20 % jitter',
    choices: [
      { id: 'latency-100', text: '100 ms', body: { kind: 'latency', latencyMs: 100, jitterMs: 20 } },
      { id: 'latency-500', text: '500 ms', body: { kind: 'latency', latencyMs: 500, jitterMs: 100 } },
      { id: 'latency-2000', text: '2 s', body: { kind: 'latency', latencyMs: 2000, jitterMs: 400 } },
    ],
  },
  {
    text: 'Return errors',
    choices: [
      { id: 'status-503', text: '503 for all', body: { kind: 'status', status: 503, probability: 1 } },
      { id: 'status-500', text: '500 for 50 %', body: { kind: 'status', status: 500, probability: 0.5 } },
    ],
  },
  { id: 'reset', text: 'Reset connections', body: { kind: 'reset' } },
  { id: 'blackhole', text: 'Black-hole', body: { kind: 'blackhole' } },
  { id: 'throttle', text: 'Throttle to 10 KiB/s', body: { kind: 'throttle', bytesPerSecond: 10240 } },
  { id: 'close-after-headers', text: 'Close after headers', body: { kind: 'closeAfterHeaders' } },
];

// A Service's faults act on its pods (the graph lists them there): its menu clears those too.
function faultIdsOf(node) {
  const ids = new Set(node.faultIds || []);
  if (node.kind === 'service') {
    const pods = new Set((state.graph.edges || []).filter((e) => e.from === node.id).map((e) => e.to));
    for (const other of state.graph.nodes || []) {
      if (pods.has(other.id)) for (const id of other.faultIds || []) ids.add(id);
    }
  }
  return [...ids];
}

function targetsOf(node) {
  const { namespace, name } = splitNodeId(node.id);
  const ns = node.namespace || namespace;
  if (node.kind === 'service') return [{ key: 'service', text: `Service ${name}`, target: { kind: 'service', namespace: ns, name } }];
  const targets = [{ key: 'pod', text: 'This pod', target: { kind: 'pod', namespace: ns, name } }];
  if (node.ownerName) {
    targets.push({
      key: 'workload',
      text: `${node.ownerKind || 'Workload'} ${node.ownerName}`,
      target: { kind: 'workload', namespace: ns, name: node.ownerName },
    });
  }
  return targets;
}

export async function injectFault(body, target) {
  const request = { ...body, target };
  try {
    const answer = await api('POST', '/api/v1/faults', request);
    notify(`Fault #${answer && answer.id != null ? answer.id : '?'}: ${describe(body)} on ${target.kind} ${target.namespace}/${target.name}`);
    return answer;
  } catch (err) {
    notify(`Could not inject the fault: ${err.message}`, 'error');
    return null;
  }
}

export async function removeFault(id) {
  try {
    await api('DELETE', `/api/v1/faults/${encodeURIComponent(id)}`);
    return true;
  } catch (err) {
    notify(`Could not remove fault #${id}: ${err.message}`, 'error');
    return false;
  }
}

function describe(body) {
  switch (body.kind) {
    case 'latency': return `latency +${body.latencyMs} ms`;
    case 'status': return `${body.status} for ${Math.round((body.probability ?? 1) * 100)} %`;
    case 'throttle': return `throttle ${body.bytesPerSecond / 1024} KiB/s`;
    default: return body.kind;
  }
}

/** The menu a click or right-click on a pod or Service opens. */
export class FaultMenu {
  constructor() {
    this.el = h('div', { class: 'menu', 'data-testid': 'fault-menu', role: 'menu', hidden: true });
    document.body.append(this.el);
    document.addEventListener('pointerdown', (event) => {
      if (!this.el.hidden && !this.el.contains(event.target)) this.close();
    }, true);
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.close();
    });
    window.addEventListener('blur', () => this.close());
    window.addEventListener('resize', () => this.close());
  }

  open(node, x, y) {
    const targets = targetsOf(node);
    let scope = targets[0];
    const el = clear(this.el);
    el.dataset.node = node.id;
    const kindName = node.kind === 'pod' ? 'Pod' : 'Service';
    el.append(h('div', { class: 'menu-title' }, h('span', { class: 'menu-kind' }, kindName), ' ', node.label || node.id));

    if (targets.length > 1) {
      const seg = h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'Inject on' });
      for (const t of targets) {
        const b = h('button', {
          class: t === scope ? 'on' : '',
          'data-testid': `fault-scope-${t.key}`,
          role: 'radio',
          'aria-checked': String(t === scope),
          onclick: () => {
            scope = t;
            for (const other of seg.children) {
              other.classList.toggle('on', other === b);
              other.setAttribute('aria-checked', String(other === b));
            }
          },
        }, t.text);
        seg.append(b);
      }
      el.append(seg);
    }

    const fire = (action) => async () => {
      this.close();
      await injectFault(action.body, scope.target);
    };
    for (const action of ACTIONS) {
      if (action.choices) {
        el.append(h('div', { class: 'menu-row' },
          h('span', { class: 'menu-label' }, action.text, action.hint ? h('small', null, ` ${action.hint}`) : null),
          h('span', { class: 'menu-choices' }, action.choices.map((choice) => h('button', {
            class: 'chip', role: 'menuitem', 'data-testid': `fault-${choice.id}`, onclick: fire(choice),
          }, choice.text)))));
      } else {
        el.append(h('button', { class: 'menu-item', role: 'menuitem', 'data-testid': `fault-${action.id}`, onclick: fire(action) }, action.text));
      }
    }
    const ids = faultIdsOf(node);
    if (ids.length) {
      el.append(h('div', { class: 'menu-sep' }));
      el.append(h('button', {
        class: 'menu-item danger',
        role: 'menuitem',
        'data-testid': 'fault-clear',
        onclick: async () => {
          this.close();
          let removed = 0;
          for (const id of ids) if (await removeFault(id)) removed += 1;
          notify(`Cleared ${removed} fault${removed === 1 ? '' : 's'} on ${node.label}`);
        },
      }, node.kind === 'service' ? `Clear faults on it and its pods (${ids.length})` : `Clear faults (${ids.length})`));
    }

    el.hidden = false;
    const r = el.getBoundingClientRect();
    const left = Math.min(x, window.innerWidth - r.width - 8);
    const top = Math.min(y, window.innerHeight - r.height - 8);
    el.style.left = `${Math.max(4, left)}px`;
    el.style.top = `${Math.max(4, top)}px`;
    const first = el.querySelector('button');
    if (first) first.focus({ preventScroll: true });
  }

  close() {
    this.el.hidden = true;
  }
}

/** The "Traffic & faults" panel. */
export class FaultsPanel {
  constructor(root) {
    this.root = root;
    this.mixBody = h('tbody');
    this.activeList = h('ul', { class: 'fault-list', 'data-testid': 'faults-list' });
    this.historyList = h('ul', { class: 'fault-list history', 'data-testid': 'faults-history' });
    this.rateInput = h('input', { type: 'number', min: '0', step: '1', class: 'num', 'data-testid': 'mix-rate', 'aria-label': 'Total rate' });
    this.clearAll = h('button', { 'data-testid': 'faults-clear-all', onclick: () => this.removeAll() }, 'Remove all');
    root.append(
      h('div', { class: 'split-2' },
        h('section', { class: 'card' },
          h('header', null, h('h3', null, 'Traffic mix'),
            h('span', { class: 'grow' }),
            h('label', null, 'Rate ', this.rateInput, ' req/s'),
            h('button', { class: 'primary', 'data-testid': 'mix-apply', onclick: () => this.applyMix() }, 'Restart traffic with these')),
          h('div', { class: 'scroll' }, h('table', { class: 'grid mix' },
            h('colgroup', null, h('col', { class: 'profile' }), h('col', { class: 'method' }), h('col', { class: 'url' }), h('col', { class: 'weight' })),
            h('thead', null, h('tr', null, h('th', null, 'Profile'), h('th', null, 'Method'), h('th', null, 'URL'), h('th', { class: 'num' }, 'Weight'))),
            this.mixBody))),
        h('section', { class: 'card' },
          h('header', null, h('h3', null, 'Active faults'), h('span', { class: 'grow' }), this.clearAll),
          h('div', { class: 'scroll' }, this.activeList,
            h('h4', null, 'Earlier faults'), this.historyList))));
    this.mixSignature = '';
    on('faults', () => schedule(() => this.renderFaults()));
    on('lab', () => schedule(() => this.renderMix()));
  }

  renderMix() {
    const traffic = state.lab && state.lab.traffic;
    const mix = (traffic && traffic.mix) || [];
    if (document.activeElement !== this.rateInput && traffic) this.rateInput.value = String(traffic.rate ?? '');
    const signature = JSON.stringify(mix);
    if (signature === this.mixSignature) return;
    this.mixSignature = signature;
    clear(this.mixBody);
    if (!mix.length) {
      this.mixBody.append(h('tr', null, h('td', { colspan: '4', class: 'muted' }, 'No traffic mix: the lab sends one request per rule.')));
    }
    mix.forEach((entry, i) => {
      this.mixBody.append(h('tr', null,
        h('td', null, entry.profile || ''),
        h('td', null, entry.method || 'GET'),
        h('td', { class: 'mono', title: entry.url || '' }, entry.url || ''),
        h('td', { class: 'num' }, h('input', { type: 'number', min: '0', step: 'any', class: 'num', value: String(entry.weight ?? 1), 'data-index': String(i), 'data-testid': 'mix-weight' }))));
    });
  }

  async applyMix() {
    const weights = [...this.mixBody.querySelectorAll('input[data-index]')].map((input) => Number(input.value) || 0);
    const rate = Number(this.rateInput.value);
    const body = { action: 'start' };
    if (Number.isFinite(rate) && rate > 0) body.rate = rate;
    if (weights.length) body.weights = weights;
    try {
      const traffic = await api('POST', '/api/v1/traffic', body);
      if (traffic && state.lab) state.lab.traffic = { ...state.lab.traffic, ...traffic };
      notify(`Traffic restarted at ${body.rate ?? 'the same'} req/s with the weights ${weights.join(' / ')}`);
    } catch (err) {
      notify(`Could not restart the traffic: ${err.message}`, 'error');
    }
  }

  async removeAll() {
    for (const fault of [...state.faults]) await removeFault(fault.id);
  }

  renderFaults() {
    clear(this.activeList);
    clear(this.historyList);
    if (!state.faults.length) this.activeList.append(h('li', { class: 'muted' }, 'No active faults. Click a pod or a Service in the topology to inject one.'));
    // While a scenario plays, the list holds the live lab's faults and the run's: say which.
    const twoLabs = state.faults.some((f) => f.lab === 'run');
    for (const fault of state.faults) {
      this.activeList.append(h('li', { 'data-testid': 'fault-row', 'data-id': String(fault.id), 'data-lab': fault.lab || 'live' },
        h('span', { class: 'bolt' }, '⚡'),
        h('span', { class: 'grow' }, fault.text || `fault #${fault.id}`),
        twoLabs ? h('span', { class: 'muted' }, fault.lab === 'run' ? 'scenario run' : 'live lab') : null,
        h('span', { class: 'muted' }, `since ${Number(fault.since || 0).toFixed(1)} s`),
        h('button', { class: 'small', 'data-testid': 'fault-remove', title: 'Remove this fault', onclick: () => removeFault(fault.id) }, 'Remove')));
    }
    const ended = state.history.filter((f) => f.until != null).slice(-30).reverse();
    if (!ended.length) this.historyList.append(h('li', { class: 'muted' }, 'None yet.'));
    for (const fault of ended) {
      this.historyList.append(h('li', null,
        h('span', { class: 'grow' }, fault.text || `fault #${fault.id}`),
        h('span', { class: 'muted' }, `${Number(fault.since || 0).toFixed(1)}–${Number(fault.until).toFixed(1)} s`)));
    }
    this.clearAll.disabled = state.faults.length === 0;
  }
}
