// The editor: one tab per file of the lab (the scenario first, then the manifests), CodeMirror
// with YAML highlighting, line numbers and folding. A moment after typing stops, every tab is
// validated together; findings show inline (lint gutter, squiggles, hover) and in Problems.
// Apply hot-reloads the manifests without saving; Save writes every modified file.

import { EditorView, keymap, tooltips } from '@codemirror/view';
import { EditorState } from '@codemirror/state';
import { basicSetup } from 'codemirror';
import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';
import { api, filePath } from './api.js';
import { state, on, notify } from './store.js';
import { h, clear, debounce, plural } from './util.js';

const VALIDATE_DELAY_MS = 400;

const highlight = HighlightStyle.define([
  { tag: tags.lineComment, color: 'var(--syn-comment)', fontStyle: 'italic' },
  { tag: tags.comment, color: 'var(--syn-comment)', fontStyle: 'italic' },
  { tag: tags.definition(tags.propertyName), color: 'var(--syn-key)' },
  { tag: tags.propertyName, color: 'var(--syn-key)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--syn-string)' },
  { tag: [tags.keyword, tags.typeName, tags.labelName], color: 'var(--syn-keyword)' },
  { tag: [tags.meta, tags.separator, tags.punctuation, tags.squareBracket, tags.brace], color: 'var(--syn-punct)' },
]);

