// What a message carries besides its words: attachments (images, audio, video, documents) and a
// shared location. Only http(s) addresses become links or sources; a customer's attachment comes
// through our own media route, with the agent's identity.

import { h } from "./dom.js";

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

/** One attachment of a message: shown (an image, a player) with a link to open it, or the link alone. */
export function mediaElement(media, index, outbound, openMedia) {
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

/** A shared location: its name or coordinates, linked to OpenStreetMap. */
export function locationElement(location) {
  const { latitude, longitude } = location;
  const name = [location.label, location.address].filter(Boolean).join(", ") || `${latitude}, ${longitude}`;
  const href = `https://www.openstreetmap.org/?mlat=${encodeURIComponent(latitude)}&mlon=${encodeURIComponent(longitude)}#map=16/${encodeURIComponent(latitude)}/${encodeURIComponent(longitude)}`;
  return h("p", { class: "body" }, "Location: ", h("a", { href, target: "_blank", rel: "noopener noreferrer" }, `${name} (open map)`));
}
