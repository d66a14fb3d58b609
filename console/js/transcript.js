// The transcript: one element per message, kept by id, so a poll or a status update patches a
// single node instead of re-rendering hundreds of messages.

import { h } from "./dom.js";
import { explainError, isFailure, laterStatus, statusLabel } from "./status.js";

export class Transcript {
  /** `openMedia(path)` loads one of our media routes with the agent's identity (api.media). */
  constructor(element, agentId, openMedia = null) {
    this.element = element;
    this.agentId = agentId;
    this.openMedia = openMedia;
    /** `onCancel(messageId)` cancels a deferred reply (set by the conversation panel). */
    this.onCancel = null;
    this.nodes = new Map();
  }

  /** Drops the messages the server no longer lists (a deferred reply that went out under Twilio's sid). */
  removeMissing(messages) {
    const ids = new Set(messages.map((m) => m.id));
    for (const [id, node] of this.nodes) {
      if (!ids.has(id)) {
        node.element.remove();
        this.nodes.delete(id);
      }
    }
  }

  /** Adds new messages in order and moves statuses forward; returns how many were added. */
  update(messages) {
    const fragment = document.createDocumentFragment();
    let added = 0;
    for (const message of messages) {
      const known = this.nodes.get(message.id);
      if (known) {
        this.patchStatus(known, message);
      } else {
        const element = this.messageElement(message);
        const node = {
          element,
          status: null,
          explained: false,
          statusElement: element.querySelector(".status"),
          errorElement: element.querySelector(".error"),
          cancelButton: element.querySelector("button.cancel-deferred"),
        };
        this.nodes.set(message.id, node);
        this.patchStatus(node, message);
        fragment.append(node.element);
        added += 1;
      }
    }
    if (added) {
      const nearBottom =
        this.element.scrollHeight - this.element.scrollTop - this.element.clientHeight < 80 || this.nodes.size === added;
      this.element.append(fragment);
      if (nearBottom) this.element.scrollTop = this.element.scrollHeight;
    }
    return added;
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

  messageElement(message) {
    const outbound = message.direction === "outbound";
    const who =
      message.direction === "system"
        ? "Desk"
        : outbound
          ? (message.agent_id === this.agentId ? "You" : (message.agent_id ?? "Agent"))
          : "Customer";
    const children = [
      h(
        "p",
        { class: "meta" },
        h("span", { class: "who" }, who),
        " ",
        h("time", { datetime: message.created_at }, formatTime(message.created_at)),
        message.template ? h("span", { class: "badge" }, "Template") : null,
      ),
    ];
    if (message.body) children.push(h("p", { class: "body" }, message.body));
    if (message.template && !message.body) {
      children.push(h("p", { class: "body muted" }, `Template ${message.template.content_sid ?? ""}`));
    }
    message.media?.forEach((media, index) => children.push(mediaElement(media, index, outbound, this.openMedia)));
    if (message.location) children.push(locationElement(message.location));
    if (message.button) {
      children.push(h("p", { class: "body" }, `Button reply: ${message.button.text ?? message.button.payload ?? ""}`));
    }
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
      { class: `message ${message.direction}`, dataset: { messageId: message.id } },
      children,
    );
  }

  clear() {
    this.nodes.clear();
    this.element.replaceChildren();
  }
}

function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const sameDay = new Date().toDateString() === date.toDateString();
  return sameDay
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
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
