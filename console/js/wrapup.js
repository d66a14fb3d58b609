// The wrap-up form: after the assigned agent's conversation closes (their own Close, or an
// administrator's), a dialog asks for its outcome (one of GET /dispositions), a summary, tags
// and linked records, saved with PUT …/outcome. Escape or **Later** leaves it; the conversation
// then reads "Wrap-up pending" in Recently closed and in its header until an outcome is saved.
// Loaded the first time a wrap-up is wanted.

import { h, replaceChildren } from "./dom.js";
import { customerName } from "./customer.js";
import { timeOfDay } from "./clock.js";
import { MAX_SUMMARY_CHARS, parseTags, summaryCount, wrapUpPending } from "./outcomes.js";
import { RecordsSection } from "./records.js";

const COUNT_ANNOUNCE_MS = 1000;

export class WrapUps {
  /** `onSaved(conversation)` gets the view the server answered; `onChanged(id, partial)` a record change. */
  constructor({ api, agentId, isAdmin, onSaved, onChanged }) {
    this.api = api;
    this.agentId = agentId;
    this.isAdmin = isAdmin;
    this.onSaved = onSaved;
    this.onChanged = onChanged;
    /** The conversation the dialog shows, and those waiting their turn. */
    this.current = null;
    this.waiting = [];
    /** Conversations whose wrap-up was shown: offered by itself once, never again after Later. */
    this.offered = new Set();
    this.dialog = h("dialog", { id: "wrapup", class: "wrapup", "aria-labelledby": "wrapup-title", "aria-describedby": "wrapup-intro" });
    // Escape: the same as Later.
    this.dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      this.later();
    });
    document.body.append(this.dialog);
  }

  /**
   * Opens the wrap-up of conversation `id`; `auto` when it was closed by someone else: then only
   * if it still has no outcome and is this agent's. One dialog at a time; others wait their turn.
   */
  async open(id, { auto = false } = {}) {
    if (this.current?.id === id || this.waiting.some((w) => w.id === id)) return;
    if (auto && this.offered.has(id)) return;
    if (this.current) {
      this.waiting.push({ id, auto });
      return;
    }
    this.current = { id };
    let view;
    try {
      view = await this.api.conversation(id);
    } catch (error) {
      if (auto) return this.next();
      this.show({ id, customer: {}, tags: [] }, error);
      return;
    }
    if (auto && !wrapUpPending(view, this.agentId)) return this.next();
    this.show(view);
  }

  next() {
    this.current = null;
    const following = this.waiting.shift();
    if (following) this.open(following.id, { auto: following.auto });
  }

  /** Builds the dialog for `conversation` and moves the keyboard into it. */
  show(conversation, loadError = null) {
    this.current = { id: conversation.id, conversation };
    this.offered.add(conversation.id);
    this.returnFocus = document.activeElement;
    const editing = Boolean(conversation.outcome);
    const name = customerName(conversation.customer);
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.select = h("select", { id: "wrapup-disposition", required: true, "aria-describedby": "wrapup-disposition-note" });
    this.dispositionNote = h("p", { id: "wrapup-disposition-note", class: "hint" });
    this.summary = h("textarea", { id: "wrapup-summary", rows: 4, "aria-describedby": "wrapup-summary-count" });
    this.summary.value = conversation.outcome?.summary ?? "";
    this.count = h("p", { id: "wrapup-summary-count", class: "hint count" });
    // The count is read out once typing pauses, not at every keystroke.
    this.countStatus = h("p", { class: "visually-hidden", role: "status" });
    this.summary.addEventListener("input", () => this.updateCount(true));
    this.tags = h("input", { id: "wrapup-tags", type: "text", autocomplete: "off", "aria-describedby": "wrapup-tags-hint" });
    this.tags.value = (conversation.tags ?? []).join(", ");
    this.saveButton = h("button", { type: "submit", class: "primary", form: "wrapup-form" }, "Save outcome");
    const form = h(
      "form",
      { id: "wrapup-form", class: "wrapup-form", "aria-label": "Outcome", novalidate: true },
      h("div", { class: "field" }, h("label", { for: "wrapup-disposition" }, "Outcome"), this.select, this.dispositionNote),
      h(
        "div",
        { class: "field" },
        h("label", { for: "wrapup-summary" }, "Summary (optional)"),
        this.summary,
        this.count,
        this.countStatus,
      ),
      h(
        "div",
        { class: "field" },
        h("label", { for: "wrapup-tags" }, "Tags"),
        h("p", { id: "wrapup-tags-hint", class: "hint" }, "Separate tags with commas; at most 10, each up to 32 characters."),
        this.tags,
      ),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    // A correction takes the previous refusal away (the count still says if the summary is too long).
    form.addEventListener("input", () => {
      this.error.hidden = true;
      this.select.removeAttribute("aria-invalid");
      this.tags.removeAttribute("aria-invalid");
    });
    this.records = new RecordsSection({
      api: this.api,
      agentId: this.agentId,
      isAdmin: this.isAdmin,
      prefix: "wrapup-",
      onChanged: (id, partial) => this.onChanged?.(id, partial),
    });
    this.records.show(conversation);
    this.heading = h("h2", { id: "wrapup-title", tabindex: "-1" }, name ? `Wrap-up: ${name}` : "Wrap-up");
    const closed = conversation.closed_by
      ? `${conversation.closed_by === this.agentId ? "You" : conversation.closed_by} closed this conversation${conversation.closed_at ? ` at ${timeOfDay(conversation.closed_at)}` : ""}.`
      : "This conversation is closed.";
    replaceChildren(
      this.dialog,
      this.heading,
      h("p", { id: "wrapup-intro", class: "muted" }, editing ? `${closed} Its outcome can be changed.` : `${closed} Record its outcome.`),
      this.error,
      form,
      this.records.root,
      h(
        "div",
        { class: "actions dialog-actions" },
        this.saveButton,
        h("button", { type: "button", class: "secondary", onclick: () => this.later() }, editing ? "Cancel" : "Later"),
      ),
    );
    this.updateCount(false);
    if (!this.dialog.open) this.dialog.showModal();
    if (loadError) {
      this.fail(loadError);
      this.saveButton.disabled = true;
      return;
    }
    // The keyboard starts on the heading, then goes to Outcome once the outcomes are there.
    this.heading.focus();
    this.loadDispositions(conversation);
  }

  async loadDispositions(conversation) {
    const chosen = conversation.outcome?.disposition ?? "";
    this.saveButton.disabled = true;
    replaceChildren(this.select, h("option", { value: "" }, "Loading outcomes…"));
    this.dispositionNote.textContent = "";
    try {
      const { dispositions } = await this.api.dispositions();
      if (this.current?.id !== conversation.id) return;
      const options = [...dispositions];
      // An outcome whose code was deleted since stays selectable as it was recorded.
      if (chosen && !options.some((d) => d.code === chosen)) options.push({ code: chosen, label: conversation.outcome.label || chosen });
      if (!options.length) {
        replaceChildren(this.select, h("option", { value: "" }, "No outcomes defined"));
        this.select.disabled = true;
        this.dispositionNote.textContent =
          "No outcomes have been defined yet, so none can be recorded: ask an administrator to add them (Outcomes, in the top bar). Choose Later to come back to it.";
        this.dispositionNote.className = "notice-text";
        return;
      }
      replaceChildren(
        this.select,
        h("option", { value: "" }, "Choose an outcome"),
        options.map((d) => h("option", { value: d.code, selected: d.code === chosen }, d.label)),
      );
      this.select.value = chosen;
      this.select.disabled = false;
      if (document.activeElement === this.heading) this.select.focus();
      this.saveButton.disabled = false;
      this.dispositionNote.className = "hint";
      this.dispositionNote.textContent = "Required.";
    } catch (error) {
      if (this.current?.id !== conversation.id) return;
      replaceChildren(this.select, h("option", { value: "" }, "Outcomes not loaded"));
      this.dispositionNote.className = "hint";
      this.dispositionNote.replaceChildren(
        h("span", { class: "error" }, `The outcomes could not be loaded: ${error.message} `),
        h("button", { type: "button", class: "secondary small", onclick: () => this.loadDispositions(conversation) }, "Retry"),
      );
    }
  }

  updateCount(typed) {
    const count = summaryCount(this.summary.value);
    this.count.textContent = count.text;
    this.count.classList.toggle("over", count.over);
    if (count.over) this.summary.setAttribute("aria-invalid", "true");
    else this.summary.removeAttribute("aria-invalid");
    clearTimeout(this.countTimer);
    if (typed) this.countTimer = setTimeout(() => (this.countStatus.textContent = count.text), COUNT_ANNOUNCE_MS);
  }

  fail(error, field = null) {
    this.error.textContent = error.message ?? String(error);
    this.error.hidden = false;
    field?.setAttribute("aria-invalid", "true");
    field?.focus();
  }

  async save() {
    const conversation = this.current?.conversation;
    if (!conversation) return;
    this.error.hidden = true;
    this.select.removeAttribute("aria-invalid");
    this.tags.removeAttribute("aria-invalid");
    if (!this.select.value) return this.fail(new Error("Choose an outcome."), this.select);
    const count = summaryCount(this.summary.value);
    if (count.over) {
      return this.fail(
        new Error(`The summary is at most ${MAX_SUMMARY_CHARS.toLocaleString("en-GB")} characters: ${count.text}.`),
        this.summary,
      );
    }
    const { tags, problem } = parseTags(this.tags.value);
    if (problem) return this.fail(new Error(problem), this.tags);
    const summary = this.summary.value.trim();
    this.saveButton.disabled = true;
    try {
      const saved = await this.api.saveOutcome(conversation.id, {
        disposition: this.select.value,
        summary: summary || null,
        tags,
      });
      this.close();
      this.onSaved?.(saved ?? { ...conversation, tags });
    } catch (error) {
      this.fail(error);
    } finally {
      this.saveButton.disabled = false;
    }
  }

  /** Escape or Later: the conversation stays pending; the keyboard goes back where it was. */
  later() {
    this.close();
  }

  close() {
    clearTimeout(this.countTimer);
    if (this.dialog.open) this.dialog.close();
    const back = this.returnFocus;
    this.returnFocus = null;
    if (back?.isConnected && !back.closest("[hidden], [inert]")) back.focus();
    else document.querySelector("#panel")?.focus();
    this.next();
  }
}
