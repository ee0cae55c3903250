// Renders the web lab's images in docs/images from a real lab in headless chromium:
//   node tests/web/screenshots.mjs            (ILAB_BINARY picks the binary, as for the tests)
// web-main.png      the main view under traffic, with a fault on the storefront
// web-editor.png    the editor with a typo marked inline and in Problems
// web-composer.png  a composed request with its trace and its path outlined
// web-dark.png      the dark theme while the scenario plays

import path from 'node:path';
import { startLab, launchBrowser, openPage, repoRoot } from './lab.mjs';

const out = (name) => path.join(repoRoot, 'docs/images', name);
const SIZE = { width: 1600, height: 1000 };

async function waitForPoints(page, testid, points) {
  await page.waitForFunction(([id, n]) => Number(document.querySelector(`[data-testid="${id}"]`).dataset.points) >= n,
    [testid, points], { timeout: 60000 });
}

async function startTraffic(page) {
  await page.locator('[data-testid="node"][data-kind="pod"]').first().waitFor();
  const start = page.locator('[data-testid="traffic-start"]');
  if (await start.isEnabled()) await start.click();
  await page.locator('#app[data-traffic="running"]').waitFor();
}

const lab = await startLab(['scenarios/shop']);
const browser = await launchBrowser();
try {
  // The main view: traffic, then 500s for half the storefront's requests.
  const page = await openPage(browser, `${lab.url}${lab.url.includes('?') ? '&' : '?'}tab=plots`, { viewport: SIZE, colorScheme: 'light' });
  await startTraffic(page);
  await waitForPoints(page, 'plot-status', 6);
  await page.locator('[data-testid="node"][data-id="svc:shop/storefront"]').click();
  await page.locator('[data-testid="fault-status-500"]').click();
  await waitForPoints(page, 'plot-status', 14);
  await page.waitForFunction(() => document.querySelector('[data-testid="node"][data-id="svc:shop/storefront"]').dataset.health !== 'healthy');
  await page.screenshot({ path: out('web-main.png') });

  // The editor: a typo in manifests.yaml, marked inline and listed in Problems.
  await page.click('[data-testid="editor-tab"][data-path="manifests.yaml"]');
  await page.locator('.cm-content .cm-line', { hasText: 'pathType: Prefix' }).first().click({ position: { x: 4, y: 4 } });
  await page.keyboard.press('End');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('x');
  await page.locator('[data-testid="problem-row"][data-severity="error"]').first().waitFor({ timeout: 20000 });
  await page.click('[data-testid="tab-requests"]');
  await page.selectOption('[data-testid="filter-status"]', '5');
  await page.locator('[data-testid="request-row"]').first().waitFor();
  await page.locator('[data-testid="request-row"]').last().click();
  await page.locator('.cm-lintRange-error').first().hover();
  await page.locator('.cm-tooltip-lint').waitFor();
  await page.screenshot({ path: out('web-editor.png') });
  await page.locator('.cm-content').click({ position: { x: 4, y: 4 } });
  await page.keyboard.press('Control+z');

  // The composer: the /api rewrite, its trace and the headers at each hop (a taller panel).
  await page.evaluate(() => document.documentElement.style.setProperty('--bottom-h', '440px'));
  await page.click('[data-testid="tab-composer"]');
  await page.fill('[data-testid="composer-url"]', 'https://api.shop.local/api/items?page=2');
  await page.locator('[data-testid="composer-header-name"]').first().fill('X-Canary');
  await page.locator('[data-testid="composer-header-value"]').first().fill('never');
  await page.click('[data-testid="composer-send"]');
  await page.locator('[data-testid="trace-step"]').first().waitFor({ timeout: 20000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="topology-svg"]').dataset.highlighted) >= 5);
  await page.screenshot({ path: out('web-composer.png') });
  await page.click('[data-testid="tab-faults"]');
  await page.click('[data-testid="faults-clear-all"]');
  await page.locator('[data-testid="fault-row"]').first().waitFor({ state: 'detached' });

  // Dark: the scenario playing on its own lab.
  const dark = await openPage(browser, `${lab.url}${lab.url.includes('?') ? '&' : '?'}tab=scenario`, { viewport: SIZE, colorScheme: 'dark' });
  await dark.locator('[data-testid="node"][data-kind="pod"]').first().waitFor();
  await dark.click('[data-testid="scenario-play"]');
  await dark.waitForFunction(() => Number(document.querySelector('[data-testid="scenario-progress"]').dataset.elapsed) >= 8, null, { timeout: 60000 });
  await dark.screenshot({ path: out('web-dark.png') });
  console.log(`wrote ${['web-main.png', 'web-editor.png', 'web-composer.png', 'web-dark.png'].map((f) => `docs/images/${f}`).join(', ')}`);
} finally {
  await browser.close();
  await lab.stop();
}
