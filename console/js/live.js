// The live channel: a WebSocket that brings the agent's notifications (the same JSON as the SNS
// ones) the moment they happen. It reconnects with exponential backoff and full jitter; while it
// is down, the desk falls back to polling, and after every (re)connect it re-syncs over REST.

const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;

/** Full-jitter backoff: a random delay in [0, min(30 s, 1 s × 2^attempt)). */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/** The socket's URL: `{live_url}?token=` in AWS, `/ws?agent=` (and `&groups=admins`) on local-api. */
export async function liveUrl(config, session) {
  if (config.mode === "oidc") {
    if (!config.live_url) return null;
    const url = new URL(config.live_url);
    url.searchParams.set("token", await session.token());
    return url.toString();
  }
  const url = new URL("/ws", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("agent", session.agentId);
  // An administrator's socket also gets what goes to supervisors (in AWS the token says so).
  if (session.isAdmin) url.searchParams.set("groups", "admins");
  return url.toString();
}

export class LiveChannel {
  /**
   * `url()` resolves to the address to connect to (a fresh token each time), or null when there
   * is no live channel; `onEvent(json)` gets each frame; `onState(connected)` each change.
   */
  constructor({ url, onEvent, onState, WebSocketImpl = globalThis.WebSocket, schedule = (fn, ms) => setTimeout(fn, ms) }) {
    this.url = url;
    this.onEvent = onEvent;
    this.onState = onState;
    this.WebSocketImpl = WebSocketImpl;
    this.schedule = schedule;
    this.attempt = 0;
    this.socket = null;
    this.stopped = false;
    this.connected = false;
  }

  async start() {
    this.stopped = false;
    let address = null;
    try {
      address = await this.url();
    } catch {
      address = null;
    }
    if (!address || this.stopped) {
      if (!this.stopped && address === null) this.setConnected(false);
      return;
    }
    const socket = new this.WebSocketImpl(address);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.attempt = 0;
      this.setConnected(true);
    });
    socket.addEventListener("message", (event) => {
      let json;
      try {
        json = JSON.parse(event.data);
      } catch {
        return;
      }
      this.onEvent?.(json);
    });
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.setConnected(false);
      if (this.stopped) return;
      const delay = backoffDelay(this.attempt);
      this.attempt += 1;
      this.schedule(() => this.start(), delay);
    });
  }

  stop() {
    this.stopped = true;
    this.socket?.close();
    this.socket = null;
  }

  setConnected(connected) {
    if (connected === this.connected) return;
    this.connected = connected;
    this.onState?.(connected);
  }
}
