// The composer: free text while the 24-hour window is open, an approved template at any time.
// One Idempotency-Key per composed message, so a double click or a retry after a network error
// sends it once; nothing looks sent until the server says it was.

import { DeferForm } from "./deferred.js";
import { h, replaceChildren } from "./dom.js";

export const WINDOW_EXPIRED_TEXT = "This conversation has exceeded the 24 hour limit to respond to the customer.";
/** What WhatsApp takes from a business, as the server checks it (415 otherwise). */
export const ATTACHMENT_TYPES = [
  "image/jpeg", "image/png", "audio/ogg", "audio/mpeg", "audio/aac", "audio/mp4", "audio/amr",
  "video/mp4", "video/3gpp", "application/pdf", "application/msword",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.ms-powerpoint",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  "text/plain", "text/vcard", "text/x-vcard",
];
/** The server's limit for one attachment (Lambda's 6 MB request, base64-encoded). */
export const MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024;

/** Why this file cannot be attached, or null when it can. */
export function attachmentProblem(file) {
  if (!ATTACHMENT_TYPES.includes((file.type || "").toLowerCase())) {
    return `${file.name} cannot be sent on WhatsApp: attach an image (JPEG, PNG), audio, video (MP4), a PDF, an office document or plain text.`;
  }
  if (file.size > MAX_ATTACHMENT_BYTES) return `${file.name} is larger than 4 MB.`;
  if (file.size === 0) return `${file.name} is empty.`;
  return null;
}

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Composer {
  /**
   * `send(content, key)` posts the reply and resolves with the stored message; `upload(file)`
   * stores an attachment and resolves with `{media_url}`.
   */
  constructor({ root, api, isAdmin = false, send, upload, onSent, onTyping = null, quickReplies = null }) {
    this.api = api;
    this.isAdmin = isAdmin;
    this.onTyping = onTyping;
    this.quickReplies = quickReplies;
    this.send = send;
    this.upload = upload;
    this.onSent = onSent;
    /** The chosen attachment and, once uploaded, its address: a retry does not upload again. */
    this.attachment = null;
    this.key = null;
    this.busy = false;

    this.textarea = h("textarea", { id: "message-text", rows: 3, maxlength: 1600 });
    this.sendButton = h("button", { type: "submit", class: "primary" }, "Send");
    this.textError = h("p", { id: "message-error", class: "error", role: "alert", hidden: true });
    this.textarea.setAttribute("aria-describedby", "message-hint message-error");
    this.fileInput = h("input", { id: "message-file", type: "file", accept: ATTACHMENT_TYPES.join(",") });
    this.fileName = h("span", { class: "attachment-name", role: "status" });
    this.removeButton = h("button", { type: "button", class: "secondary", hidden: true, onclick: () => this.clearAttachment() }, "Remove attachment");
    this.fileInput.addEventListener("change", () => this.chooseFile(this.fileInput.files?.[0] ?? null));
    this.textForm = h(
      "form",
      { class: "composer", "aria-label": "Reply" },
      quickReplies?.root,
      h("label", { for: "message-text" }, "Message"),
      this.textarea,
      quickReplies?.suggestions,
      h("p", { id: "message-hint", class: "hint" }, "Enter sends; Shift+Enter adds a line; / at the start picks a quick reply. With an attachment the message is its caption."),
      h(
        "div",
        { class: "actions" },
        h("div", { class: "attach" }, h("label", { for: "message-file" }, "Attach file"), this.fileInput),
        this.fileName,
        this.removeButton,
        this.sendButton,
      ),
      this.textError,
    );
    this.textForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendText();
    });
    this.quickReplies?.attach(this.textarea);
    this.textarea.addEventListener("keydown", (event) => {
      if (this.quickReplies?.onKeydown(event)) return;
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.sendText();
      }
    });
    // An edited draft is a new message: a new key, so it is never mistaken for the old one.
    this.textarea.addEventListener("input", () => {
      this.key = null;
      // The customer sees "typing…" (at most every 20 s, see typing.js); only a real keystroke counts.
      if (this.mode === "text" && this.textarea.value) this.onTyping?.();
    });

    // The template picker loads the first time a template is wanted (see loadPicker).
    this.picker = null;
    this.pickerSlot = h("div", { class: "picker-slot" }, h("p", { class: "hint" }, "Loading the template picker…"));
    this.templateError = h("p", { class: "error", role: "alert", hidden: true });
    this.templateButton = h("button", { type: "submit", class: "primary" }, "Send template");
    this.templateForm = h(
      "form",
      { class: "template", "aria-label": "Approved template" },
      h("h3", {}, "Send an approved template"),
      h("p", { class: "hint" }, "Templates approved by WhatsApp can be sent at any time, also after the 24-hour window."),
      this.pickerSlot,
      h("div", { class: "actions" }, this.templateButton),
      this.templateError,
    );
    this.templateForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendTemplate();
    });
    this.templateForm.addEventListener("input", () => (this.templateKey = null));

    this.notice = h("p", { class: "notice", role: "status" });
    this.templateToggle = h("details", { class: "template-toggle" }, h("summary", {}, "Use a template"), this.templateForm);
    this.templateToggle.addEventListener("toggle", () => {
      if (this.templateToggle.open) this.loadPicker();
    });
    this.deferForm = new DeferForm({ send: (content, key) => this.send(content, key), onSent: (message) => this.onSent?.(message) });
    replaceChildren(root, this.notice, this.textForm, this.templateToggle, this.deferForm.form);
  }

  /** Loads the picker module once (the first time a template is wanted), then the list. */
  loadPicker() {
    this.pickerLoading ??= import("./templates.js").then(
      ({ TemplatePicker }) => {
        this.picker = new TemplatePicker({
          api: this.api,
          prefix: "template",
          isAdmin: this.isAdmin,
          onInput: () => (this.templateKey = null),
          onChoose: () => (this.templateError.hidden = true),
        });
        replaceChildren(this.pickerSlot, this.picker.root);
        return this.picker.load();
      },
      () => {
        this.pickerLoading = null;
        const retry = h("button", { type: "button", class: "secondary", onclick: () => this.loadPicker() }, "Retry");
        replaceChildren(this.pickerSlot, h("p", { class: "error", role: "alert" }, "The template picker could not be loaded."), retry);
      },
    );
    return this.pickerLoading;
  }

  /**
   * What the agent may send: "text" (window open, assigned), "template" (window closed,
   * assigned), or "none" with a reason.
   */
  setMode(mode, reason = "") {
    this.mode = mode;
    const text = mode === "text";
    this.textarea.disabled = !text;
    this.fileInput.disabled = !text;
    this.sendButton.disabled = !text || this.busy;
    // Outside the window free text cannot go out at all: only the template form is offered.
    this.textForm.hidden = mode !== "text";
    this.templateToggle.hidden = mode === "none";
    // Once the window closed, a reply can also wait for the customer's next message.
    this.deferForm.form.hidden = mode !== "template";
    if (mode === "template") this.templateToggle.open = true;
    this.notice.textContent = reason;
    this.notice.hidden = !reason;
  }

  chooseFile(file) {
    this.textError.hidden = true;
    this.key = null;
    if (!file) return this.clearAttachment();
    const problem = attachmentProblem(file);
    if (problem) {
      this.clearAttachment();
      this.showError(this.textError, problem);
      return;
    }
    this.attachment = { file, url: null };
    this.fileName.textContent = `Attached: ${file.name}`;
    this.removeButton.hidden = false;
  }

  clearAttachment() {
    this.attachment = null;
    this.fileInput.value = "";
    this.fileName.textContent = "";
    this.removeButton.hidden = true;
    this.key = null;
  }

  async sendText() {
    if (this.busy || this.mode !== "text") return;
    const body = this.textarea.value;
    if (this.attachment) return this.sendAttachment(body);
    if (!body.trim()) {
      this.showError(this.textError, "Write a message first.");
      return;
    }
    this.key ??= newKey();
    const sent = await this.post({ body }, this.key, this.textError, this.sendButton);
    if (sent) {
      this.textarea.value = "";
      this.key = null;
      this.textarea.focus();
    }
  }

  /** Uploads the attachment (once), then sends it with the message as its caption. */
  async sendAttachment(caption) {
    const attachment = this.attachment;
    if (!attachment.url) {
      this.busy = true;
      this.sendButton.disabled = true;
      this.textError.hidden = true;
      this.fileName.textContent = `Uploading ${attachment.file.name}…`;
      try {
        attachment.url = (await this.upload(attachment.file)).media_url;
      } catch (error) {
        this.showError(this.textError, error.message);
        return;
      } finally {
        this.busy = false;
        this.sendButton.disabled = this.mode !== "text";
        this.fileName.textContent = this.attachment ? `Attached: ${attachment.file.name}` : "";
      }
    }
    const content = { media_url: attachment.url };
    if (caption.trim()) content.body = caption;
    this.key ??= newKey();
    const sent = await this.post(content, this.key, this.textError, this.sendButton);
    if (sent) {
      this.textarea.value = "";
      this.clearAttachment();
      this.textarea.focus();
    }
  }

  async sendTemplate() {
    if (this.busy) return;
    if (!this.picker) {
      this.showError(this.templateError, "The templates are still loading.");
      return;
    }
    const chosen = this.picker.read();
    if (chosen.problem) {
      this.showError(this.templateError, chosen.problem);
      chosen.field?.focus();
      return;
    }
    this.templateKey ??= newKey();
    const sent = await this.post({ template: chosen.template }, this.templateKey, this.templateError, this.templateButton);
    if (sent) {
      this.templateKey = null;
      this.picker.reset();
    }
  }

  async post(content, key, errorElement, button) {
    this.busy = true;
    button.disabled = true;
    errorElement.hidden = true;
    try {
      const message = await this.send(content, key);
      this.onSent?.(message);
      return true;
    } catch (error) {
      const template = button === this.templateButton && this.picker;
      this.showError(errorElement, template ? this.picker.explain(error) : error.message);
      return false;
    } finally {
      this.busy = false;
      button.disabled = button === this.sendButton ? this.mode !== "text" : false;
    }
  }

  showError(element, message) {
    element.textContent = message;
    element.hidden = false;
  }
}
