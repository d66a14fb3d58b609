// Typing and read: while the assigned agent writes, the customer sees "typing…" and their latest
// message is marked read (POST /conversations/{id}/typing, which Twilio does in one call). The
// server calls Twilio at most once per 20 s per conversation; the console asks no more often.

/** How often the console tells the server, per conversation: as often as the server tells Twilio. */
export const TYPING_INTERVAL_MS = 20_000;

/** At most one call per conversation per interval: the first at once, then none until it has passed. */
export class TypingThrottle {
  /** `send(id)` makes the call; `now()` is a clock in milliseconds. */
  constructor({ send, now = () => Date.now(), intervalMs = TYPING_INTERVAL_MS }) {
    this.send = send;
    this.now = now;
    this.intervalMs = intervalMs;
    this.last = new Map();
  }

  /** Calls `send(id)` (its promise) unless it was called for `id` less than an interval ago (null). */
  poke(id) {
    const at = this.now();
    const last = this.last.get(id);
    if (last !== undefined && at - last < this.intervalMs) return null;
    this.last.set(id, at);
    return Promise.resolve().then(() => this.send(id));
  }
}

/** The customer's latest message in a transcript in time order, or null. */
export function latestInbound(messages) {
  for (let i = (messages?.length ?? 0) - 1; i >= 0; i -= 1) {
    if (messages[i].direction === "inbound") return messages[i];
  }
  return null;
}

/** Whether the customer's latest message is not known to be read yet (`read` names another, or none). */
export function isUnread(conversation) {
  const latest = latestInbound(conversation?.messages);
  return Boolean(latest) && conversation.read?.message_id !== latest.id;
}

/**
 * The id of the customer's latest message when it is known to be read: the server says so
 * (`read.message_id`), or the console's own typing call answered 204 while it was the latest
 * (`acknowledged`); else null.
 */
export function seenMessageId(conversation, acknowledged = null) {
  const latest = latestInbound(conversation?.messages);
  if (!latest) return null;
  return conversation.read?.message_id === latest.id || acknowledged === latest.id ? latest.id : null;
}

/** The words under a read message: the assigned agent read it ("Seen by you"), else an agent did. */
export function seenText(mine) {
  return mine ? "Seen by you" : "Seen by the agent";
}
