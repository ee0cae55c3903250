// The first view of a new user (issue 14, items 9 to 12) on a laptop's screen, 1366×768: the
// traffic already flowing, the whole topology in view with names readable and apart, plot
// legends that tell their series apart, an editor wide enough for its tabs, and the composer's
// header tables in view. Then `serve --no-traffic` opens idle.
// Run from the repository root: node --test tests/web/ (ILAB_BINARY picks the binary).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, launchBrowser, openPage } from './lab.mjs';

const LAPTOP = { width: 1366, height: 768 };
const MIN_TEXT_PX = 11; // readable at 100% zoom

let lab;
let browser;
let page;

before(async () => {
  lab = await startLab(['scenarios/shop']);
  browser = await launchBrowser();
  page = await openPage(browser, `${lab.url}?tab=plots`, { viewport: LAPTOP });
  await page.locator('[data-testid="node"][data-kind="pod"]').first().waitFor();
});

after(async () => {
  if (browser) await browser.close();
  if (lab) await lab.stop();
});

/** Pairs of boxes (with their names) that overlap by more than a pixel. */
function overlapsIn(boxes) {
  const found = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
    const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (x > 1 && y > 1) found.push(`${a.name} / ${b.name}`);
  }));
  return found;
}

test('serve starts the traffic on open: requests flow without pressing Start', { timeout: 30000 }, async () => {
  await page.locator('#app[data-traffic="running"]').waitFor({ timeout: 15000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="flow-canvas"]').dataset.started) > 0);
  assert.ok(await page.locator('[data-testid="traffic-start"]').isDisabled());
});

/** Where the topology's shapes, names and edge labels are on the screen, and their sizes. */
function measureTopology() {
  return page.evaluate(() => {
    const topology = document.querySelector('[data-testid="topology"]').getBoundingClientRect();
    const box = (el, name) => {
      const r = el.getBoundingClientRect();
      return { name, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    };
    const nodes = [...document.querySelectorAll('[data-testid="node"]')];
    const names = [];
    for (const node of nodes) for (const text of node.querySelectorAll('text.label, text.caption')) names.push(box(text, `${node.dataset.id} "${text.textContent}"`));
    const shapes = nodes.map((node) => box(node.querySelector('.frame'), node.dataset.id));
    const labels = [...document.querySelectorAll('[data-testid="edge-label"]')].filter((l) => l.getAttribute('display') !== 'none')
      .map((l) => box(l.querySelector('rect'), l.dataset.text));
    const fontPx = (el) => parseFloat(getComputedStyle(el).fontSize) * el.getScreenCTM().a;
    return {
      topology: { left: topology.left, right: topology.right, top: topology.top, bottom: topology.bottom },
      names,
      shapes,
      labels,
      smallestName: Math.min(...nodes.map((n) => fontPx(n.querySelector('text.label')))),
      smallestEdgeLabel: Math.min(...[...document.querySelectorAll('[data-testid="edge-label"] text')].map(fontPx)),
      titles: nodes.map((n) => ({ label: n.dataset.label, title: n.querySelector('title').textContent, shown: n.querySelector('text.label').textContent, kind: n.dataset.kind })),
    };
  });
}

function assertReadable(view) {
  const inside = (b) => b.left >= view.topology.left && b.right <= view.topology.right && b.top >= view.topology.top && b.bottom <= view.topology.bottom;
  assert.deepEqual([...view.shapes, ...view.names, ...view.labels].filter((b) => !inside(b)).map((b) => b.name), [], 'everything in view');
  assert.ok(view.smallestName >= MIN_TEXT_PX, `node names at ${view.smallestName.toFixed(1)} px`);
  assert.ok(view.smallestEdgeLabel >= MIN_TEXT_PX, `edge labels at ${view.smallestEdgeLabel.toFixed(1)} px`);
  assert.deepEqual(overlapsIn(view.names), [], 'node names apart');
  assert.deepEqual(overlapsIn(view.labels), [], 'edge labels apart');
  assert.deepEqual(overlapsIn([...view.labels, ...view.names, ...view.shapes]), [], 'edge labels off the nodes');
}

test('the topology fits the view with names of readable size, apart and whole on hover', { timeout: 60000 }, async () => {
  // Edge labels with figures, so that their places are final.
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="edge-label"]')].filter((l) => /p99/.test(l.dataset.text || '')).length >= 10);
  const view = await measureTopology();
  assertReadable(view);
  for (const node of view.titles) assert.ok(node.title.includes(node.label), `${node.label}'s tooltip: ${node.title}`);
  // Pods keep their whole names (never "catalog-c7...4d9-dswgh").
  for (const pod of view.titles.filter((n) => n.kind === 'pod')) assert.equal(pod.shown, pod.label);

  // Errors make the labels longer: 500s for half the storefront's requests.
  const fault = await page.request.post(new URL('/api/v1/faults', lab.url).toString(),
    { data: { kind: 'status', status: 500, probability: 0.5, target: { kind: 'service', namespace: 'shop', name: 'storefront' } } });
  assert.equal(fault.status(), 201);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="edge-label"]')].filter((l) => /5xx/.test(l.dataset.text || '')).length >= 4, null, { timeout: 20000 });
  // Two more rounds of figures (their labels placed anew), and the storefront pods' badges.
  const updates = await page.locator('[data-testid="topology-svg"]').getAttribute('data-stats-updates');
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="topology-svg"]').dataset.statsUpdates) >= n + 2, Number(updates));
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="node"][data-kind="pod"][data-label^="storefront-"]')]
    .every((pod) => Number(pod.dataset.faults) > 0));
  assertReadable(await measureTopology());
  const { id } = await fault.json();
  assert.equal((await page.request.delete(new URL(`/api/v1/faults/${id}`, lab.url).toString())).status(), 204);
});

