// Administrators' page for quick replies: every agent reads them, only administrators write
// them (the server answers 403 otherwise).

import { h, replaceChildren } from "./dom.js";

export class QuickRepliesAdmin {
  constructor({ root, api, onClose }) {
    this.api = api;
    this.list = h("ul", { class: "results", "aria-label": "Quick replies" });
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.status = h("p", { class: "muted", role: "status" });
    const field = (id, label, element) => h("div", { class: "field" }, h("label", { for: id }, label), element);
    this.idInput = h("input", { id: "qr-id", type: "text", maxlength: 64, pattern: "[A-Za-z0-9_-]+", required: true });
    this.titleInput = h("input", { id: "qr-title-input", type: "text", maxlength: 100, required: true });
    this.bodyInput = h("textarea", { id: "qr-body", rows: 3, maxlength: 1600, required: true });
    this.form = h(
      "form",
      { class: "template", "aria-label": "Save a quick reply" },
      field("qr-id", "ID (letters, digits, - and _)", this.idInput),
      field("qr-title-input", "Title", this.titleInput),
      field("qr-body", "Text", this.bodyInput),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save quick reply"), h("button", { type: "button", class: "secondary", onclick: () => onClose?.() }, "Back to conversations")),
    );
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    replaceChildren(root, h("h2", { id: "qr-title" }, "Quick replies"), this.form, this.error, this.status, this.list);
  }

  focus() {
    this.idInput.focus();
  }

  fail(error) {
    this.error.textContent = error.message;
    this.error.hidden = false;
  }

  async load() {
    this.error.hidden = true;
    try {
      const { quick_replies } = await this.api.quickReplies();
      this.status.textContent = quick_replies.length ? "" : "No quick replies yet.";
      replaceChildren(
        this.list,
        quick_replies.map((q) =>
          h(
            "li",
            { class: "result" },
            h("p", {}, h("strong", {}, q.title), ` (${q.id})`),
            h("p", { class: "snippet" }, q.body),
            h(
              "div",
              { class: "actions" },
              h("button", { type: "button", class: "secondary", "aria-label": `Edit quick reply ${q.title}`, onclick: () => this.edit(q) }, "Edit"),
              h("button", { type: "button", class: "secondary", "aria-label": `Delete quick reply ${q.title}`, onclick: () => this.remove(q) }, "Delete"),
            ),
          ),
        ),
      );
    } catch (error) {
      this.fail(error);
    }
  }

  edit(q) {
    this.idInput.value = q.id;
    this.titleInput.value = q.title;
    this.bodyInput.value = q.body;
    this.titleInput.focus();
  }

  async save() {
    this.error.hidden = true;
    try {
      await this.api.putQuickReply(this.idInput.value.trim(), this.titleInput.value, this.bodyInput.value);
      this.form.reset();
      await this.load();
      this.status.textContent = "Saved.";
    } catch (error) {
      this.fail(error);
    }
  }

  async remove(q) {
    this.error.hidden = true;
    try {
      await this.api.deleteQuickReply(q.id);
      await this.load();
    } catch (error) {
      this.fail(error);
    }
  }
}
