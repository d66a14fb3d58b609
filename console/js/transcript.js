// The transcript: one element per message, kept by id, so a poll or a status update patches a
// single node instead of re-rendering hundreds of messages. The list is kept here (time order,
// older messages drawn lazily, patching, going to a message); how one message is drawn is in
// message.js, its attachments in media.js.

import { h } from "./dom.js";
import { messageElement, patchReactions, patchSentiment, patchStatus, whoOf } from "./message.js";

// The words of a message and its media, for the modules and tests that read them from here.
export {
  forwardedLabel,
  quoteLabel,
  quoteLine,
  reactionEmojis,
  reactionLine,
  reactionsLabel,
  unsupportedText,
  UNKNOWN_QUOTE,
} from "./message.js";
export { isMediaRoute, safeUrl } from "./media.js";

/**
 * A long transcript shows its newest messages at once and the older ones a chunk at a time: in
 * idle moments, or at once through "Load earlier messages" at its top (a real button, for the
 * keyboard and screen readers). Every message ends up in the document (search in page).
 */
export const FIRST_RENDER = 60;
const EARLIER_CHUNK = 200;

export class Transcript {
  /** `openMedia(path)` loads one of our media routes with the agent's identity (api.media). */
  constructor(element, agentId, openMedia = null) {
    this.element = element;
    this.agentId = agentId;
    this.openMedia = openMedia;
    /** `onCancel(messageId)` cancels a deferred reply (set by the conversation panel). */
    this.onCancel = null;
    /** By message id: `{element, message, ...}` with what its rendering depends on. */
    this.nodes = new Map();
    /** Older messages not drawn yet (oldest first), by id too; drawn above the first node. */
    this.pending = [];
    this.pendingById = new Map();
    this.earlierButton = null;
    this.idle = null;
    /** "Seen by you" under one message: `{id, text, element}`. */
    this.seen = null;
  }

  /** Whether the transcript knows a message, drawn or still waiting to be. */
  has(id) {
    return this.nodes.has(id) || this.pendingById.has(id);
  }

  /** Drops the messages the server no longer lists (a deferred reply that went out under Twilio's sid). */
  removeMissing(messages) {
    let listed = 0;
    for (const m of messages) if (this.nodes.has(m.id) || this.pendingById.has(m.id)) listed += 1;
    this.dropUnlisted(messages, listed);
  }

  /** `listed` of the known messages are in `messages`: the others go (nothing to do when all are). */
  dropUnlisted(messages, listed) {
    if (listed === this.nodes.size + this.pendingById.size) return;
    const ids = new Set(messages.map((m) => m.id));
    for (const [id, node] of this.nodes) {
      if (!ids.has(id)) {
        clearTimeout(node.highlight);
        node.element.remove();
        this.nodes.delete(id);
        if (this.seen?.id === id) this.seen = null;
      }
    }
    if ([...this.pendingById.keys()].some((id) => !ids.has(id))) {
      this.pending = this.pending.filter((m) => ids.has(m.id));
      this.reindexPending();
    }
  }

  /**
   * Adds new messages in time order and moves statuses forward; returns how many were added. A
   * known message is compared with what its node shows and touched only when that changed. With
   * `complete` (the whole conversation, as GET /conversations/{id} lists it), the messages it no
   * longer lists are dropped first.
   */
  update(messages, { complete = false } = {}) {
    let fresh = null;
    let listed = 0;
    const nodes = this.nodes;
    for (let i = 0; i < messages.length; i += 1) {
      const message = messages[i];
      const known = nodes.get(message.id);
      if (known) {
        listed += 1;
        // The usual poll: nothing this node shows has changed (kept inline: it runs for every message).
        const last = known.message;
        if (
          last === message ||
          (last.status === message.status &&
            last.error_code === message.error_code &&
            last.reactions === message.reactions &&
            last.sentiment === message.sentiment)
        ) {
          known.message = message;
          continue;
        }
        this.patch(known, message);
        continue;
      }
      const waiting = this.pendingById.get(message.id);
      if (waiting !== undefined) {
        listed += 1;
        // Not drawn yet: drawn later from its latest state.
        this.pending[waiting] = message;
        continue;
      }
      (fresh ??= []).push(message);
    }
    if (complete) this.dropUnlisted(messages, listed);
    if (!fresh) return 0;
    inTimeOrder(fresh);
    // Quotes and reactions name messages of the same answer.
    const batch = new Map(fresh.map((m) => [m.id, m]));
    // Many at once (a long conversation opened): the newest now, the older ones after.
    let shown = fresh;
    if (fresh.length > FIRST_RENDER) {
      shown = fresh.slice(-FIRST_RENDER);
      this.pending.push(...fresh.slice(0, -FIRST_RENDER));
      this.reindexPending();
    }
    const fragment = document.createDocumentFragment();
    for (const message of shown) fragment.append(this.draw(message, batch).element);
    // The first messages: to the bottom, without asking where the view was (a layout).
    const nearBottom =
      this.nodes.size === shown.length || this.element.scrollHeight - this.element.scrollTop - this.element.clientHeight < 80;
    this.element.append(fragment);
    if (nearBottom) this.element.scrollTop = this.element.scrollHeight;
    if (this.pending.length) this.schedulePending();
    return fresh.length;
  }

