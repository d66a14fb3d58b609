// A conversation's tags and linked records, on any conversation (active or closed): the
// conversation view shows both, the wrap-up form the records. Each change is sent at once
// (`PUT …/tags`, `POST`/`DELETE …/records`) and the lists follow the server's answer. A record
// can also be created in the records system (`POST …/records` with `create`) and linked at once.

import { h, replaceChildren } from "./dom.js";
import {
  createRecordBody,
  createRecordError,
  createRecordProblem,
  mayManage,
  parseTags,
  recordBody,
  recordLink,
  recordName,
  recordProblem,
  recordTitle,
  withoutTag,
} from "./outcomes.js";

const SYSTEM_KEY = "console.record-system";

/** The system this agent last linked or created a record in (this tab), else "crm". */
function lastSystem() {
  try {
    return sessionStorage.getItem(SYSTEM_KEY) || "crm";
  } catch {
    return "crm";
  }
}

function rememberSystem(system) {
  try {
    sessionStorage.setItem(SYSTEM_KEY, system);
  } catch {
    // Storage refused (a private window's quota): the next form starts with "crm".
  }
}

const field = (id, label, input, hint = null, wide = false) =>
  h("div", { class: wide ? "field wide" : "field" }, h("label", { for: id }, label), hint, input);

/** A message in `region` (role="alert" or "status"); empty hides it. */
function say(region, text) {
  region.textContent = text ?? "";
  region.hidden = !text;
}

/** Tags: each with **Remove**, and **New tags** (comma-separated) with **Add tags**. */
export class TagsControl {
  /** `onChanged({tags})` is told the tags the server kept. */
  constructor({ api, prefix = "", onChanged }) {
    this.api = api;
    this.onChanged = onChanged;
    this.conversation = null;
    const id = (name) => `${prefix}${name}`;
    this.list = h("ul", { class: "chips", "aria-label": "Tags" });
    this.input = h("input", { id: id("tags-new"), type: "text", autocomplete: "off", "aria-describedby": id("tags-hint") });
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.status = h("p", { class: "visually-hidden", role: "status" });
    this.button = h("button", { type: "submit", class: "secondary" }, "Add tags");
    this.form = h(
      "form",
      { class: "inline-form", "aria-label": "Add tags" },
      field(id("tags-new"), "New tags", this.input, h("p", { id: id("tags-hint"), class: "hint" }, "Separate tags with commas; at most 10, each up to 32 characters.")),
      h("div", { class: "actions" }, this.button),
      this.error,
    );
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.add();
    });
    this.input.addEventListener("input", () => {
      say(this.error, "");
      this.input.removeAttribute("aria-invalid");
    });
    this.root = h(
      "section",
      { class: "tool tags-panel", "aria-labelledby": id("tags-title") },
      h("h3", { id: id("tags-title") }, "Tags"),
      this.list,
      this.form,
      this.status,
    );
  }

  show(conversation) {
    if (conversation.id !== this.conversation?.id) {
      this.input.value = "";
      say(this.error, "");
    }
    this.conversation = conversation;
    this.render(conversation.tags ?? []);
  }

  render(tags) {
    replaceChildren(
      this.list,
      tags.length
        ? tags.map((tag) =>
            h(
              "li",
              { class: "chip" },
              h("span", {}, tag),
              h("button", { type: "button", class: "chip-remove", "aria-label": `Remove tag ${tag}`, title: `Remove tag ${tag}`, onclick: () => this.remove(tag) }, "×"),
            ),
          )
        : h("li", { class: "muted" }, "No tags yet."),
    );
  }

  async add() {
    const current = this.conversation?.tags ?? [];
    const { tags, problem } = parseTags(this.input.value, current);
    if (problem || tags.length === current.length) {
      say(this.error, problem ?? "Type a tag first.");
      this.input.setAttribute("aria-invalid", "true");
      this.input.focus();
      return;
    }
    if (await this.save(tags)) {
      this.input.value = "";
      this.input.removeAttribute("aria-invalid");
    }
  }

  async remove(tag) {
    const index = (this.conversation?.tags ?? []).indexOf(tag);
    if (await this.save(withoutTag(this.conversation?.tags ?? [], tag))) {
      // The keyboard stays in the list: on the next tag's Remove, else on New tags.
      const buttons = this.list.querySelectorAll("button");
      (buttons[Math.min(index, buttons.length - 1)] ?? this.input).focus();
    }
  }

  async save(tags) {
    const conversation = this.conversation;
    say(this.error, "");
    this.button.disabled = true;
    try {
      const answer = await this.api.setTags(conversation.id, tags);
      const kept = answer?.tags ?? tags;
      if (this.conversation?.id === conversation.id) {
        this.conversation = { ...this.conversation, tags: kept };
        this.render(kept);
        this.status.textContent = kept.length ? `Tags: ${kept.join(", ")}.` : "No tags.";
      }
      this.onChanged?.(conversation.id, { tags: kept });
      return true;
    } catch (error) {
      say(this.error, error.message);
      return false;
    } finally {
      this.button.disabled = false;
    }
  }
}

