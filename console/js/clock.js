// The server's clock, as the browser learns it, and the 24-hour window's countdown.
// The window is decided by the server's time, never the browser's: a laptop whose clock is an
// hour off must not tell an agent they can still reply.

/** Tracks the offset between the server's clock and this browser's. */
export class ServerClock {
  constructor(now = () => Date.now()) {
    this.localNow = now;
    this.offsetMs = 0;
    this.known = false;
  }

  /** Learns the server's time from a response's `Date` header (RFC 7231, whole seconds). */
  observeDateHeader(value) {
    const serverMs = Date.parse(value ?? "");
    if (Number.isNaN(serverMs)) return;
    // The header is truncated to the second: add half a second to centre the estimate.
    this.offsetMs = serverMs + 500 - this.localNow();
    this.known = true;
  }

  /** The server's time now, in epoch milliseconds. */
  now() {
    return this.localNow() + this.offsetMs;
  }
}

/**
 * The window as the agent should see it at `serverNowMs`:
 * `{open, msLeft}` from the server's `expires_at` (RFC 3339).
 */
export function windowAt(expiresAt, serverNowMs) {
  const endMs = Date.parse(expiresAt ?? "");
  if (Number.isNaN(endMs)) return { open: false, msLeft: 0 };
  const msLeft = Math.max(0, endMs - serverNowMs);
  return { open: msLeft > 0, msLeft };
}

/** "23 h 59 min", "14 min", "45 s": rounded down, so it never promises time that is not there. */
export function formatDuration(ms) {
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min`;
  return `${seconds} s`;
}

/** How urgent the time left is: "ok", "soon" (under 2 h) or "urgent" (under 15 min). */
export function urgency(msLeft) {
  if (msLeft <= 15 * 60 * 1000) return "urgent";
  if (msLeft <= 2 * 60 * 60 * 1000) return "soon";
  return "ok";
}

/** "14:05": the local time of day of an RFC 3339 time, or "" when it is not one. */
export function timeOfDay(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** "Dec 4, 2026 04:13 AM": a date and its time of day, in the agent's locale; "Unknown" for no time. */
export function dateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "Unknown";
  return `${date.toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" })} ${timeOfDay(iso)}`;
}
