// The lab's HTTP API and its WebSocket stream (docs/web-api.md). Same origin; a token from
// the page's own URL (`/?token=...`) goes along as a Bearer header, and as `?token=` where a
// browser cannot set headers (the WebSocket, links the user opens).

const token = new URLSearchParams(window.location.search).get('token');

export class ApiError extends Error {
  constructor(status, message, code, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

export function withToken(url) {
  if (!token) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

/** Calls the API; resolves to the JSON answer (null for 204), rejects with ApiError. */
export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, `the lab did not answer (${err.message})`, 'network');
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const message = (json && json.error) || `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message, json && json.code, json);
  }
  return json;
}

export const filePath = (path) => `/api/v1/files/${path.split('/').map(encodeURIComponent).join('/')}`;

/**
 * The stream, reconnected with backoff (0.5 s doubling to 10 s) whenever it closes.
 * onMessage gets each parsed message; onState('connecting' | 'open' | 'closed', retryMs).
 */
export class Stream {
  constructor(onMessage, onState) {
    this.onMessage = onMessage;
    this.onState = onState;
    this.backoff = 500;
    this.socket = null;
    this.timer = null;
    this.stopped = false;
  }

  url() {
    const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    return withToken(`${scheme}//${window.location.host}/api/v1/stream`);
  }

  connect() {
    if (this.stopped) return;
    this.onState('connecting');
    let socket;
    try {
      socket = new WebSocket(this.url());
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.backoff = 500;
      this.onState('open');
    };
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      try {
        this.onMessage(message);
      } catch (err) {
        console.error('ingress-lab: a stream message failed', message && message.type, err);
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.retry();
    };
    socket.onerror = () => {
      // onclose follows and retries
    };
  }

  retry() {
    if (this.stopped) return;
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, 10000);
    this.onState('closed', wait);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), wait);
  }

  /** Reconnects at once (the banner's "retry now"). */
  retryNow() {
    clearTimeout(this.timer);
    if (this.socket) return;
    this.connect();
  }

  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close();
  }
}
