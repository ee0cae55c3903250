// The scenario panel: Play runs the scenario as `ingress-lab run` does; each expectation turns
// pass or fail as soon as it is judged (they are named only then), a progress bar follows the
// run, and once a run has a result its HTML report can be opened.

import { api, withToken } from './api.js';
import { state, on, notify, schedule } from './store.js';
import { h, clear, icon, plural } from './util.js';

export async function playScenario() {
  try {
    await api('POST', '/api/v1/scenario/play');
    notify('Playing the scenario on a lab of its own');
  } catch (err) {
    notify(err.status === 409 ? `Cannot play: ${err.message}` : `Could not play the scenario: ${err.message}`, 'error');
  }
}

export async function stopScenario() {
  try {
    await api('POST', '/api/v1/scenario/stop');
  } catch (err) {
    notify(`Could not stop the scenario: ${err.message}`, 'error');
  }
}

export class ScenarioPanel {
  constructor(root) {
    this.root = root;
    this.results = [];
    this.progress = null;
    this.runState = 'idle';
    this.passed = null;

    this.play = h('button', { class: 'primary', 'data-testid': 'scenario-play', onclick: () => playScenario() }, icon('playAll'), 'Play scenario');
    this.stop = h('button', { 'data-testid': 'scenario-stop', onclick: () => stopScenario() }, icon('stop'), 'Stop');
    // The text twice: dark on the track, white on the fill (which clips its copy).
    this.barText = h('span', { class: 'progress-text' }, '');
    this.barTextOnFill = h('span', { class: 'progress-text', 'aria-hidden': 'true' }, '');
    this.bar = h('div', { class: 'progress-fill' }, this.barTextOnFill);
    this.progressEl = h('div', { class: 'progress', 'data-testid': 'scenario-progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100' }, this.barText, this.bar);
    new ResizeObserver(() => {
      this.barTextOnFill.style.width = `${this.progressEl.clientWidth}px`;
    }).observe(this.progressEl);
    this.report = h('a', { class: 'button', 'data-testid': 'scenario-report-link', target: '_blank', rel: 'noopener', href: withToken('/api/v1/scenario/report'), hidden: true }, 'Open report');
    this.summary = h('div', { class: 'scenario-summary' });
    this.stateEl = h('span', { class: 'run-state', 'data-testid': 'scenario-state' }, 'idle');
    this.body = h('tbody');
    root.append(
      h('div', { class: 'toolbar' }, this.play, this.stop, this.progressEl, this.stateEl, this.report),
      this.summary,
      h('div', { class: 'scroll' }, h('table', { class: 'grid expectations', 'data-testid': 'expectations' },
        h('thead', null, h('tr', null, h('th', null, ''), h('th', null, 'Expectation'), h('th', null, 'Kind'), h('th', null, 'Expected'), h('th', null, 'Measured'), h('th', null, 'Where'))),
        this.body)));

    on('lab', () => schedule(() => this.render()));
    on('expectation', (result) => {
      this.results.push(result);
      schedule(() => this.render());
    });
    on('progress', (p) => {
      this.progress = p;
      schedule(() => this.render());
    });
    on('run', (message) => {
      if (message.state === 'started') {
        this.results = [];
        this.progress = null;
        this.passed = null;
        this.runState = 'playing';
      } else if (message.state === 'finished') {
        this.runState = 'finished';
        this.passed = message.passed;
        notify(`Scenario finished: ${message.passed ? 'passed' : 'failed'}`, message.passed ? 'ok' : 'error');
      }
      schedule(() => this.render());
    });
    this.render();
  }

  render() {
    const lab = state.lab;
    const scenario = lab && lab.scenario;
    const playing = !!(lab && lab.run && lab.run.playing) || this.runState === 'playing';
    if (lab && lab.run && !lab.run.playing && this.runState === 'playing') this.runState = 'finished';
    this.play.disabled = !scenario || playing;
    this.stop.disabled = !playing;
    this.report.hidden = !(lab && lab.run && lab.run.hasResult);

    clear(this.summary);
    if (scenario) {
      this.summary.append(h('b', null, scenario.name || 'scenario'),
        scenario.durationSeconds ? `: ${scenario.durationSeconds} s` : '',
        scenario.description ? h('span', { class: 'muted' }, ` — ${scenario.description}`) : '');
    } else {
      this.summary.append(h('span', { class: 'muted' }, 'No scenario: the lab runs from manifests only.'));
    }

    const p = this.progress;
    const planned = p && p.planned > 0 ? p.planned : (scenario && scenario.durationSeconds) || 0;
    const elapsed = p ? Math.min(p.elapsed, planned || p.elapsed) : 0;
    const percent = planned > 0 ? Math.min(100, (100 * elapsed) / planned) : 0;
    this.bar.style.width = `${this.runState === 'finished' && !p ? 100 : percent}%`;
    this.progressEl.setAttribute('aria-valuenow', String(Math.round(percent)));
    this.progressEl.dataset.elapsed = p ? String(p.elapsed) : '0';
    this.barText.textContent = p ? `${Math.round(p.elapsed)} / ${Math.round(planned)} s · ${plural(p.requests, 'request')} · ${plural(p.errors, 'error')}` : '';
    this.barTextOnFill.textContent = this.barText.textContent;

    let text = 'idle';
    if (this.runState === 'playing' || playing) text = 'playing…';
    else if (this.runState === 'finished') text = this.passed === null || this.passed === undefined ? 'finished' : this.passed ? 'passed' : 'failed';
    this.stateEl.textContent = text;
    this.stateEl.dataset.state = this.runState;
    this.stateEl.className = `run-state ${this.passed === true ? 'pass' : this.passed === false ? 'fail' : ''}`;

    clear(this.body);
    if (!this.results.length) {
      this.body.append(h('tr', null, h('td', { colspan: '6', class: 'muted' }, playing ? 'Waiting for the first verdict…' : 'Play the scenario: each expectation appears here as it is judged.')));
    }
    for (const r of this.results) {
      this.body.append(h('tr', { 'data-testid': 'expectation-row', 'data-passed': String(!!r.passed), class: r.passed ? 'pass' : 'fail' },
        h('td', { class: `verdict ${r.passed ? 'pass' : 'fail'}` }, r.passed ? '✓' : '✗'),
        h('td', null, r.name || ''),
        h('td', { class: 'muted' }, r.kind || ''),
        h('td', null, r.expected || ''),
        h('td', { class: r.passed ? 'pass-text' : 'fail-text' }, r.measured || ''),
        h('td', { class: 'mono muted' }, r.location || '')));
    }
  }
}
