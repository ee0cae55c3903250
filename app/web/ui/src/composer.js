// The composer: method, URL, headers and cookies; Send decides the request through the decision
// core and sends it to the live proxy. The answer shows who served it, the step-by-step trace
// and the headers as sent, as the controller rewrote them and as the pod received them; the
// topology outlines its path hop by hop.

import { api } from './api.js';
import { state, on, emit, schedule } from './store.js';
import { h, clear, statusClass, headerPairs } from './util.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** A rule's path as a plain prefix: regex paths are cut at their first special character. */
function plainPath(path) {
  const cut = path.search(/[()[\]*+?$^|\\{}]/);
  const plain = cut >= 0 ? path.slice(0, cut) : path;
  return plain.startsWith('/') ? plain : `/${plain}`;
}

export function urlsFromGraph(graph, lab) {
  const urls = [];
  const add = (url) => {
    if (url && !urls.includes(url)) urls.push(url);
  };
  for (const entry of (lab && lab.traffic && lab.traffic.mix) || []) add(entry.url);
  for (const node of (graph && graph.nodes) || []) {
    if (node.kind !== 'rule' || !node.label) continue;
    const space = node.label.indexOf(' ');
    let host = space >= 0 ? node.label.slice(0, space) : node.label;
    const path = space >= 0 ? node.label.slice(space + 1) : '/';
    if (host.startsWith('(')) host = 'localhost';
    add(`http://${host}${path.startsWith('(') ? '/' : plainPath(path)}`);
  }
  return urls;
}

function parseCookies(text) {
  return text.split(';').map((part) => part.trim()).filter(Boolean).map((part) => {
    const eq = part.indexOf('=');
    return eq >= 0 ? [part.slice(0, eq).trim(), part.slice(eq + 1).trim()] : [part, ''];
  });
}