const editorTheme = EditorView.theme({
  '&': { height: '100%', fontSize: '12.5px', backgroundColor: 'var(--base)', color: 'var(--text)' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.45' },
  '.cm-content': { caretColor: 'var(--text)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--text)' },
  '.cm-gutters': { backgroundColor: 'var(--window)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'var(--active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--active-line)', color: 'var(--text)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': { backgroundColor: 'var(--selection)' },
  '.cm-selectionMatch': { backgroundColor: 'var(--selection-match)' },
  '.cm-foldPlaceholder': { backgroundColor: 'var(--window)', border: '1px solid var(--border)', color: 'var(--muted)' },
  '.cm-tooltip': { backgroundColor: 'var(--base)', color: 'var(--text)', border: '1px solid var(--border)' },
  '.cm-tooltip-lint': { maxWidth: 'calc(var(--editor-w) - 70px)', whiteSpace: 'pre-wrap' },
  '.cm-panels': { backgroundColor: 'var(--window)', color: 'var(--text)' },
  '.cm-searchMatch': { backgroundColor: 'var(--search-match)' },
});

function baseName(path) {
  return path.split('/').pop();
}

/** A diagnostic's range in a document: from its column to the end of that word. */
function rangeOf(doc, diagnostic) {
  if (!diagnostic.line || diagnostic.line < 1) return { from: 0, to: Math.min(doc.length, doc.line(1).length || 1) };
  const line = doc.line(Math.min(diagnostic.line, doc.lines));
  if (!diagnostic.column || diagnostic.column < 1) return { from: line.from, to: line.to };
  const from = Math.min(line.from + diagnostic.column - 1, line.to);
  let to = from;
  while (to < line.to && !/\s/.test(doc.sliceString(to, to + 1))) to += 1;
  if (to === from) to = Math.min(from + 1, line.to);
  return { from, to };
}

function severityOf(diagnostic) {
  return diagnostic.severity === 'error' || diagnostic.severity === 'warning' ? diagnostic.severity : 'info';
}

export class Editor {
  constructor(root) {
    this.root = root;
    this.files = new Map(); // path -> {path, kind, state, saved, diagnostics}
    this.order = [];
    this.active = null;
    this.signature = '';
    this.validationSeq = 0;
    this.diagnostics = [];

    this.tabs = h('div', { class: 'file-tabs', role: 'tablist', 'data-testid': 'editor-tabs' });
    this.host = h('div', { class: 'cm-host', 'data-testid': 'editor' });
    this.status = h('div', { class: 'editor-status', 'data-testid': 'editor-status', role: 'status' });
    this.problemsBody = h('tbody');
    this.problemsTitle = h('span', null, 'Problems');
    this.problems = h('div', { class: 'problems', 'data-testid': 'problems' },
      h('div', { class: 'problems-head' }, this.problemsTitle),
      h('div', { class: 'problems-scroll' }, h('table', { class: 'grid', 'data-testid': 'problems-list' },
        h('colgroup', null, h('col', { class: 'sev' }), h('col', { class: 'where' }), h('col', { class: 'msg' })),
        h('thead', null, h('tr', null, h('th', null, ''), h('th', null, 'Where'), h('th', null, 'Message'))),
        this.problemsBody)));
    this.applyButton = h('button', { class: 'primary', 'data-testid': 'editor-apply', title: 'Apply the manifests to the running lab without saving (Ctrl+R in the editor)', onclick: () => this.apply() }, 'Apply');
    this.saveButton = h('button', { 'data-testid': 'editor-save', title: 'Save the modified files (Ctrl+S)', onclick: () => this.save() }, 'Save');
    root.append(
      h('div', { class: 'pane-head' }, h('span', { class: 'pane-title' }, 'Editor'), h('span', { class: 'grow' }), this.applyButton, this.saveButton),
      this.tabs, this.host, this.status, this.problems);

    this.view = new EditorView({ parent: this.host, state: EditorState.create({ doc: '', extensions: this.extensions() }) });
    this.validateSoon = debounce(() => this.validate(), VALIDATE_DELAY_MS);
    on('lab', () => this.syncFiles());
    this.renderProblems();
    this.renderTabs();
  }

  extensions() {
    return [
      basicSetup,
      yaml(),
      lintGutter(),
      // Hints stay over the editor: one over the topology hides what it is about.
      tooltips({ tooltipSpace: (view) => view.dom.getBoundingClientRect() }),
      syntaxHighlighting(highlight),
      editorTheme,
      EditorState.tabSize.of(2),
      keymap.of([
        { key: 'Mod-s', preventDefault: true, run: () => { this.save(); return true; } },
        { key: 'Mod-r', preventDefault: true, run: () => { this.apply(); return true; } },
      ]),
      EditorView.updateListener.of((update) => {
        if (!update.docChanged || !this.active) return;
        const file = this.files.get(this.active);
        if (!file) return;
        file.state = update.state;
        this.validateSoon();
        this.renderTabs();
      }),
    ];
  }

  // ---- files ----

  async syncFiles() {
    const list = (state.lab && state.lab.files) || [];
    const signature = JSON.stringify(list.map((f) => [f.path, f.kind]));
    if (signature === this.signature) return;
    this.signature = signature;
    // The scenario first, then the manifests, in the lab's order.
    const ordered = [...list.filter((f) => f.kind === 'scenario'), ...list.filter((f) => f.kind !== 'scenario')];
    const keep = new Map();
    await Promise.all(ordered.map(async (f) => {
      const old = this.files.get(f.path);
      if (old && this.isModified(old)) {
        keep.set(f.path, { ...old, kind: f.kind });
        return;
      }
      try {
        const answer = await api('GET', filePath(f.path));
        const text = answer && typeof answer.text === 'string' ? answer.text : '';
        keep.set(f.path, { path: f.path, kind: f.kind, saved: text, state: EditorState.create({ doc: text, extensions: this.extensions() }), diagnostics: [] });
      } catch (err) {
        notify(`Could not read ${f.path}: ${err.message}`, 'error');
      }
    }));
    this.files = keep;
    this.order = ordered.map((f) => f.path).filter((p) => keep.has(p));
    const next = this.order.includes(this.active) ? this.active : this.order[0] || null;
    this.active = null;
    if (next) this.select(next);
    else this.view.setState(EditorState.create({ doc: '', extensions: this.extensions() }));
    this.renderTabs();
    this.validate();
  }

  isModified(file) {
    return file.state.doc.toString() !== file.saved;
  }

  select(path) {
    if (this.active === path) return;
    const current = this.files.get(this.active);
    if (current) current.state = this.view.state;
    const file = this.files.get(path);
    if (!file) return;
    this.active = path;
    this.view.setState(file.state);
    this.renderTabs();
  }

  renderTabs() {
    clear(this.tabs);
    for (const path of this.order) {
      const file = this.files.get(path);
      const errors = this.diagnostics.filter((d) => d.file === path && d.severity === 'error').length;
      const modified = this.isModified(file);
      this.tabs.append(h('button', {
        class: `file-tab${path === this.active ? ' active' : ''}`,
        role: 'tab',
        'aria-selected': String(path === this.active),
        title: path,
        'data-testid': 'editor-tab',
        'data-path': path,
        'data-modified': modified ? 'true' : undefined,
        onclick: () => this.select(path),
      }, baseName(path), modified ? h('span', { class: 'modified', title: 'modified' }, ' ●') : null,
      errors ? h('span', { class: 'tab-errors', title: plural(errors, 'error') }, String(errors)) : null));
    }
    const anyModified = [...this.files.values()].some((f) => this.isModified(f));
    this.saveButton.disabled = !anyModified;
    this.saveButton.textContent = anyModified ? 'Save*' : 'Save';
  }

  texts(filter = () => true) {
    if (this.active && this.files.has(this.active)) this.files.get(this.active).state = this.view.state;
    return this.order.map((p) => this.files.get(p)).filter(filter).map((f) => ({ path: f.path, text: f.state.doc.toString() }));
  }

  // ---- diagnostics ----

  async validate() {
    const files = this.texts();
    if (!files.length) return;
    const seq = ++this.validationSeq;
    try {
      const answer = await api('POST', '/api/v1/validate', { files });
      if (seq !== this.validationSeq) return; // a newer check is on its way
      const stale = files.some((f) => this.files.has(f.path) && this.files.get(f.path).state.doc.toString() !== f.text);
      if (stale) return;
      this.showDiagnostics((answer && answer.diagnostics) || []);
    } catch (err) {
      if (seq === this.validationSeq) this.setStatus(`Could not check the files: ${err.message}`, 'error');
    }
  }

  showDiagnostics(diagnostics) {
    this.diagnostics = diagnostics;
    for (const file of this.files.values()) {
      const mine = diagnostics.filter((d) => d.file === file.path);
      const doc = file.state.doc;
      const cm = mine.map((d) => {
        const range = rangeOf(doc, d);
        return {
          from: range.from,
          to: range.to,
          severity: severityOf(d),
          source: d.code || undefined,
          message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
        };
      });
      if (file.path === this.active) {
        this.view.dispatch(setDiagnostics(this.view.state, cm));
        file.state = this.view.state;
      } else {
        file.state = file.state.update(setDiagnostics(file.state, cm)).state;
      }
    }
    this.renderProblems();
    this.renderTabs();
  }

  renderProblems() {
    clear(this.problemsBody);
    const list = [...this.diagnostics].sort((a, b) => {
      const rank = { error: 0, warning: 1, info: 2 };
      return (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3) || String(a.file).localeCompare(String(b.file)) || a.line - b.line;
    });
    const errors = list.filter((d) => d.severity === 'error').length;
    const warnings = list.filter((d) => d.severity === 'warning').length;
    this.problemsTitle.textContent = list.length ? `Problems — ${plural(errors, 'error')}, ${plural(warnings, 'warning')}` : 'Problems — none';
    this.problems.dataset.errors = String(errors);
    // Room for whole messages when there is something to read.
    this.problems.classList.toggle('has-problems', list.length > 0);
    this.problems.dataset.count = String(list.length);
    if (!list.length) {
      this.problemsBody.append(h('tr', null, h('td', { colspan: '3', class: 'muted' }, 'No problems')));
      return;
    }
    for (const d of list) {
      const severity = severityOf(d);
      this.problemsBody.append(h('tr', {
        class: `problem ${severity}`,
        'data-testid': 'problem-row',
        'data-file': d.file || '',
        'data-line': String(d.line || 0),
        'data-column': String(d.column || 0),
        'data-severity': severity,
        title: d.hint ? `hint: ${d.hint}` : '',
        onclick: () => this.reveal(d),
      },
      h('td', { class: `sev ${severity}` }, severity === 'error' ? '✖' : severity === 'warning' ? '▲' : 'ℹ'),
      h('td', { class: 'where', title: d.file || '' }, `${d.file ? baseName(d.file) : '?'}:${d.line || 0}:${d.column || 0}`),
      h('td', { class: 'msg', 'data-testid': 'problem-message' }, d.code ? h('span', { class: 'code' }, `${d.code} `) : null, d.message || '', d.hint ? h('span', { class: 'hint' }, ` — ${d.hint}`) : null)));
    }
  }

  /** Jumps to a diagnostic: its tab, its line and column. */
  reveal(d) {
    if (d.file && this.files.has(d.file)) this.select(d.file);
    const range = rangeOf(this.view.state.doc, d);
    this.view.dispatch({ selection: { anchor: range.from, head: range.to }, effects: EditorView.scrollIntoView(range.from, { y: 'center' }) });
    this.view.focus();
  }

  setStatus(text, kind = 'info') {
    this.status.textContent = text;
    this.status.dataset.kind = kind;
  }

  // ---- apply and save ----

  async apply() {
    if (!this.texts((f) => f.kind === 'manifest').length) {
      this.setStatus('No manifest files to apply.', 'warning');
      return;
    }
    // Every file goes, the scenario too: the lab applies the manifests and answers the same
    // validation as Problems shows, so the two counts are one (issue 14, item 6).
    const files = this.texts();
    this.applyButton.disabled = true;
    try {
      const answer = await api('POST', '/api/v1/apply', { files });
      const diagnostics = (answer && answer.diagnostics) || [];
      ++this.validationSeq; // this answer is the newest check
      this.showDiagnostics(diagnostics);
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      if (answer && answer.applied) {
        const text = `Applied: ${answer.change || 'no change'}`;
        this.setStatus(text, 'ok');
        notify(text);
      } else {
        const text = `Not applied: ${plural(errors, 'error')} (see Problems); the running configuration keeps serving`;
        this.setStatus(text, 'error');
        notify(text, 'error');
      }
      if (answer && answer.applied) this.validate();
    } catch (err) {
      this.setStatus(`Apply failed: ${err.message}`, 'error');
    } finally {
      this.applyButton.disabled = false;
    }
  }

  async save() {
    this.texts();
    const modified = this.order.map((p) => this.files.get(p)).filter((f) => this.isModified(f));
    if (!modified.length) {
      this.setStatus('Nothing to save.');
      return;
    }
    const saved = [];
    let reopenErrors = 0;
    for (const file of modified) {
      const text = file.state.doc.toString();
      try {
        const answer = await api('PUT', filePath(file.path), { text });
        file.saved = text;
        saved.push(file.path);
        // Saving the scenario re-opens the lab from it, which can fail on its errors.
        if (answer && Array.isArray(answer.diagnostics)) reopenErrors += answer.diagnostics.filter((d) => d.severity === 'error').length;
      } catch (err) {
        this.setStatus(`Could not save ${file.path}: ${err.message}`, 'error');
        this.renderTabs();
        return;
      }
    }
    const scenario = modified.some((f) => f.kind === 'scenario');
    let text = `Saved ${saved.map(baseName).join(', ')}${scenario ? '; the lab re-opens from the scenario' : ''}`;
    if (reopenErrors) text = `Saved ${saved.map(baseName).join(', ')}; the lab could not re-open: ${plural(reopenErrors, 'error')} (see Problems)`;
    this.setStatus(text, reopenErrors ? 'error' : 'ok');
    notify(text, reopenErrors ? 'error' : 'info');
    this.renderTabs();
    this.validate();
  }
}
