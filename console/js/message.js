// How one message of the transcript is drawn: its heading (who, when, badges), the quote it
// replies to, its body, attachments and location, a reaction, its delivery status with Twilio's
// error explained, the customer's reactions under it and its sentiment; and the words they use.
// The transcript (transcript.js) keeps the messages and decides when each is drawn or patched.

import { h } from "./dom.js";
import { locationElement, mediaElement } from "./media.js";
import { explainError, isFailure, laterStatus, statusLabel } from "./status.js";
import { sentimentBadge } from "./sentiment.js";

/**
 * How the transcript names a message's author: "You", another agent's id, "Customer", "Desk",
 * or "Satisfaction survey" for the CSAT survey the channel sends after a close.
 */
export function whoOf(message, agentId) {
  if (message.direction === "system") return "Desk";
  if (message.direction === "outbound" && message.agent_id === "csat-survey") return "Satisfaction survey";
  if (message.direction === "outbound") return message.agent_id === agentId ? "You" : (message.agent_id ?? "Agent");
  return "Customer";
}

/**
 * A message's element, drawn once. `transcript` names the author (`whoOf`), opens our media
 * routes (`openMedia`), cancels a deferred reply (`onCancel`) and goes to a quoted message.
 */
export function messageElement(transcript, message, batch = new Map()) {
  const outbound = message.direction === "outbound";
  const forwarded = forwardedLabel(message);
  const children = [
    h(
      "p",
      { class: "meta" },
      h("span", { class: "who" }, transcript.whoOf(message)),
      " ",
      h("time", { datetime: message.created_at }, formatTime(message.created_at)),
      message.template ? h("span", { class: "badge" }, "Template") : null,
      forwarded ? h("span", { class: "badge forwarded" }, forwarded) : null,
    ),
  ];
  if (message.reply_to?.id) children.push(quoteElement(transcript, message.reply_to, batch));
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
  message.media?.forEach((media, index) => children.push(mediaElement(media, index, outbound, transcript.openMedia)));
  if (message.location) children.push(locationElement(message.location));
  if (message.button) {
    children.push(h("p", { class: "body" }, `Button reply: ${message.button.text ?? message.button.payload ?? ""}`));
  }
  if (message.reaction) children.push(reactionElement(transcript, message.reaction, batch));
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
              transcript.onCancel?.(message.id);
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
function reactionElement(transcript, reaction, batch) {
  const text = reactionLine(reaction);
  const shown = reaction.to && (transcript.has(reaction.to) || batch.has(reaction.to));
  if (!shown) return h("p", { class: "body reaction-line" }, text);
  return h(
    "button",
    { type: "button", class: "reaction-line", "aria-label": `${text}: go to that message`, onclick: () => transcript.goTo(reaction.to) },
    text,
  );
}

/**
 * The quoted message above a reply, drawn once with the reply: a button to the quoted message
 * when the transcript shows it, plain text otherwise (an earlier conversation, or unknown to us).
 */
function quoteElement(transcript, replyTo, batch) {
  const shown = transcript.shownAs(replyTo.id, batch);
  const line = quoteLine(replyTo, shown?.who);
  // The space keeps the words apart when the visible text is read as one (copied, or compared with the name).
  const parts = [line.who ? [h("span", { class: "quote-who" }, line.who), " "] : null, h("span", { class: "quote-text" }, line.text)];
  if (shown) {
    return h(
      "button",
      { type: "button", class: "quote", "aria-label": quoteLabel(line), onclick: () => transcript.goTo(replyTo.id) },
      parts,
    );
  }
  return h(line.who ? "blockquote" : "p", { class: line.who ? "quote" : "quote unknown" }, parts);
}

/** An outbound message's delivery status (never moving back) and, when it failed, why. */
export function patchStatus(node, message) {
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
export function patchReactions(node, message) {
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
export function patchSentiment(node, sentiment) {
  if (!sentiment || !node.element.classList.contains("inbound")) return;
  const signature = `${sentiment.label} ${sentiment.reason ?? ""}`;
  if (signature === node.sentiment) return;
  node.sentiment = signature;
  const meta = node.element.querySelector(":scope > .meta");
  meta.querySelector(".sentiment")?.remove();
  const badge = sentimentBadge(sentiment);
  if (badge) meta.append(badge);
}

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