test('plot legends show each series\' colour: p50, p95 and p99 apart', { timeout: 30000 }, async () => {
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="plot-latency"]').dataset.points) > 0);
  const markers = await page.$$eval('[data-testid="plot-latency"] .u-legend .u-series', (rows) => rows.filter((row) => /p\d\d/.test(row.textContent)).map((row) => {
    const m = row.querySelector('.u-marker');
    const style = getComputedStyle(m);
    const r = m.getBoundingClientRect();
    return { width: r.width, height: r.height, colour: style.borderBottomColor, line: parseFloat(style.borderBottomWidth) };
  }));
  assert.equal(markers.length, 3);
  for (const m of markers) assert.ok(m.width >= 10 && m.line >= 2, `marker ${JSON.stringify(m)}`);
  assert.equal(new Set(markers.map((m) => m.colour)).size, 3, 'three colours');
  // The canary plot says its observed share is a rolling window.
  assert.match(await page.locator('[data-testid="plot-canary"] .u-title').textContent(), /last 10 s/);
  assert.match(await page.locator('[data-testid="plot-canary"] .u-legend').textContent(), /observed \(10 s\)/);
});

test('the editor is wide enough for its file tabs', { timeout: 30000 }, async () => {
  const tabs = await page.$$eval('[data-testid="editor-tab"]', (list) => list.map((t) => ({ name: t.dataset.path, right: t.getBoundingClientRect().right })));
  const pane = await page.locator('#editor-pane').boundingBox();
  assert.equal(tabs.length, 3);
  assert.ok(pane.width >= 340, `editor ${pane.width} px wide`);
  for (const tab of tabs) assert.ok(tab.right <= pane.x + pane.width, `${tab.name} cut at the editor's edge`);
});

test('the composer shows the headers at each hop without scrolling', { timeout: 30000 }, async () => {
  await page.click('[data-testid="tab-composer"]');
  await page.fill('[data-testid="composer-url"]', 'https://api.shop.local/api/items?page=2');
  await page.click('[data-testid="composer-send"]');
  await page.locator('[data-testid="composer-headers-received"] td').first().waitFor({ timeout: 20000 });
  const result = await page.locator('[data-testid="composer-result"]').boundingBox();
  for (const id of ['composer-headers-sent', 'composer-headers-rewritten', 'composer-headers-received']) {
    const first = await page.locator(`[data-testid="${id}"] tr`).first().boundingBox();
    assert.ok(first.y + first.height <= result.y + result.height, `${id}'s first row below the fold`);
  }
});

test('serve --no-traffic opens idle', { timeout: 60000 }, async () => {
  await browser.close();
  await lab.stop();
  lab = await startLab(['scenarios/shop', '--no-traffic']);
  browser = await launchBrowser();
  page = await openPage(browser, lab.url, { viewport: LAPTOP });
  await page.locator('[data-testid="node"][data-kind="pod"]').first().waitFor();
  // serve decides before it prints where it listens: the state the header shows is final.
  await page.locator('#app[data-traffic]').waitFor();
  assert.equal(await page.locator('#app').getAttribute('data-traffic'), 'stopped');
  const info = await (await page.request.get(new URL('/api/v1/lab', lab.url).toString())).json();
  assert.equal(info.traffic.running, false);
  assert.ok(await page.locator('[data-testid="traffic-start"]').isEnabled());
});
