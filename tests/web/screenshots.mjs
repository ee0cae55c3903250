// Renders the web lab's images in docs/images from a real lab in headless chromium:
//   node tests/web/screenshots.mjs            (ILAB_BINARY picks the binary, as for the tests)
// At a laptop's 1366×768, light, as a first-time user sees the lab:
//   web-main.png      the main view under traffic, with a fault on the storefront
//   web-editor.png    the editor with a typo marked inline and in Problems
//   web-composer.png  a composed request: the headers at each hop, its trace, its path outlined
// At 1920×1080, dark:
//   web-dark.png      the scenario playing, its expectations turning pass or fail
// At 1366×768, light, scenarios/side-by-side:
//   web-side-by-side.png  ingress-nginx and the spec-only controller on the same pods
// ILAB_SHOTS_ALL=1 also renders the main view in the other size and theme (1920×1080 light,
// 1366×768 dark) into the system's temporary folder, to look at before a release; the docs
// show only the four above.

import os from 'node:os';
import path from 'node:path';
import { startLab, launchBrowser, openPage, repoRoot, clickLineStart } from './lab.mjs';

const out = (name) => path.join(repoRoot, 'docs/images', name);
const LAPTOP = { width: 1366, height: 768 };
const DESKTOP = { width: 1920, height: 1080 };

async function waitForPoints(page, testid, points) {
  await page.waitForFunction(([id, n]) => Number(document.querySelector(`[data-testid="${id}"]`).dataset.points) >= n,
    [testid, points], { timeout: 60000 });
}

// serve starts the traffic on open; Start only if it did not.
async function startTraffic(page) {
  await page.locator('[data-testid="node"][data-kind="pod"]').first().waitFor();
  const start = page.locator('[data-testid="traffic-start"]');
  if (await start.isEnabled()) await start.click();
  await page.locator('#app[data-traffic="running"]').waitFor();
}

const withQuery = (url, query) => `${url}${url.includes('?') ? '&' : '?'}${query}`;

const lab = await startLab(['scenarios/shop']);
const browser = await launchBrowser();
try {
  // The main view: traffic, then 500s for half the storefront's requests.
  const page = await openPage(browser, withQuery(lab.url, 'tab=plots'), { viewport: LAPTOP, colorScheme: 'light' });
  await startTraffic(page);
  await waitForPoints(page, 'plot-status', 6);
  await page.locator('[data-testid="node"][data-id="svc:shop/storefront"]').click();
  await page.locator('[data-testid="fault-status-500"]').click();
  await waitForPoints(page, 'plot-status', 14);
  await page.waitForFunction(() => document.querySelector('[data-testid="node"][data-id="svc:shop/storefront"]').dataset.health !== 'healthy');
  await page.screenshot({ path: out('web-main.png') });

  // The editor: a typo in manifests.yaml, marked inline and listed in Problems.
  await page.click('[data-testid="editor-tab"][data-path="manifests.yaml"]');
  await clickLineStart(page.locator('.cm-content .cm-line', { hasText: 'pathType: Prefix' }).first());
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
  await clickLineStart(page.locator('.cm-content .cm-line').first());
  await page.keyboard.press('Control+z');

  // The composer: the /api rewrite, the headers at each hop and its trace.
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

  // Other sizes and themes of the main view, to look at (not in the docs).
  if (process.env.ILAB_SHOTS_ALL) {
    for (const [size, scheme] of [[DESKTOP, 'light'], [LAPTOP, 'dark']]) {
      const other = await openPage(browser, withQuery(lab.url, 'tab=plots'), { viewport: size, colorScheme: scheme });
      await startTraffic(other);
      await waitForPoints(other, 'plot-status', 8);
      const file = path.join(os.tmpdir(), `web-main-${size.width}-${scheme}.png`);
      await other.screenshot({ path: file });
      console.log(`wrote ${file}`);
      await other.close();
    }
  }

  // Dark, on a large screen: the scenario playing on its own lab.
  const dark = await openPage(browser, withQuery(lab.url, 'tab=scenario'), { viewport: DESKTOP, colorScheme: 'dark' });
  await dark.locator('[data-testid="node"][data-kind="pod"]').first().waitFor();
  await dark.click('[data-testid="scenario-play"]');
  await dark.waitForFunction(() => Number(document.querySelector('[data-testid="scenario-progress"]').dataset.elapsed) >= 8, null, { timeout: 60000 });
  await dark.screenshot({ path: out('web-dark.png') });
  console.log(`wrote ${['web-main.png', 'web-editor.png', 'web-composer.png', 'web-dark.png'].map((f) => `docs/images/${f}`).join(', ')}`);
} finally {
  await browser.close();
  await lab.stop();
}

// Two controllers side by side on the same pods: a node each, the spec-only one's 404s.
await sideBySide();

async function sideBySide() {
  const twoLab = await startLab(['scenarios/side-by-side']);
  const twoBrowser = await launchBrowser();
  try {
    const page = await openPage(twoBrowser, withQuery(twoLab.url, 'tab=plots'), { viewport: LAPTOP, colorScheme: 'light' });
    await startTraffic(page);
    await waitForPoints(page, 'plot-status', 8);
    await page.screenshot({ path: out('web-side-by-side.png') });
    console.log('wrote docs/images/web-side-by-side.png');
  } finally {
    await twoBrowser.close();
    await twoLab.stop();
  }
}
