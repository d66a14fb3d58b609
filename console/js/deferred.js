// Deferred replies: after the 24-hour window closed, an agent may leave a reply that goes out
// the moment the customer writes again (the server keeps it; nothing is sent before). Shown
// with the template form, since both are what is left once free text is refused.

import { h } from "./dom.js";

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export class DeferForm {
  /** `send(content, key)` posts the reply (with `defer: true`) and resolves with the kept message. */
  constructor({ send, onSent }) {
    this.send = send;
    this.onSent = onSent;
    this.key = null;
    this.textarea = h("textarea", { id: "deferred-text", rows: 2, maxlength: 1600 });
    this.button = h("button", { type: "submit", class: "secondary" }, "Send when they write");
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.form = h(
      "form",
      { class: "deferred", "aria-label": "Reply when the customer writes again" },
      h("label", { for: "deferred-text" }, "Reply when the customer writes again"),
      h(
        "p",
        { class: "hint", id: "deferred-hint" },
        "Kept, not sent: it goes out the moment the customer writes again, and you can cancel it until then.",
      ),
      this.textarea,
      h("div", { class: "actions" }, this.button),
      this.error,
    );
    this.textarea.setAttribute("aria-describedby", "deferred-hint");
    this.textarea.addEventListener("input", () => (this.key = null));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  async submit() {
    const body = this.textarea.value;
    if (!body.trim()) {
      this.showError("Write the reply first.");
      return;
    }
    this.key ??= newKey();
    this.button.disabled = true;
    this.error.hidden = true;
    try {
      const message = await this.send({ body, defer: true }, this.key);
      this.onSent?.(message);
      this.textarea.value = "";
      this.key = null;
    } catch (error) {
      this.showError(error.message);
    } finally {
      this.button.disabled = false;
    }
  }

  showError(message) {
    this.error.textContent = message;
    this.error.hidden = false;
  }
}
