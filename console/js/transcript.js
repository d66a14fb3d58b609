// The transcript: one element per message, kept by id, so a poll or a status update patches a
// single node instead of re-rendering hundreds of messages.

import { h } from "./dom.js";
import { explainError, isFailure, laterStatus, statusLabel } from "./status.js";
import { sentimentBadge } from "./sentiment.js";

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
    const element = this.messageElement(message, batch);
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
    this.patchStatus(node, message);
    this.patchReactions(node, message);
    this.patchSentiment(node, message.sentiment);
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

  patchStatus(node, message) {
    if (message.direction !== "outbound") return;
    const status = laterStatus(node.status, message.status);
    if (status === node.status && !(isFailure(status) && message.error_code && !node.explained)) return;
    node.status = status;
    const label = statusLabel(status);
    node.statusElement.textContent = label;
    node.statusElement.dataset.status = status;
    node.statusElement.className = `status ${isFailure(status) ? "failed" : ""}`;
    if (node.cancelButton) node.cancelButton.hidden = status !== "deferred";
    if (isFailure(status)) {
      const code = message.error_code ? `Error ${message.error_code}: ` : "";
      node.errorElement.textContent = `${code}${explainError(message.error_code, message.error_message)}`;
      node.errorElement.hidden = !node.errorElement.textContent;
      node.explained = Boolean(message.error_code);
    }
  }

  /** The customer's reactions to a message, under it; redrawn only when they change. */
  patchReactions(node, message) {
    const emojis = reactionEmojis(message.reactions);
    const signature = emojis.join(" ");
    if (signature === node.reactions) return;
    node.reactions = signature;
    node.element.querySelector(":scope > .reactions")?.remove();
    if (!emojis.length) return;
    // Read as reactionsLabel says it ("Customer reacted 👍"); seen as the emojis alone.
    const element = h(
      "p",
      { class: "reactions", title: reactionsLabel(message.reactions) },
      h("span", { class: "visually-hidden" }, "Customer reacted "),
      emojis.map((emoji, i) => [i ? " " : null, h("span", { class: "reaction" }, emoji)]),
    );
    // Above the delivery line of our own message, last in the customer's.
    const before = node.element.querySelector(":scope > .delivery, :scope > .seen");
    node.element.insertBefore(element, before);
  }

  /**
   * A customer message's sentiment, in its heading: from the view (scored a moment after it
   * arrived) or a live `conversation.sentiment` frame (`setSentiment`); redrawn only when it changes.
   */
  patchSentiment(node, sentiment) {
    if (!sentiment || !node.element.classList.contains("inbound")) return;
    const signature = `${sentiment.label} ${sentiment.reason ?? ""}`;
    if (signature === node.sentiment) return;
    node.sentiment = signature;
    const meta = node.element.querySelector(":scope > .meta");
    meta.querySelector(".sentiment")?.remove();
    const badge = sentimentBadge(sentiment);
    if (badge) meta.append(badge);
  }

  /** A live frame's score of one message. */
  setSentiment(messageId, sentiment) {
    const node = this.nodes.get(messageId);
    if (node) this.patchSentiment(node, sentiment);
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

  /**
   * How the transcript names a message's author: "You", another agent's id, "Customer", "Desk",
   * or "Satisfaction survey" for the CSAT survey the channel sends after a close.
   */
  whoOf(message) {
    if (message.direction === "system") return "Desk";
    if (message.direction === "outbound" && message.agent_id === "csat-survey") return "Satisfaction survey";
    if (message.direction === "outbound") return message.agent_id === this.agentId ? "You" : (message.agent_id ?? "Agent");
    return "Customer";
  }

  messageElement(message, batch = new Map()) {
    const outbound = message.direction === "outbound";
    const forwarded = forwardedLabel(message);
    const children = [
      h(
        "p",
        { class: "meta" },
        h("span", { class: "who" }, this.whoOf(message)),
        " ",
        h("time", { datetime: message.created_at }, formatTime(message.created_at)),
        message.template ? h("span", { class: "badge" }, "Template") : null,
        forwarded ? h("span", { class: "badge forwarded" }, forwarded) : null,
      ),
    ];
    if (message.reply_to?.id) children.push(this.quoteElement(message.reply_to, batch));
    // A reaction's body is its emoji: the reaction line says it.
    if (message.body && !message.reaction) children.push(h("p", { class: "body" }, message.body));
    if (message.template && !message.body) {
      // The text the customer read, when the approved template was known; else its Content SID.
      if (message.template.text) {
        children.push(h("p", { class: "body" }, message.template.text));
        children.push(h("p", { class: "template-name muted" }, `Template ${message.template.name ?? message.template.content_sid ?? ""}`));
      } else {
        children.push(h("p", { class: "body muted" }, `Template ${message.template.content_sid ?? ""}`));
      }
    }
    message.media?.forEach((media, index) => children.push(mediaElement(media, index, outbound, this.openMedia)));
    if (message.location) children.push(locationElement(message.location));
    if (message.button) {
      children.push(h("p", { class: "body" }, `Button reply: ${message.button.text ?? message.button.payload ?? ""}`));
    }
    if (message.reaction) children.push(this.reactionElement(message.reaction, batch));
    const unsupported = message.reaction ? null : unsupportedText(message);
    if (unsupported) children.push(h("p", { class: "body muted" }, unsupported));
    const statusElement = h("span", { class: "status" });
    const errorElement = h("p", { class: "error", hidden: true });
    const cancel =
      outbound && message.status === "deferred"
        ? h(
            "button",
            {
              type: "button",
              class: "secondary cancel-deferred",
              "aria-label": "Cancel deferred reply",
              onclick: (event) => {
                event.currentTarget.disabled = true;
                this.onCancel?.(message.id);
              },
            },
            "Cancel",
          )
        : null;
    if (outbound) children.push(h("p", { class: "delivery" }, statusElement, cancel), errorElement);
    return h(
      "div",
      { class: `message ${message.direction}${message.reaction ? " reaction" : ""}`, dataset: { messageId: message.id } },
      children,
    );
  }

  /** A reaction message: "Reacted 👍 to a message", a button to that message when the transcript shows it. */
  reactionElement(reaction, batch) {
    const text = reactionLine(reaction);
    const shown = reaction.to && (this.has(reaction.to) || batch.has(reaction.to));
    if (!shown) return h("p", { class: "body reaction-line" }, text);
    return h(
      "button",
      { type: "button", class: "reaction-line", "aria-label": `${text}: go to that message`, onclick: () => this.goTo(reaction.to) },
      text,
    );
  }

  /**
   * The quoted message above a reply, drawn once with the reply: a button to the quoted message
   * when the transcript shows it, plain text otherwise (an earlier conversation, or unknown to us).
   */
  quoteElement(replyTo, batch) {
    const waiting = this.pendingById.get(replyTo.id);
    const quoted = batch.get(replyTo.id) ?? (waiting !== undefined ? this.pending[waiting] : null);
    const shown = this.nodes.get(replyTo.id) ?? (quoted ? { who: this.whoOf(quoted) } : null);
    const line = quoteLine(replyTo, shown?.who);
    // The space keeps the words apart when the visible text is read as one (copied, or compared with the name).
    const parts = [line.who ? [h("span", { class: "quote-who" }, line.who), " "] : null, h("span", { class: "quote-text" }, line.text)];
    if (shown) {
      return h(
        "button",
        { type: "button", class: "quote", "aria-label": quoteLabel(line), onclick: () => this.goTo(replyTo.id) },
        parts,
      );
    }
    return h(line.who ? "blockquote" : "p", { class: line.who ? "quote" : "quote unknown" }, parts);
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

export const UNKNOWN_QUOTE = "Replying to a message not in this conversation";

/**
 * What a reply shows of the message it quotes (`reply_to`): who wrote it, as the transcript names
 * them when it shows the message (`who`), else "Agent" or "Customer", and its first words; or,
 * when the quoted message is unknown to us, only that it is not in this conversation.
 */
export function quoteLine(replyTo, who = null) {
  const direction = replyTo?.direction;
  const author = who ?? (direction === "outbound" ? "Agent" : direction === "inbound" ? "Customer" : null);
  if (!author) return { who: null, text: UNKNOWN_QUOTE };
  return { who: author, text: replyTo.preview || "Message" };
}

/** The accessible name of a quote that leads to its message. */
export function quoteLabel(line) {
  return `Go to the quoted message: ${line.who ? `${line.who}: ` : ""}${line.text}`;
}

/** A customer's message of a kind the console does not render: "Unsupported message (reaction)", or null. */
export function unsupportedText(message) {
  return message?.unsupported ? `Unsupported message (${message.unsupported})` : null;
}

/** A reaction message as a line: "Reacted 👍 to a message", or that the customer took a reaction back (no emoji). */
export function reactionLine(reaction) {
  const emoji = typeof reaction?.emoji === "string" ? reaction.emoji.trim() : "";
  return emoji ? `Reacted ${emoji} to a message` : "Removed a reaction from a message";
}

/** The emojis of a message's `reactions` that say something (absent or malformed: none). */
export function reactionEmojis(reactions) {
  if (!Array.isArray(reactions)) return [];
  return reactions.map((r) => (typeof r?.emoji === "string" ? r.emoji.trim() : "")).filter(Boolean);
}

/** The accessible text of a message's reactions: "Customer reacted 👍". */
export function reactionsLabel(reactions) {
  const emojis = reactionEmojis(reactions);
  return emojis.length ? `Customer reacted ${emojis.join(" ")}` : null;
}

/** WhatsApp's forwarding flags as words: "Forwarded many times", "Forwarded", or null. */
export function forwardedLabel(message) {
  if (message?.frequently_forwarded) return "Forwarded many times";
  if (message?.forwarded) return "Forwarded";
  return null;
}

// Formatters made once: toLocale*String makes one per call, which a long transcript feels.
let timeFormat = null;
let dateTimeFormat = null;

function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const now = new Date();
  const sameDay = now.getDate() === date.getDate() && now.getMonth() === date.getMonth() && now.getFullYear() === date.getFullYear();
  if (sameDay) return (timeFormat ??= new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit" })).format(date);
  return (dateTimeFormat ??= new Intl.DateTimeFormat([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })).format(date);
}

/** Only http(s) addresses become links or sources: never `javascript:` or `data:`. */
export function safeUrl(raw) {
  if (typeof raw !== "string" || !raw) return null;
  try {
    const url = new URL(raw, location.href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Our own media route (a customer's attachment): it needs the agent's identity. */
export function isMediaRoute(raw) {
  return typeof raw === "string" && /^\/conversations\/[^/]+\/messages\/[^/]+\/media\/\d+$/.test(raw);
}

function mediaElement(media, index, outbound, openMedia) {
  const type = media.content_type ?? "";
  if (openMedia && isMediaRoute(media.url)) return routedMedia(media.url, type, mediaLabel(outbound, index, type), openMedia);
  const url = safeUrl(media.url);
  if (!url) return h("p", { class: "media muted" }, `Attachment ${index + 1} (its address cannot be opened)`);
  media = { ...media, url };
  const label = mediaLabel(outbound, index, type);
  const link = h("a", { href: media.url, target: "_blank", rel: "noopener noreferrer" }, `Open ${label.toLowerCase()}`);
  if (type.startsWith("image/")) {
    const image = h("img", { src: media.url, alt: label, loading: "lazy", decoding: "async" });
    image.addEventListener("error", () => image.replaceWith(link), { once: true });
    return h("figure", { class: "media" }, image);
  }
  if (type.startsWith("audio/")) return h("figure", { class: "media" }, h("audio", { src: media.url, controls: true, "aria-label": label }), link);
  if (type.startsWith("video/")) return h("figure", { class: "media" }, h("video", { src: media.url, controls: true, "aria-label": label, preload: "metadata" }), link);
  return h("p", { class: "media" }, link);
}

function mediaLabel(outbound, index, type) {
  return `${outbound ? "Attachment sent" : "Attachment from the customer"} ${index + 1}${type ? ` (${type})` : ""}`;
}

/**
 * A customer's attachment through our route: an image, audio or video is loaded at once (with
 * the agent's identity) and shown from the address that gives; a document when its link is used.
 */
function routedMedia(path, type, label, openMedia) {
  let loading = null;
  const load = () => (loading ??= openMedia(path));
  const problem = h("span", { class: "error", role: "status" });
  const link = h("a", { href: path, target: "_blank", rel: "noopener noreferrer" }, `Open ${label.toLowerCase()}`);
  link.addEventListener("click", async (event) => {
    if (link.dataset.ready) return;
    event.preventDefault();
    try {
      const url = await load();
      window.open(url, "_blank", "noopener");
    } catch (error) {
      problem.textContent = ` ${error.message}`;
    }
  });
  const kind = type.split("/")[0];
  const player =
    kind === "image"
      ? h("img", { alt: label, decoding: "async" })
      : kind === "audio" || kind === "video"
        ? h(kind, { controls: true, "aria-label": label, preload: "metadata" })
        : null;
  if (!player) return h("p", { class: "media" }, link, problem);
  load()
    .then((url) => {
      player.src = url;
      link.href = url;
      link.dataset.ready = "true";
    })
    .catch((error) => {
      player.replaceWith(h("span", { class: "muted" }, `${label} could not be loaded: ${error.message}`));
    });
  return h("figure", { class: "media" }, player, kind === "image" ? null : link, problem);
}

function locationElement(location) {
  const { latitude, longitude } = location;
  const name = [location.label, location.address].filter(Boolean).join(", ") || `${latitude}, ${longitude}`;
  const href = `https://www.openstreetmap.org/?mlat=${encodeURIComponent(latitude)}&mlon=${encodeURIComponent(longitude)}#map=16/${encodeURIComponent(latitude)}/${encodeURIComponent(longitude)}`;
  return h("p", { class: "body" }, "Location: ", h("a", { href, target: "_blank", rel: "noopener noreferrer" }, `${name} (open map)`));
}
