// Shared by the web lab's browser tests and the screenshot harness: starts a real
// `ingress-lab serve` on port 0 and finds its address in the line it prints, and launches
// Debian's chromium through playwright-core (resolved from app/web/ui/node_modules; no
// Playwright browser download).

import { spawn } from 'node:child_process';
import { existsSync, createReadStream, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import net from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const uiRequire = createRequire(new URL('../../app/web/ui/package.json', import.meta.url));

export const binary = path.resolve(repoRoot, process.env.ILAB_BINARY || 'build/ci/app/cli/ingress-lab');
export const chromiumPath = process.env.ILAB_CHROMIUM || '/usr/bin/chromium';

const WEB_LAB_LINE = /ingress-lab: web lab on (http:\/\/\S+)/;

/**
 * Starts `ingress-lab serve ARGS...` from the repository root and resolves once it printed
 * `ingress-lab: web lab on URL`. The URL's host is replaced by 127.0.0.1 when the lab binds
 * every address (0.0.0.0). stop() sends SIGTERM and waits for the exit.
 */
export async function startLab(args = ['scenarios/shop'], { admin = '127.0.0.1:0' } = {}) {
  if (!existsSync(binary)) {
    throw new Error(`no ingress-lab binary at ${binary}: build it (cmake --preset ci && cmake --build --preset ci) or set ILAB_BINARY`);
  }
  const release = await takeLabLock();
  try {
    return await spawnLab(args, admin, release);
  } catch (error) {
    release();
    throw error;
  }
}

// Labs on one machine no longer collide (each holds a pod network of its own, 127.N.0.0/16),
// but test files that node runs in parallel still take turns: the browser tests time clicks
// and redraws, and two labs under load at once make them flaky.
const LOCK = path.join(os.tmpdir(), 'ingress-lab-web-tests.lock');

function lockHolderAlive() {
  try {
    const pid = Number(readFileSync(path.join(LOCK, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

async function takeLabLock() {
  const deadline = Date.now() + 10 * 60 * 1000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(LOCK, { recursive: true, force: true });
      };
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      // A holder that died (or has not written its pid yet, for a moment) leaves the lock behind.
      if (!lockHolderAlive() && existsSync(path.join(LOCK, 'pid'))) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`waited 10 minutes for ${LOCK}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function spawnLab(args, admin, release) {
  const argv = ['serve', ...args, '--admin', admin, '--http', '127.0.0.1:0', '--https', '127.0.0.1:0'];
  const child = spawn(binary, argv, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const killOnExit = () => child.kill('SIGKILL'); // a test process that dies takes its lab along
  process.once('exit', killOnExit);
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ingress-lab serve printed no "web lab on" line in 30 s:\n${output}`)), 30000);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = output.match(WEB_LAB_LINE);
      if (/ILAB-CLUSTER-002: .*cannot listen on 127\.77\./.test(output)) {
        clearTimeout(timer);
        child.kill('SIGTERM');
        reject(new Error(`another lab holds the pods' addresses (stop the other ingress-lab serve):\n${output}`));
      } else if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => {
      output += chunk.toString();
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`ingress-lab serve exited (${code ?? signal}) before serving:\n${output}`));
    });
  });
  const parsed = new URL(url);
  if (parsed.hostname === '0.0.0.0' || parsed.hostname === '[::]') parsed.hostname = '127.0.0.1';
  const token = parsed.searchParams.get('token');
  parsed.search = '';
  const base = parsed.toString().replace(/\/$/, '');
  const port = Number(parsed.port);
  // ILAB_WEB_DIST: the pages come from that build of the UI, the API from the lab.
  const overlay = process.env.ILAB_WEB_DIST ? await serveOverlay(path.resolve(process.env.ILAB_WEB_DIST), port) : null;
  const pageBase = overlay ? `http://127.0.0.1:${overlay.address().port}` : base;
  return {
    url: token ? `${pageBase}/?token=${encodeURIComponent(token)}` : `${pageBase}/`,
    base,
    token,
    port,
    output: () => output,
    async stop() {
      if (overlay) {
        overlay.closeAllConnections();
        overlay.close();
      }
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', killOnExit);
      release();
    },
  };
}

/**
 * For trying a UI build against a binary that embeds an older one (ILAB_WEB_DIST=app/web/ui/dist):
 * serves that folder and passes /api/ (the WebSocket too) through to the lab unchanged, Host
 * header included, so the lab's token and Origin checks see what a browser would send them.
 */
function serveOverlay(dist, labPort) {
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
  const server = http.createServer((request, response) => {
    const pathname = new URL(request.url, 'http://x').pathname;
    if (pathname.startsWith('/api/')) {
      const upstream = http.request({ host: '127.0.0.1', port: labPort, path: request.url, method: request.method, headers: request.headers }, (answer) => {
        response.writeHead(answer.statusCode, answer.headers);
        answer.pipe(response);
      });
      upstream.on('error', () => response.destroy());
      request.pipe(upstream);
      return;
    }
    let file = path.join(dist, pathname === '/' ? 'index.html' : pathname);
    if (!file.startsWith(dist) || !existsSync(file)) file = path.join(dist, 'index.html');
    response.writeHead(200, { 'Content-Type': types[path.extname(file)] || 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  server.on('upgrade', (request, socket, head) => {
    const upstream = net.connect(labPort, '127.0.0.1', () => {
      const lines = [`${request.method} ${request.url} HTTP/1.1`];
      for (let i = 0; i < request.rawHeaders.length; i += 2) lines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const close = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', close);
    socket.on('error', close);
    upstream.on('close', close);
    socket.on('close', close);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function launchBrowser() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no chromium at ${chromiumPath}: apt-get install -y chromium (or set ILAB_CHROMIUM)`);
  }
  const { chromium } = uiRequire('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/** A page that records its console errors and uncaught exceptions (asserted by the tests). */
export async function openPage(browser, url, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, ...options });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') page.errors.push(`console: ${message.text()}`);
  });
  await page.goto(url);
  return page;
}

/** The line (1-based) of the first occurrence of text in a file of the repository. */
export async function lineOf(relativePath, text) {
  const { readFile } = await import('node:fs/promises');
  const lines = (await readFile(path.join(repoRoot, relativePath), 'utf8')).split('\n');
  const index = lines.findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`"${text}" is not in ${relativePath}`);
  return { line: index + 1, column: lines[index].indexOf(text) + 1 };
}

/**
 * Puts the editor's caret at the start of a line by clicking it. The line is brought into view
 * with the editor scrolled fully left, and the mouse pressed there: Playwright's own click
 * scrolls a line wider than the editor to its centre, leaving its start under the gutter.
 */
export async function clickLineStart(line) {
  for (let attempt = 0; ; attempt += 1) {
    await line.evaluate(async (element) => {
      element.scrollIntoView({ block: 'center' });
      element.closest('.cm-scroller').scrollLeft = 0;
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    });
    const hit = await line.evaluate((element) => {
      const box = element.getBoundingClientRect();
      const point = { x: box.left + 4, y: box.top + box.height / 2 };
      return element.contains(document.elementFromPoint(point.x, point.y)) ? point : null;
    });
    if (hit) {
      await line.page().mouse.click(hit.x, hit.y);
      return;
    }
    if (attempt === 20) throw new Error('the line never came into view to be clicked');
    await line.page().waitForTimeout(100);
  }
}