  /** A message's node, built and kept by id. */
  draw(message, batch) {
    const element = messageElement(this, message, batch);
    const node = {
      element,
      message: null,
      who: this.whoOf(message),
      highlight: null,
      status: null,
      explained: false,
      statusElement: element.querySelector(".status"),
      errorElement: element.querySelector(".error"),
      cancelButton: element.querySelector("button.cancel-deferred"),
      reactions: "",
      sentiment: "",
    };
    this.nodes.set(message.id, node);
    this.patch(node, message);
    return node;
  }

  /** Follows a message's newer state; cheap when nothing its node shows has changed. */
  patch(node, message) {
    const last = node.message;
    node.message = message;
    if (last) {
      // Only what the node shows: an outbound message's status and error, reactions, sentiment.
      const same =
        (message.direction !== "outbound" || (last.status === message.status && last.error_code === message.error_code)) &&
        (message.reactions === last.reactions || sameReactions(last.reactions, message.reactions)) &&
        (message.sentiment === last.sentiment ||
          (last.sentiment?.label === message.sentiment?.label && last.sentiment?.reason === message.sentiment?.reason));
      if (same) return;
    }
    patchStatus(node, message);
    patchReactions(node, message);
    patchSentiment(node, message.sentiment);
  }

  reindexPending() {
    this.pendingById = new Map(this.pending.map((m, i) => [m.id, i]));
  }

  /** "Load earlier messages" at the top while older messages wait; the rest drawn in idle moments. */
  schedulePending() {
    if (!this.earlierButton) {
      this.earlierButton = h(
        "button",
        { type: "button", class: "secondary earlier-messages", onclick: () => this.drawEarlier(EARLIER_CHUNK) },
        "",
      );
      this.element.prepend(this.earlierButton);
      this.element.setAttribute("aria-busy", "true");
    }
    this.earlierButton.textContent = `Load earlier messages (${this.pending.length} more)`;
    if (this.idle) return;
    const idle = globalThis.requestIdleCallback ?? ((run) => setTimeout(() => run({ timeRemaining: () => 8 }), 16));
    const step = (deadline) => {
      this.idle = null;
      // Another conversation opened (this transcript was left): stop.
      if (!this.element.isConnected || !this.pending.length) return;
      this.drawEarlier(EARLIER_CHUNK, () => deadline.timeRemaining() > 3);
      if (this.pending.length) this.idle = idle(step, { timeout: 250 });
    };
    this.idle = idle(step, { timeout: 250 });
  }

  /**
   * Draws up to `count` of the newest waiting older messages above the others (while `more()`
   * says there is time, at least a few), the view kept where it was.
   */
  drawEarlier(count, more = () => true) {
    if (!this.pending.length) return;
    const fragment = document.createDocumentFragment();
    let first = null;
    for (let drawn = 0; drawn < count && this.pending.length && (drawn < 10 || more()); drawn += 1) {
      const message = this.pending.pop();
      this.pendingById.delete(message.id);
      // Quotes among the waiting ones are found through pendingById.
      first = this.draw(message, new Map()).element;
      fragment.prepend(first);
    }
    // Kept in place: the distance from the bottom does not change.
    const fromBottom = this.element.scrollHeight - this.element.scrollTop;
    if (this.earlierButton) this.earlierButton.after(fragment);
    else this.element.prepend(fragment);
    this.element.scrollTop = this.element.scrollHeight - fromBottom;
    if (this.pending.length) {
      this.earlierButton.textContent = `Load earlier messages (${this.pending.length} more)`;
      return;
    }
    // All drawn: the button goes; a keyboard on it moves to the first message.
    const focused = this.earlierButton && document.activeElement === this.earlierButton;
    this.earlierButton?.remove();
    this.earlierButton = null;
    this.element.removeAttribute("aria-busy");
    if (focused && first) {
      first.tabIndex = -1;
      first.focus({ preventScroll: true });
    }
  }

