// The page's state, as the stream and the API report it, with a tiny publish/subscribe and a
// per-animation-frame scheduler: stream messages only update state and mark views dirty; each
// view redraws at most once a frame, so a burst of messages never blocks a click or a key.

export const state = {
  lab: null, // Lab
  graph: { nodes: [], edges: [] },
  faults: [], // active Fault
  history: [], // every Fault, with since/until
  stats: null, // the latest stats message
  connection: 'connecting',
  eventsSeen: 0,
  eventsDropped: 0,
};

const listeners = new Map();

export function on(type, fn) {
  if (!listeners.has(type)) listeners.set(type, []);
  listeners.get(type).push(fn);
}

export function emit(type, payload) {
  for (const fn of listeners.get(type) || []) {
    try {
      fn(payload);
    } catch (err) {
      console.error(`ingress-lab: a "${type}" listener failed`, err);
    }
  }
}

const dirty = new Set();
let scheduled = false;

function flush() {
  scheduled = false;
  const work = [...dirty];
  dirty.clear();
  for (const fn of work) {
    try {
      fn();
    } catch (err) {
      console.error('ingress-lab: a redraw failed', err);
    }
  }
}

/** Runs fn once at the next animation frame, however often it is asked for before then. */
export function schedule(fn) {
  dirty.add(fn);
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(flush);
}

/** Status-bar messages: what the last action did. */
export function notify(text, kind = 'info') {
  emit('notice', { text, kind, at: Date.now() });
}
