// Administrators' Audit page: who did what, newest first, from GET /audit (the server keeps the
// log and answers 403 to anyone else). Filters by actor, action, customer and time; Load more
// follows the server's cursor. A customer is shown as the server's pseudonym, never worked back
// to a number. Loaded on first use.

import { h, replaceChildren } from "./dom.js";
import { AUDIT_ACTIONS, actionLabel, auditQuery, auditTime, describeDetail, describeTarget, loadPrivacyStyles } from "./privacy.js";

const PAGE_SIZE = 50;
const COLUMNS = ["Time", "Actor", "Action", "Target", "Details"];

export class AuditPage {
  constructor({ root, api, onClose }) {
    this.api = api;
    this.cursor = null;
    this.params = null;
    this.count = 0;
    this.reading = 0;
    loadPrivacyStyles();
    const field = (id, label, element) => h("div", { class: "field" }, h("label", { for: id }, label), element);
    this.fields = {
      actor: h("input", { id: "audit-actor", type: "text", autocomplete: "off", maxlength: 128, spellcheck: "false" }),
      action: h(
        "select",
        { id: "audit-action" },
        h("option", { value: "" }, "Any"),
        AUDIT_ACTIONS.map(([value, label]) => h("option", { value }, label)),
      ),
      customer: h("input", { id: "audit-customer", type: "text", inputmode: "tel", autocomplete: "off", "aria-describedby": "audit-customer-hint" }),
      from: h("input", { id: "audit-from", type: "datetime-local", "aria-describedby": "audit-time-hint" }),
      to: h("input", { id: "audit-to", type: "datetime-local", "aria-describedby": "audit-time-hint" }),
    };
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.status = h("p", { class: "muted audit-status", role: "status" });
    this.body = h("tbody", { role: "rowgroup" });
    this.table = h(
      "div",
      { class: "table-scroll", role: "region", "aria-labelledby": "audit-caption", tabindex: "0", hidden: true },
      // Explicit roles: on a narrow window the rows stack as cards (privacy.css), still read as a table.
      h(
        "table",
        { class: "board audit-table", role: "table", "aria-labelledby": "audit-caption" },
        h("caption", { id: "audit-caption" }, "Audit entries, newest first"),
        h("thead", { role: "rowgroup" }, h("tr", { role: "row" }, COLUMNS.map((text) => h("th", { scope: "col", role: "columnheader" }, text)))),
        this.body,
      ),
    );
    this.more = h("button", { type: "button", class: "secondary", hidden: true, onclick: () => this.loadMore() }, "Load more");
    this.form = h(
      "form",
      { class: "search-form audit-form", "aria-label": "Filter the audit log", novalidate: true },
      field("audit-actor", "Actor (agent ID)", this.fields.actor),
      field("audit-action", "Action", this.fields.action),
      field("audit-customer", "Customer number", this.fields.customer),
      field("audit-from", "From", this.fields.from),
      field("audit-to", "To", this.fields.to),
      h(
        "p",
        { class: "hint wide" },
        h("span", { id: "audit-customer-hint" }, "A customer's number with its country code, e.g. +447700900123."),
        " ",
        h("span", { id: "audit-time-hint" }, "Times are in your time zone; without From and To, the last 7 days; at most 31 days at a time."),
      ),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", class: "primary" }, "Show entries"),
        h("button", { type: "button", class: "secondary", onclick: () => this.clear() }, "Clear filters"),
        h("button", { type: "button", class: "secondary", onclick: () => onClose?.() }, "Back to conversations"),
      ),
    );
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.search({ announce: true });
    });
    replaceChildren(
      root,
      h("h2", { id: "audit-title" }, "Audit"),
      h(
        "p",
        { class: "hint" },
        "Who did what: sign-ins, conversations, contacts, quick replies, knowledge, outcomes, scripts, legal holds and exports. Customers appear pseudonymised. The log cannot be changed.",
      ),
      this.form,
      this.error,
      this.status,
      this.table,
      this.more,
    );
  }

  focus() {
    this.fields.actor.focus();
  }

  /** Each time the page is shown: the entries for the filters as they are. */
  load() {
    return this.search();
  }

  clear() {
    this.form.reset();
    this.markInvalid([]);
    this.search({ announce: true });
    this.fields.actor.focus();
  }

  fail(error, fields = []) {
    this.error.textContent = error.message;
    this.error.hidden = false;
    this.markInvalid(fields);
    fields[0]?.focus();
  }

  markInvalid(fields) {
    for (const input of Object.values(this.fields)) {
      if (fields.includes(input)) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  /** A new query from the form: the first page replaces what is shown. */
  async search({ announce = false } = {}) {
    const values = Object.fromEntries(Object.entries(this.fields).map(([name, input]) => [name, input.value]));
    const query = auditQuery(values, { limit: PAGE_SIZE });
    if (query.problem) return this.fail(new Error(query.problem), [this.fields[query.field]]);
    this.error.hidden = true;
    this.markInvalid([]);
    const reading = ++this.reading;
    this.status.textContent = "Reading the audit log…";
    this.more.hidden = true;
    let page;
    try {
      page = await this.api.audit(query.params);
    } catch (error) {
      if (reading !== this.reading) return;
      this.status.textContent = "";
      this.table.hidden = true;
      replaceChildren(this.body);
      // The server's reason in its words; a time range it refused marks both ends.
      const fields = { invalid_time: [this.fields.from, this.fields.to], invalid_customer: [this.fields.customer] }[error.code] ?? [];
      return this.fail(error, announce ? fields : []);
    }
    if (reading !== this.reading) return;
    this.params = query.params;
    this.count = 0;
    replaceChildren(this.body);
    this.show(page);
  }

  /** The next page of the same query, added below. */
  async loadMore() {
    if (!this.cursor || !this.params) return;
    this.error.hidden = true;
    const reading = ++this.reading;
    this.more.disabled = true;
    this.status.textContent = "Reading more entries…";
    try {
      const page = await this.api.audit({ ...this.params, cursor: this.cursor });
      if (reading !== this.reading) return;
      const first = this.show(page);
      // Still more: the keyboard stays on the button; else on the first entry just added.
      if (this.more.hidden) (first ?? this.table).focus();
    } catch (error) {
      if (reading !== this.reading) return;
      this.status.textContent = "";
      this.fail(error);
    } finally {
      this.more.disabled = false;
    }
  }

  /** Appends a page's entries; returns the first new row. */
  show({ entries = [], cursor = null }) {
    const rows = entries.map((entry) => row(entry));
    this.body.append(...rows);
    this.count += rows.length;
    this.cursor = cursor || null;
    this.table.hidden = this.count === 0;
    this.more.hidden = !this.cursor;
    this.status.textContent =
      this.count === 0
        ? "No entries match these filters. Widen the time range or clear a filter."
        : `Showing ${this.count} ${this.count === 1 ? "entry" : "entries"}${this.cursor ? ": there are more." : "."}`;
    return rows[0] ?? null;
  }
}

function row(entry) {
  const target = describeTarget(entry.target);
  const detail = describeDetail(entry.detail);
  const cell = (column, attributes, ...content) => h("td", { role: "cell", dataset: { label: COLUMNS[column] }, ...attributes }, ...content);
  return h(
    "tr",
    { role: "row", tabindex: "-1", dataset: { action: entry.action ?? "" } },
    cell(0, { class: "when" }, h("time", { datetime: entry.at }, auditTime(entry.at))),
    cell(1, { class: "actor" }, entry.actor ?? ""),
    cell(2, {}, actionLabel(entry.action, entry.detail)),
    cell(3, { class: "target" }, target.text, target.secondary ? h("span", { class: "secondary" }, target.secondary) : null),
    cell(4, { class: "detail" }, detail || h("span", { class: "muted" }, "None")),
  );
}
