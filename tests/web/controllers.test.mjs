// Several controllers in one web lab (scenarios/side-by-side): each is its own node in front
// of the same rules, Services and pods, requests flow through the controller that answered,
// the header says where each listens and a request's details name its controller.
// Run from the repository root: node --test tests/web/ (ILAB_BINARY picks the binary).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLab, launchBrowser, openPage } from './lab.mjs';

let lab;
let browser;
let page;

before(async () => {
  lab = await startLab(['scenarios/side-by-side']);
  browser = await launchBrowser();
  page = await openPage(browser, `${lab.url}?tab=requests`, { viewport: { width: 1366, height: 768 } });
  await page.locator('[data-testid="node"][data-kind="pod"]').first().waitFor();
});

after(async () => {
  if (browser) await browser.close();
  if (lab) await lab.stop();
});

test('each controller is a node of its own with edges to the rules it serves', { timeout: 30000 }, async () => {
  const controllers = await page.locator('[data-testid="node"][data-kind="controller"]').evaluateAll(
    (nodes) => nodes.map((n) => n.dataset.id));
  assert.deepEqual(controllers, ['controller', 'controller:spec']);
  const answer = await fetch(`${lab.base}/api/v1/topology`, { headers: lab.token ? { Authorization: `Bearer ${lab.token}` } : {} });
  assert.equal(answer.status, 200);
  const graph = await answer.json();
  const rulesOf = (from) => graph.edges.filter((e) => e.from === from).map((e) => e.to).sort();
  assert.deepEqual(rulesOf('controller'), rulesOf('controller:spec'));
  assert.equal(rulesOf('controller').length, 3);
});

test('the header lists where each controller listens', { timeout: 30000 }, async () => {
  const text = await page.locator('[data-testid="listeners"]').textContent();
  assert.match(text, /^nginx: HTTP :\d+, HTTPS :\d+ · spec: HTTP :\d+, HTTPS :\d+$/);
});

test('a request the spec-only controller answered names it and flows through its node', { timeout: 30000 }, async () => {
  await page.locator('#app[data-traffic="running"]').waitFor({ timeout: 15000 });
  await page.selectOption('[data-testid="filter-status"]', '4');
  const row = page.locator('[data-testid="request-row"]').first();
  await row.waitFor({ timeout: 15000 });
  await row.dispatchEvent('click');
  const details = page.locator('[data-testid="request-details"]');
  await details.locator('dd', { hasText: /^spec$/ }).waitFor({ timeout: 10000 });
  // Its path in the topology: the client, then the spec controller's node.
  const path = await details.locator('ol.path li').evaluateAll((items) => items.map((li) => li.title));
  assert.deepEqual(path.slice(0, 2), ['client', 'controller:spec']);
});
