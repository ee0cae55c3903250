// The topology's layout and the figures' formatting: pure functions of the web UI, no server.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutColumns, spaceOut, travelSeconds, edgeCurve, pointAt, yAtX, COLUMN_PITCH } from '../../app/web/ui/src/layout.js';
import { formatRate, formatMs, formatPercent, statusClass, headerPairs, splitNodeId, edgeFigures, plural, rollingShare } from '../../app/web/ui/src/util.js';

const graph = {
  nodes: [
    { id: 'client', kind: 'client' },
    { id: 'controller', kind: 'controller' },
    { id: 'rule:a', kind: 'rule' },
    { id: 'svc:ns/a', kind: 'service' },
    { id: 'pod:ns/a1', kind: 'pod' },
    { id: 'pod:ns/a2', kind: 'pod' },
    { id: 'rule:b', kind: 'rule' },
    { id: 'svc:ns/b', kind: 'service' },
    { id: 'pod:ns/b1', kind: 'pod' },
    { id: 'pod:ns/b2', kind: 'pod' },
    { id: 'pod:ns/stray', kind: 'pod' },
  ],
  edges: [
    { from: 'client', to: 'controller' },
    { from: 'controller', to: 'rule:a' },
    { from: 'controller', to: 'rule:b' },
    { from: 'rule:a', to: 'svc:ns/a' },
    { from: 'rule:b', to: 'svc:ns/b' },
    { from: 'svc:ns/a', to: 'pod:ns/a1' },
    { from: 'svc:ns/a', to: 'pod:ns/a2' },
    { from: 'svc:ns/b', to: 'pod:ns/b1' },
    { from: 'svc:ns/b', to: 'pod:ns/b2' },
  ],
};

test('nodes go in columns by kind, in the graph\'s order within each', () => {
  const at = layoutColumns(graph);
  assert.equal(at.get('client').x, 0);
  assert.equal(at.get('controller').x, COLUMN_PITCH);
  assert.equal(at.get('rule:a').x, 2 * COLUMN_PITCH);
  assert.equal(at.get('svc:ns/a').x, 3 * COLUMN_PITCH);
  assert.equal(at.get('pod:ns/a1').x, 4 * COLUMN_PITCH);
  const pods = ['pod:ns/a1', 'pod:ns/a2', 'pod:ns/b1', 'pod:ns/b2', 'pod:ns/stray'].map((id) => at.get(id).y);
  assert.deepEqual([...pods].sort((a, b) => a - b), pods);
});

test('the rightmost column is centred and a parent sits at the middle of its children', () => {
  const at = layoutColumns(graph);
  const pods = ['pod:ns/a1', 'pod:ns/a2', 'pod:ns/b1', 'pod:ns/b2', 'pod:ns/stray'].map((id) => at.get(id).y);
  assert.ok(Math.abs(pods[0] + pods[pods.length - 1]) < 1e-9, 'pods centred on 0');
  const middle = (a, b) => (at.get(a).y + at.get(b).y) / 2;
  assert.ok(Math.abs(at.get('svc:ns/a').y - middle('pod:ns/a1', 'pod:ns/a2')) < 1e-9);
  assert.ok(Math.abs(at.get('svc:ns/b').y - middle('pod:ns/b1', 'pod:ns/b2')) < 1e-9);
  assert.equal(at.get('rule:a').y, at.get('svc:ns/a').y);
  assert.equal(at.get('client').y, at.get('controller').y);
});

test('a stray pod (no Service selects it) is set apart below the routed ones', () => {
  const at = layoutColumns(graph);
  const routedGap = at.get('pod:ns/b2').y - at.get('pod:ns/b1').y;
  const strayGap = at.get('pod:ns/stray').y - at.get('pod:ns/b2').y;
  assert.ok(strayGap > routedGap);
});

test('Services that would collide are pushed apart, keeping their order', () => {
  const crowded = { nodes: graph.nodes.filter((n) => n.id !== 'pod:ns/b2'), edges: graph.edges.filter((e) => e.to !== 'pod:ns/b2') };
  const at = layoutColumns(crowded);
  assert.ok(at.get('svc:ns/b').y - at.get('svc:ns/a').y >= 68 - 1e-9);
});

