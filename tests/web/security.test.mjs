// The web lab off loopback: every /api/ call needs the token `serve` prints, the page passes it
// on from its own URL, and a WebSocket upgrade from another origin is refused.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { startLab, launchBrowser, openPage } from './lab.mjs';

let lab;

before(async () => {
  lab = await startLab(['scenarios/shop'], { admin: '0.0.0.0:0' });
});

after(async () => {
  if (lab) await lab.stop();
});

/** A WebSocket upgrade by hand: resolves to the status the server answered (101 if it upgraded). */
function upgrade(path, origin) {
  return new Promise((resolve, reject) => {
    const headers = {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      Host: `127.0.0.1:${lab.port}`,
    };
    if (origin) headers.Origin = origin;
    const request = http.request({ host: '127.0.0.1', port: lab.port, path, headers });
    request.setTimeout(10000, () => request.destroy(new Error('no answer to the upgrade')));
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode);
    });
    request.on('response', (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', reject);
    request.end();
  });
}

test('serve off loopback prints a token URL', () => {
  assert.ok(lab.token, `no ?token= in the printed URL:\n${lab.output()}`);
  assert.ok(lab.token.length >= 16, 'the token is too short to be a secret');
});

test('GET /api/v1/lab needs the token: 401 without, 200 with it as Bearer or ?token=', async () => {
  const without = await fetch(`${lab.base}/api/v1/lab`);
  assert.equal(without.status, 401);
  const body = await without.json();
  assert.equal(typeof body.error, 'string');

  const wrong = await fetch(`${lab.base}/api/v1/lab`, { headers: { Authorization: 'Bearer not-the-token' } });
  assert.equal(wrong.status, 401);

  const bearer = await fetch(`${lab.base}/api/v1/lab`, { headers: { Authorization: `Bearer ${lab.token}` } });
  assert.equal(bearer.status, 200);
  assert.equal((await bearer.json()).scenario.name, 'shop');

  const query = await fetch(`${lab.base}/api/v1/lab?token=${encodeURIComponent(lab.token)}`);
  assert.equal(query.status, 200);
});

test('a WebSocket upgrade from a foreign Origin is refused, from the lab\'s own origin accepted', async () => {
  const path = `/api/v1/stream?token=${encodeURIComponent(lab.token)}`;
  assert.equal(await upgrade(path, 'http://evil.example'), 403);
  assert.equal(await upgrade(path, `http://127.0.0.1:${lab.port + 1}`), 403);
  assert.equal(await upgrade(path, `http://127.0.0.1:${lab.port}`), 101);
  assert.equal(await upgrade('/api/v1/stream', `http://127.0.0.1:${lab.port}`), 401);
});

test('the page sends the token from its URL, and says so when it has none', { timeout: 60000 }, async () => {
  const browser = await launchBrowser();
  try {
    const page = await openPage(browser, lab.url);
    await page.locator('[data-testid="node"][data-id="svc:shop/catalog"]').waitFor({ timeout: 20000 });
    await page.locator('[data-testid="connection-status"][data-state="open"]').waitFor();

    const bare = await openPage(browser, `${lab.base}/`);
    await bare.locator('[data-testid="disconnected-banner"]').waitFor({ timeout: 20000 });
    assert.match(await bare.locator('[data-testid="disconnected-banner"]').textContent(), /token/);
    assert.equal(await bare.locator('[data-testid="node"]').count(), 0);
  } finally {
    await browser.close();
  }
});