/**
 * Linked records: each a link (https) or text, **Unlink** for the assigned agent or an
 * administrator; **Link record**; **Create record** (System and Title) for a new one.
 */
export class RecordsSection {
  constructor({ api, agentId, isAdmin, prefix = "", onChanged }) {
    this.api = api;
    this.agentId = agentId;
    this.isAdmin = isAdmin;
    this.onChanged = onChanged;
    this.conversation = null;
    const id = (name) => `${prefix}${name}`;
    this.list = h("ul", { class: "records", "aria-label": "Linked records" });
    this.system = h("input", { id: id("record-system"), type: "text", autocomplete: "off", maxlength: 32, placeholder: "crm" });
    this.recordId = h("input", { id: id("record-id"), type: "text", autocomplete: "off", maxlength: 128, placeholder: "CASE-42" });
    this.url = h("input", { id: id("record-url"), type: "url", autocomplete: "off", placeholder: "https://" });
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.status = h("p", { class: "visually-hidden", role: "status" });
    this.button = h("button", { type: "submit", class: "secondary" }, "Link record");
    this.form = h(
      "form",
      { class: "record-form", "aria-label": "Link a record" },
      field(id("record-system"), "System", this.system),
      field(id("record-id"), "Record ID", this.recordId),
      field(id("record-url"), "Link (https, optional)", this.url, null, true),
      h("div", { class: "actions" }, this.button),
      this.error,
    );
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.link();
    });
    this.form.addEventListener("input", () => say(this.error, ""));

    this.createSystem = h("input", { id: id("record-create-system"), type: "text", autocomplete: "off", maxlength: 32 });
    this.createTitle = h("input", { id: id("record-create-title"), type: "text", autocomplete: "off" });
    this.createError = h("p", { class: "error", role: "alert", hidden: true });
    this.createButton = h("button", { type: "submit", class: "secondary" }, "Create record");
    this.createForm = h(
      "form",
      { class: "record-form record-create", "aria-labelledby": id("record-create-title-heading") },
      h("h4", { id: id("record-create-title-heading"), class: "wide" }, "Create a record"),
      field(id("record-create-system"), "System", this.createSystem),
      field(id("record-create-title"), "Title", this.createTitle, null, true),
      h("div", { class: "actions" }, this.createButton),
      this.createError,
    );
    this.createForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.create();
    });
    this.createForm.addEventListener("input", () => this.clearCreateError());
    this.root = h(
      "section",
      { class: "tool records-panel", "aria-labelledby": id("records-title") },
      h("h3", { id: id("records-title") }, "Linked records"),
      this.list,
      this.form,
      this.createForm,
      this.status,
    );
  }

  show(conversation) {
    if (conversation.id !== this.conversation?.id) {
      this.form.reset();
      say(this.error, "");
      this.createSystem.value = lastSystem();
      this.createTitle.value = recordTitle(conversation);
      this.clearCreateError();
    }
    // `records` is only on GET /conversations/{id}: an answer without it changes nothing.
    const records = conversation.records ?? (conversation.id === this.conversation?.id ? this.conversation.records : undefined);
    this.conversation = { ...conversation, records };
    this.render();
  }

  render() {
    const records = this.conversation?.records;
    const unlink = mayManage(this.conversation, this.agentId, this.isAdmin);
    if (!records) return replaceChildren(this.list, h("li", { class: "muted" }, "Loading…"));
    replaceChildren(
      this.list,
      records.length
        ? records.map((record) => {
            const name = recordName(record);
            const href = recordLink(record);
            return h(
              "li",
              { class: "record" },
              href
                ? h("a", { href, target: "_blank", rel: "noopener noreferrer" }, name, h("span", { class: "visually-hidden" }, " (opens in a new tab)"))
                : h("span", { class: "record-name" }, name),
              record.linked_by ? h("span", { class: "muted" }, ` linked by ${record.linked_by}`) : null,
              unlink
                ? h("button", { type: "button", class: "secondary small", "aria-label": `Unlink ${name}`, onclick: () => this.unlink(record) }, "Unlink")
                : null,
            );
          })
        : h("li", { class: "muted" }, "No records linked."),
    );
  }

  async link() {
    const typed = { system: this.system.value, id: this.recordId.value, url: this.url.value };
    const problem = recordProblem(typed);
    if (problem) {
      say(this.error, problem);
      return;
    }
    const conversation = this.conversation;
    say(this.error, "");
    this.button.disabled = true;
    try {
      const record = await this.api.linkRecord(conversation.id, recordBody(typed));
      const same = (r) => r.system === record.system && r.id === record.id;
      const records = [...(conversation.records ?? []).filter((r) => !same(r)), record];
      rememberSystem(record.system);
      this.changed(conversation.id, records, `Linked ${recordName(record)}.`);
      if (this.conversation?.id === conversation.id) {
        this.form.reset();
        this.system.focus();
      }
    } catch (error) {
      say(this.error, error.message);
    } finally {
      this.button.disabled = false;
    }
  }

  clearCreateError() {
    say(this.createError, "");
    for (const input of [this.createSystem, this.createTitle]) input.removeAttribute("aria-invalid");
  }

  /**
   * Asks the records system for a new record and links it. While it waits the button says
   * "Creating…"; a refusal keeps what the agent typed and says in words what to do instead.
   */
  async create() {
    if (this.creating) return;
    const typed = { system: this.createSystem.value, title: this.createTitle.value };
    const problem = createRecordProblem(typed);
    if (problem) {
      // The keyboard goes to the field to correct: the system's when it is the system's problem.
      const wrong = createRecordProblem({ ...typed, title: "-" }) ? this.createSystem : this.createTitle;
      say(this.createError, problem);
      wrong.setAttribute("aria-invalid", "true");
      wrong.focus();
      return;
    }
    const conversation = this.conversation;
    say(this.createError, "");
    this.creating = true;
    this.createButton.disabled = true;
    this.createButton.textContent = "Creating…";
    this.status.textContent = "Creating the record…";
    try {
      const record = await this.api.linkRecord(conversation.id, createRecordBody(typed));
      const same = (r) => r.system === record.system && r.id === record.id;
      const records = [...(conversation.records ?? []).filter((r) => !same(r)), record];
      rememberSystem(record.system);
      this.changed(conversation.id, records, `Record ${record.id} created and linked.`);
      // A second press would create a second record: the title empties once this one is linked.
      if (this.conversation?.id === conversation.id) this.createTitle.value = "";
    } catch (error) {
      if (this.conversation?.id === conversation.id) {
        this.status.textContent = "";
        say(this.createError, createRecordError(error));
      }
    } finally {
      this.creating = false;
      this.createButton.disabled = false;
      this.createButton.textContent = "Create record";
      // A disabled button loses the keyboard: it comes back to the button, not the page's top.
      if (document.activeElement === document.body || document.activeElement === null) this.createButton.focus();
    }
  }

  async unlink(record) {
    const conversation = this.conversation;
    say(this.error, "");
    try {
      await this.api.unlinkRecord(conversation.id, record.system, record.id);
      const records = (conversation.records ?? []).filter((r) => !(r.system === record.system && r.id === record.id));
      this.changed(conversation.id, records, `Unlinked ${recordName(record)}.`);
      // The removed row's button is gone: the keyboard goes on to the form.
      if (this.conversation?.id === conversation.id) this.system.focus();
    } catch (error) {
      say(this.error, error.message);
    }
  }

  changed(id, records, message) {
    if (this.conversation?.id === id) {
      this.conversation = { ...this.conversation, records };
      this.render();
      this.status.textContent = message;
    }
    this.onChanged?.(id, { records });
  }
}