test('spaceOut keeps order and pitch, moving colliding blocks to their mean', () => {
  assert.deepEqual(spaceOut([0, 0], 10), [-5, 5]);
  assert.deepEqual(spaceOut([0, 100], 10), [0, 100]);
  const ys = spaceOut([5, 0, 0], 10);
  assert.ok(ys[1] - ys[0] >= 10 - 1e-9 && ys[2] - ys[1] >= 10 - 1e-9);
});

test('dots travel 0.6 s at least and 3 s at most, slower for slower answers', () => {
  assert.equal(travelSeconds(0), 0.6);
  assert.ok(travelSeconds(100) > travelSeconds(10));
  assert.equal(travelSeconds(1e9), 3);
  assert.ok(Math.abs(travelSeconds(90) - 1.4) < 1e-9);
});

test('edges run from the right side of a node to the left side of the next', () => {
  const p = edgeCurve({ x: 0, y: 0 }, { x: 400, y: 100 }, 'service', 'pod');
  assert.deepEqual(pointAt(p, 0), p[0]);
  assert.deepEqual(pointAt(p, 1), p[3]);
  assert.ok(p[0].x > 0 && p[3].x < 400);
  assert.ok(Math.abs(yAtX(p, p[0].x + 1)) < 1);
});

test('figures read as the studio prints them', () => {
  assert.equal(formatRate(12.34), '12.3/s');
  assert.equal(formatRate(250), '250/s');
  assert.equal(formatRate(12345), '12.3k/s');
  assert.equal(formatMs(5.67), '5.7ms');
  assert.equal(formatMs(21.4), '21ms');
  assert.equal(formatMs(2100), '2.1s');
  assert.equal(formatPercent(0), '0%');
  assert.equal(formatPercent(9.7), '9.7%');
  assert.equal(formatPercent(10.05586592178771), '10.1%');
  assert.equal(formatPercent(100), '100%');
  assert.equal(statusClass(503), 5);
  assert.equal(statusClass(0), 0);
  assert.deepEqual(headerPairs([['Host', 'a']]), [['Host', 'a']]);
  assert.deepEqual(headerPairs({ Host: 'a', 'X-A': ['1', '2'] }), [['Host', 'a'], ['X-A', '1'], ['X-A', '2']]);
  assert.deepEqual(splitNodeId('pod:shop/catalog-1'), { namespace: 'shop', name: 'catalog-1' });
});

// Issue 14, item 7: "63.4/s · 0%" on an edge whose answers were 88% 404.
test('edge figures name each error class that occurs, 4xx as well as 5xx', () => {
  assert.deepEqual(edgeFigures({ rate: 63.4, errorPercent: 0, clientErrorPercent: 88, p99Ms: 8.3 }), ['63.4/s · p99 8.3ms', '4xx 88%']);
  assert.deepEqual(edgeFigures({ rate: 9.8, errorPercent: 55.1, clientErrorPercent: 0, p99Ms: 12 }), ['9.8/s · p99 12ms', '5xx 55.1%']);
  assert.deepEqual(edgeFigures({ rate: 12, errorPercent: 2, clientErrorPercent: 3, p99Ms: 40 }), ['12.0/s · p99 40ms', '5xx 2% · 4xx 3%']);
  assert.deepEqual(edgeFigures({ rate: 80, errorPercent: 0, clientErrorPercent: 0, p99Ms: 34 }), ['80.0/s · p99 34ms']);
});

test('counts read as English: 1 request, 2 requests, 1,200 requests', () => {
  assert.equal(plural(1, 'request'), '1 request');
  assert.equal(plural(0, 'error'), '0 errors');
  assert.equal(plural(1200, 'request'), '1,200 requests');
  assert.equal(plural(1, 'ready endpoint'), '1 ready endpoint');
});

// Per second, 8 canary requests of 80 swing between 0% and 13%; ten seconds hold still.
test('the observed canary share is a rolling window of ten seconds', () => {
  const canary = [1, 0, 1, 1, 0, 2, 1, 0, 1, 1, 2, 0];
  const main = canary.map((c) => 8 - c);
  const at = (list) => (t) => (t >= 0 && t < list.length ? list[t] : 0);
  assert.equal(rollingShare(9, at(canary), at(main)), 100 * 8 / 80);
  assert.equal(rollingShare(11, at(canary), at(main)), 100 * 9 / 80);
  assert.equal(rollingShare(0, at(canary), at(main)), 100 * 1 / 8);
  assert.equal(rollingShare(30, at(canary), at(main)), null);
});