export class Composer {
  constructor(root) {
    this.root = root;
    this.method = h('select', { 'data-testid': 'composer-method', 'aria-label': 'Method' }, METHODS.map((m) => h('option', { value: m }, m)));
    this.datalist = h('datalist', { id: 'composer-urls' });
    this.url = h('input', { type: 'text', list: 'composer-urls', class: 'mono grow', placeholder: 'https://shop.local/catalog/items', 'data-testid': 'composer-url', 'aria-label': 'URL', spellcheck: 'false' });
    this.send = h('button', { class: 'primary', 'data-testid': 'composer-send', title: 'Send (Ctrl+Enter)', onclick: () => this.submit() }, 'Send');
    this.headerRows = h('tbody');
    this.cookies = h('input', { type: 'text', class: 'mono', placeholder: 'name=value; other=value', 'data-testid': 'composer-cookies', 'aria-label': 'Cookies', spellcheck: 'false' });
    this.result = h('div', { class: 'composer-result', 'data-testid': 'composer-result' },
      h('div', { class: 'muted' }, 'Compose a request and press Send: the answer shows the decision core\'s trace and the headers at each hop.'));
    root.append(
      h('div', { class: 'composer' },
        h('div', { class: 'composer-form' },
          h('div', { class: 'row' }, this.method, this.url, this.datalist, this.send),
          h('div', { class: 'form-label' }, 'Headers'),
          h('div', { class: 'scroll headers-edit' }, h('table', { class: 'grid' },
            h('thead', null, h('tr', null, h('th', null, 'Header'), h('th', null, 'Value'), h('th', null, ''))),
            this.headerRows)),
          h('div', { class: 'row' }, h('button', { class: 'small', 'data-testid': 'composer-add-header', onclick: () => this.addHeader('', '', true) }, '+ Header')),
          h('div', { class: 'form-label' }, 'Cookies'),
          this.cookies),
        this.result));
    this.addHeader('', '');
    root.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.submit();
      } else if (event.key === 'Enter' && event.target === this.url) {
        event.preventDefault();
        this.submit();
      }
    });
    const refresh = () => schedule(() => this.refreshUrls());
    on('graph', refresh);
    on('lab', refresh);
  }

  refreshUrls() {
    const urls = urlsFromGraph(state.graph, state.lab);
    clear(this.datalist);
    for (const url of urls) this.datalist.append(h('option', { value: url }));
    if (!this.url.value && urls.length) this.url.value = urls[0];
  }

  addHeader(name, value, focus = false) {
    const nameInput = h('input', { type: 'text', class: 'mono', value: name, placeholder: 'X-Canary', 'aria-label': 'Header name', 'data-testid': 'composer-header-name', spellcheck: 'false' });
    const valueInput = h('input', { type: 'text', class: 'mono', value, placeholder: 'always', 'aria-label': 'Header value', 'data-testid': 'composer-header-value', spellcheck: 'false' });
    const row = h('tr', null, h('td', null, nameInput), h('td', null, valueInput),
      h('td', null, h('button', { class: 'small icon', title: 'Remove', 'aria-label': 'Remove header', onclick: () => row.remove() }, '×')));
    this.headerRows.append(row);
    if (focus) nameInput.focus();
  }

  headers() {
    return [...this.headerRows.querySelectorAll('tr')].map((tr) => {
      const [name, value] = tr.querySelectorAll('input');
      return [name.value.trim(), value.value];
    }).filter(([name]) => name);
  }

  async submit() {
    const url = this.url.value.trim();
    if (!url) {
      this.url.focus();
      return;
    }
    const body = { method: this.method.value, url };
    const headers = this.headers();
    if (headers.length) body.headers = headers;
    const cookies = parseCookies(this.cookies.value);
    if (cookies.length) body.cookies = cookies;
    this.send.disabled = true;
    this.result.dataset.state = 'sending';
    try {
      const answer = await api('POST', '/api/v1/requests', body);
      this.show(body, answer);
      emit('highlight-hops', (answer && answer.path) || []);
    } catch (err) {
      this.showError(body, err);
    } finally {
      this.send.disabled = false;
    }
  }

  showError(body, err) {
    const r = clear(this.result);
    r.dataset.state = 'error';
    r.append(h('h3', null, `${body.method} ${body.url}`), h('div', { class: 'error-text', 'data-testid': 'composer-error' }, err.message));
  }

  show(body, answer) {
    const r = clear(this.result);
    r.dataset.state = 'done';
    const status = answer.status || 0;
    r.append(h('h3', { 'data-testid': 'composer-status', 'data-status': String(status) },
      `${body.method} ${body.url} → `, h('span', { class: `sc${statusClass(status)}` }, status ? String(status) : 'no answer')));
    if (answer.error) r.append(h('div', { class: 'error-text' }, answer.error));
    const served = answer.servedBy;
    const decision = answer.decision || {};
    const backend = decision.backend;
    const backendName = backend ? `${backend.namespace}/${backend.service}` : '';
    // The decision replays the proxy's own canary draw, so it names the backend that served;
    // should they ever differ, say so rather than show two stories.
    // (servedBy names the Service without its namespace: the pod's own.)
    const disagrees = served && served.service && backend && served.service.split('/').pop() !== backend.service;
    r.append(h('p', { 'data-testid': 'composer-served-by', 'data-service': (served && served.service) || '', 'data-canary': String(!!decision.canary) }, served && served.pod
      ? ['Served by pod ', h('b', null, served.pod), served.service ? [' of Service ', h('b', null, served.service)] : null,
        decision.canary ? ' (the canary)' : null]
      : 'No pod served it (the controller answered, or nothing did).'));
    if (disagrees) r.append(h('p', { class: 'error-text', 'data-testid': 'composer-disagreement' }, `The decision core chose ${backendName}, but ${served.service} served it.`));
    if (answer.requestId) r.append(h('p', { class: 'muted' }, `X-Request-ID ${answer.requestId}`));

    const rows = [
      ['action', decision.action],
      ['status', decision.status],
      ['location', decision.location],
      ['reason', decision.reason],
      ['Ingress', decision.ingress],
      ['rule', decision.rule ? `${decision.rule.host || '(any host)'} ${decision.rule.path || ''} (${decision.rule.pathType || ''})` : null],
      ['backend', backend ? `${backend.namespace}/${backend.service}:${backend.port ?? backend.servicePort ?? ''}` : null],
      ['canary', decision.canary === undefined ? null : decision.canary ? 'yes' : 'no'],
      ['weights', Array.isArray(decision.weights) ? decision.weights.map((w) => `${w.service} ${Math.round(w.share * 1000) / 10}%`).join(', ') : null],
      ['upstream', decision.upstream ? `${decision.upstream.host || ''} ${decision.upstream.path || ''}` : null],
    ].filter(([, v]) => v !== undefined && v !== null && v !== '');
    const trace = decision.trace || [];
    const decisionView = h('div', { class: 'decision' },
      h('div', null, h('h4', null, 'Decision core'), h('dl', { class: 'kv', 'data-testid': 'composer-decision', 'data-backend': backendName, 'data-canary': String(!!decision.canary) },
        rows.map(([k, v]) => [h('dt', null, k), h('dd', null, String(v))]))),
      h('div', null, h('h4', null, 'Trace'), h('ol', { class: 'trace', 'data-testid': 'composer-trace' },
        trace.map((step) => h('li', { 'data-testid': 'trace-step', 'data-kind': step.kind || '' },
          h('b', null, step.stage || ''), ' ', h('i', { class: `kind-${step.kind || 'info'}` }, step.kind || ''), ' ', step.message || '')))));

    const table = (title, testid, part) => h('div', { class: 'hdr-table', 'data-testid': testid },
      h('h4', null, title),
      part ? [
        h('div', { class: 'mono target' }, part.target || ''),
        h('table', { class: 'grid compact' }, h('tbody', null, headerPairs(part.headers).map(([n, v]) => h('tr', null, h('td', { class: 'mono name' }, n), h('td', { class: 'mono' }, v))))),
      ] : h('div', { class: 'muted' }, 'none'));
    // The headers at each hop first, the best teaching view; the decision and its trace after.
    r.append(h('div', { class: 'hdr-tables' },
      table('Headers as sent', 'composer-headers-sent', answer.sent),
      table('As the controller rewrote them', 'composer-headers-rewritten', answer.rewritten),
      table('As the pod received them', 'composer-headers-received', answer.received)));
    r.append(decisionView);
  }
}