  /** Draws every waiting message up to (and including) `id`, so that it can be shown. */
  drawThrough(id) {
    const index = this.pendingById.get(id);
    if (index !== undefined) this.drawEarlier(this.pending.length - index);
  }

  /** A live frame's score of one message. */
  setSentiment(messageId, sentiment) {
    const node = this.nodes.get(messageId);
    if (node) patchSentiment(node, sentiment);
  }

  /**
   * A live `message.status` frame: the reply's node (or its waiting place) follows at once.
   * Returns whether the message is here, so that the caller can skip re-reading the whole
   * conversation for it.
   */
  setStatus(messageId, status, errorCode = null) {
    const changed = (message) => ({ ...message, status, error_code: errorCode ?? message.error_code ?? null });
    const node = this.nodes.get(messageId);
    if (node) {
      this.patch(node, changed(node.message));
      return true;
    }
    const waiting = this.pendingById.get(messageId);
    if (waiting === undefined) return false;
    this.pending[waiting] = changed(this.pending[waiting]);
    return true;
  }

  /** "Seen by you" under one message (`messageId`), or under none (null). */
  markSeen(messageId, text = "Seen by you") {
    if (this.seen?.id === messageId && this.seen?.text === text) return;
    this.seen?.element.remove();
    this.seen = null;
    const node = messageId ? this.nodes.get(messageId) : null;
    if (!node) return;
    const element = h("p", { class: "seen" }, text);
    node.element.append(element);
    this.seen = { id: messageId, text, element };
  }

  /** How the transcript names a message's author (message.js), "You" for this agent. */
  whoOf(message) {
    return whoOf(message, this.agentId);
  }

  /**
   * A quoted message as the transcript shows it, for its quote: its node, or its author when it is
   * waiting to be drawn or in the same `batch`; null when the transcript does not have it.
   */
  shownAs(id, batch) {
    const waiting = this.pendingById.get(id);
    const quoted = batch.get(id) ?? (waiting !== undefined ? this.pending[waiting] : null);
    return this.nodes.get(id) ?? (quoted ? { who: this.whoOf(quoted) } : null);
  }

  /** Scrolls to a message, moves the focus there and highlights it for a moment. */
  goTo(id) {
    this.drawThrough(id);
    const node = this.nodes.get(id);
    if (!node?.element.isConnected) return;
    const { element } = node;
    element.tabIndex = -1;
    const smooth = !globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches;
    element.scrollIntoView({ block: "center", behavior: smooth ? "smooth" : "auto" });
    element.focus({ preventScroll: true });
    element.classList.add("highlighted");
    clearTimeout(node.highlight);
    node.highlight = setTimeout(() => element.classList.remove("highlighted"), HIGHLIGHT_MS);
  }

  clear() {
    for (const node of this.nodes.values()) clearTimeout(node.highlight);
    this.nodes.clear();
    this.pending = [];
    this.pendingById.clear();
    this.earlierButton = null;
    this.element.removeAttribute("aria-busy");
    this.seen = null;
    this.element.replaceChildren();
  }
}

/**
 * Lines by `created_at` (ISO 8601 in UTC: compared as strings), equal times kept in their order;
 * sorted in place, and only when out of order.
 */
export function inTimeOrder(lines) {
  for (let i = 1; i < lines.length; i += 1) {
    if (lines[i - 1].created_at > lines[i].created_at) {
      return lines.sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
    }
  }
  return lines;
}

/** Whether two `reactions` lists show the same (the usual case: both absent or empty). */
function sameReactions(a, b) {
  if (!a?.length && !b?.length) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((r, i) => r?.emoji === b[i]?.emoji);
}

/** How long a message reached through its quote stays highlighted. */
const HIGHLIGHT_MS = 2000;
