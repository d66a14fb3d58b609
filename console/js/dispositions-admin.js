// Administrators' page for outcome codes (dispositions): the list agents pick from when they wrap
// up a closed conversation. Every agent reads them; only administrators write them (the server
// answers 403 otherwise). Loaded on first use.

import { h, replaceChildren } from "./dom.js";
import { dispositionProblem } from "./outcomes.js";

export class DispositionsAdmin {
  constructor({ root, api, onClose }) {
    this.api = api;
    this.list = h("ul", { class: "results", "aria-label": "Outcome codes" });
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.status = h("p", { class: "muted", role: "status" });
    const field = (id, label, element) => h("div", { class: "field" }, h("label", { for: id }, label), element);
    this.codeInput = h("input", { id: "disposition-code", type: "text", maxlength: 64, autocomplete: "off", required: true });
    this.labelInput = h("input", { id: "disposition-label", type: "text", maxlength: 100, autocomplete: "off", required: true });
    this.form = h(
      "form",
      { class: "template", "aria-label": "Save an outcome code", novalidate: true },
      field("disposition-code", "Code (letters, digits, - and _)", this.codeInput),
      field("disposition-label", "Label", this.labelInput),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", class: "primary" }, "Save outcome code"),
        h("button", { type: "button", class: "secondary", onclick: () => onClose?.() }, "Back to conversations"),
      ),
    );
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    replaceChildren(
      root,
      h("h2", { id: "dispositions-title" }, "Outcomes"),
      h("p", { class: "hint" }, "Agents choose one of these when they wrap up a closed conversation. Saving an existing code changes its label."),
      this.form,
      this.error,
      this.status,
      this.list,
    );
  }

  focus() {
    this.codeInput.focus();
  }

  fail(error) {
    this.error.textContent = error.message;
    this.error.hidden = false;
  }

  async load() {
    this.error.hidden = true;
    try {
      const { dispositions } = await this.api.dispositions();
      this.status.textContent = dispositions.length ? "" : "No outcome codes yet: agents cannot record an outcome until you add one.";
      replaceChildren(
        this.list,
        dispositions.map((d) =>
          h(
            "li",
            { class: "result" },
            h("p", {}, h("strong", {}, d.label), ` (${d.code})`),
            d.updated_by ? h("p", { class: "muted" }, `Last changed by ${d.updated_by}`) : null,
            h(
              "div",
              { class: "actions" },
              h("button", { type: "button", class: "secondary", "aria-label": `Edit outcome ${d.label}`, onclick: () => this.edit(d) }, "Edit"),
              h("button", { type: "button", class: "secondary", "aria-label": `Delete outcome ${d.label}`, onclick: () => this.remove(d) }, "Delete"),
            ),
          ),
        ),
      );
    } catch (error) {
      this.fail(error);
    }
  }

  edit(d) {
    this.codeInput.value = d.code;
    this.labelInput.value = d.label;
    this.labelInput.focus();
  }

  async save() {
    this.error.hidden = true;
    const code = this.codeInput.value.trim();
    const label = this.labelInput.value.trim();
    const problem = dispositionProblem(code, label);
    if (problem) {
      this.fail(new Error(problem));
      (dispositionProblem(code, "x") ? this.codeInput : this.labelInput).focus();
      return;
    }
    try {
      await this.api.putDisposition(code, label);
      this.form.reset();
      await this.load();
      this.status.textContent = `Saved ${label}.`;
      this.codeInput.focus();
    } catch (error) {
      this.fail(error);
    }
  }

  async remove(d) {
    this.error.hidden = true;
    try {
      await this.api.deleteDisposition(d.code);
      await this.load();
      if (!this.status.textContent) this.status.textContent = `Deleted ${d.label}.`;
      this.codeInput.focus();
    } catch (error) {
      this.fail(error);
    }
  }
}
