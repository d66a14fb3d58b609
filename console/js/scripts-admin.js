// Administrators' page for agent scripts: the steps an agent ticks beside the transcript, for
// one or more of our numbers (or every number). Every agent reads them; only administrators
// write them (the server answers 403 otherwise). Loaded on first use.

import { editDeleteActions } from "./admin-actions.js";
import { h, replaceChildren } from "./dom.js";
import { loadAssistStyles, numbersText, scriptDraft, stepsCount } from "./assist.js";

export class ScriptsAdmin {
  constructor({ root, api, onClose }) {
    this.api = api;
    loadAssistStyles();
    this.list = h("ul", { class: "results", "aria-label": "Scripts" });
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.status = h("p", { class: "muted", role: "status" });
    const hint = (id, text) => h("p", { id, class: "hint" }, text);
    const field = (id, label, element, note = null) => h("div", { class: "field" }, h("label", { for: id }, label), note, element);
    this.idInput = h("input", { id: "sa-id", type: "text", maxlength: 64, autocomplete: "off", "aria-describedby": "sa-id-hint" });
    this.titleInput = h("input", { id: "sa-title", type: "text", maxlength: 200, autocomplete: "off", required: true });
    this.stepsInput = h("textarea", { id: "sa-steps", rows: 6, required: true, "aria-describedby": "sa-steps-hint sa-steps-count" });
    this.count = h("p", { id: "sa-steps-count", class: "hint count" });
    this.numbersInput = h("input", { id: "sa-numbers", type: "text", autocomplete: "off", "aria-describedby": "sa-numbers-hint" });
    this.stepsInput.addEventListener("input", () => this.showCount());
    this.form = h(
      "form",
      { class: "template admin-form", "aria-label": "Save a script", novalidate: true },
      field("sa-title", "Title", this.titleInput),
      field("sa-id", "ID (optional)", this.idInput, hint("sa-id-hint", "Letters, digits, - and _; made from the title when empty. Saving an existing ID replaces that script.")),
      h(
        "div",
        { class: "field" },
        h("label", { for: "sa-steps" }, "Steps, one per line"),
        hint("sa-steps-hint", "Up to 30 steps of at most 500 characters, in the order agents follow them."),
        this.stepsInput,
        this.count,
      ),
      field(
        "sa-numbers",
        "Our numbers (optional)",
        this.numbersInput,
        hint("sa-numbers-hint", "The WhatsApp numbers customers write to that use this script, e.g. +14155238886, comma-separated; empty: every number without a script of its own."),
      ),
      this.error,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", class: "primary" }, "Save script"),
        h("button", { type: "button", class: "secondary", onclick: () => this.clear() }, "Clear the form"),
        h("button", { type: "button", class: "secondary", onclick: () => onClose?.() }, "Back to conversations"),
      ),
    );
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    replaceChildren(
      root,
      h("h2", { id: "scripts-admin-title" }, "Scripts"),
      h("p", { class: "hint" }, "The checklist an agent follows beside the transcript: the script for the number the customer wrote to, else the one for every number."),
      this.form,
      this.status,
      h("h3", {}, "Scripts"),
      this.list,
    );
    this.showCount();
  }

  focus() {
    this.titleInput.focus();
  }

  showCount() {
    const count = stepsCount(this.stepsInput.value);
    this.count.textContent = count.text;
    this.count.classList.toggle("over", count.over);
  }

  fail(error, field = null) {
    this.error.textContent = error.message;
    this.error.hidden = false;
    field?.focus();
  }

  clear() {
    this.form.reset();
    this.error.hidden = true;
    this.showCount();
    this.titleInput.focus();
  }

  async load() {
    this.error.hidden = true;
    try {
      const { scripts } = await this.api.scripts();
      this.status.textContent = scripts.length ? "" : "No scripts yet.";
      replaceChildren(this.list, scripts.map((s) => this.item(s)));
    } catch (error) {
      this.fail(error);
    }
  }

  item(s) {
    const actions = editDeleteActions({
      what: "script",
      title: s.title,
      consequence: "Agents will no longer see it.",
      onEdit: () => this.edit(s),
      onDelete: () => this.remove(s),
    });
    return h(
      "li",
      { class: "result", dataset: { scriptId: s.id } },
      h("p", {}, h("strong", {}, s.title), ` (${s.id})`),
      h("p", { class: "muted" }, `${numbersText(s.numbers)} · ${s.steps.length} step${s.steps.length === 1 ? "" : "s"}${s.updated_by ? ` · last changed by ${s.updated_by}` : ""}`),
      h("ol", { class: "script-steps" }, s.steps.map((step) => h("li", {}, step))),
      actions,
    );
  }

  edit(s) {
    this.error.hidden = true;
    this.idInput.value = s.id;
    this.titleInput.value = s.title;
    this.stepsInput.value = s.steps.join("\n");
    this.numbersInput.value = (s.numbers ?? []).map((n) => n.replace(/^whatsapp:/, "")).join(", ");
    this.showCount();
    this.status.textContent = `Editing “${s.title}”.`;
    this.titleInput.focus();
  }

  async save() {
    this.error.hidden = true;
    const draft = scriptDraft({ id: this.idInput.value, title: this.titleInput.value, steps: this.stepsInput.value, numbers: this.numbersInput.value });
    const fields = { title: this.titleInput, steps: this.stepsInput, numbers: this.numbersInput, id: this.idInput };
    if (draft.problem) return this.fail(new Error(draft.problem), fields[draft.field]);
    try {
      await this.api.putScript(draft.id, draft.body);
    } catch (error) {
      return this.fail(error, error.status === 422 ? this.stepsInput : null);
    }
    this.form.reset();
    this.showCount();
    await this.load();
    this.status.textContent = `Saved “${draft.body.title}” (${draft.id}).`;
    this.titleInput.focus();
  }

  async remove(s) {
    this.error.hidden = true;
    try {
      await this.api.deleteScript(s.id);
    } catch (error) {
      return this.fail(error);
    }
    await this.load();
    this.status.textContent = `Deleted “${s.title}”.`;
    this.titleInput.focus();
  }
}
