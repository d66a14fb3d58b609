// The search page: transcripts of every conversation, closed ones included, by words (case and
// accents do not matter), optionally narrowed by customer, agent and time; newest first, a page
// at a time. A result opens its conversation.

import { h, replaceChildren } from "./dom.js";
import { phoneNumber } from "./customer.js";
import { timeOfDay } from "./clock.js";

const PAGE = 20;

export class SearchPage {
  /** `root` is the page's element; `onOpen(id)` opens a conversation; `onClose()` goes back. */
  constructor({ root, api, onOpen, onClose }) {
    this.root = root;
    this.api = api;
    this.onOpen = onOpen;
    this.cursor = null;
    this.params = null;
    const field = (id, label, attributes = {}) => [
      h("label", { for: id }, label),
      h("input", { id, name: id, type: "text", autocomplete: "off", ...attributes }),
    ];
    this.form = h(
      "form",
      { class: "search-form", role: "search", "aria-label": "Search transcripts" },
      h("div", { class: "field wide" }, field("search-q", "Words", { type: "search", required: true, maxlength: 200 })),
      h("div", { class: "field" }, field("search-customer", "Customer number", { placeholder: "+447700900123" })),
      h("div", { class: "field" }, field("search-agent", "Agent ID")),
      h("div", { class: "field" }, field("search-from", "From", { type: "date" })),
      h("div", { class: "field" }, field("search-to", "To", { type: "date" })),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Search"), h("button", { type: "button", class: "secondary", onclick: () => onClose?.() }, "Back to conversations")),
    );
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.search();
    });
    this.status = h("p", { class: "muted", role: "status" });
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.results = h("ol", { class: "results", "aria-label": "Search results" });
    this.more = h("button", { type: "button", class: "secondary", hidden: true, onclick: () => this.page() }, "Older results");
    replaceChildren(root, h("h2", { id: "search-title" }, "Search transcripts"), this.form, this.error, this.status, this.results, this.more);
  }

  focus() {
    this.form.querySelector("#search-q").focus();
  }

  value(id) {
    return this.form.querySelector(`#${id}`).value.trim();
  }

  async search() {
    const params = { q: this.value("search-q"), limit: String(PAGE) };
    const customer = this.value("search-customer").replace(/^whatsapp:/, "").replace(/[\s()-]/g, "");
    if (customer) params.customer = `whatsapp:${customer.startsWith("+") ? customer : `+${customer}`}`;
    if (this.value("search-agent")) params.agent = this.value("search-agent");
    if (this.value("search-from")) params.from = `${this.value("search-from")}T00:00:00Z`;
    if (this.value("search-to")) params.to = `${this.value("search-to")}T23:59:59.999Z`;
    this.params = params;
    this.cursor = null;
    replaceChildren(this.results);
    await this.page();
  }

  async page() {
    this.error.hidden = true;
    this.more.hidden = true;
    this.status.textContent = "Searching…";
    try {
      const params = { ...this.params };
      if (this.cursor) params.cursor = this.cursor;
      const { results, cursor } = await this.api.search(params);
      this.cursor = cursor ?? null;
      this.results.append(...results.map((r) => this.result(r)));
      const count = this.results.children.length;
      // A page may end early (the server reads a bounded part of the index per request): the
      // cursor says whether older messages remain to search.
      this.status.textContent = count
        ? `${count} message${count === 1 ? "" : "s"} found${cursor ? " so far" : ""}.`
        : cursor
          ? "No match among the newest messages yet: search older ones."
          : "No message matches.";
      this.more.hidden = !cursor;
    } catch (error) {
      this.status.textContent = "";
      this.error.textContent = error.message;
      this.error.hidden = false;
    }
  }

  result(r) {
    const who = r.direction === "outbound" ? "Agent" : "Customer";
    return h(
      "li",
      { class: "result" },
      h(
        "button",
        {
          type: "button",
          class: "row",
          "aria-label": `Open the conversation: ${who.toLowerCase()} wrote “${r.snippet}” on ${dateTime(r.created_at)}`,
          onclick: () => this.onOpen?.(r.conversation_id),
        },
        h("span", { class: "meta" }, `${dateTime(r.created_at)} · ${who} · ${phoneNumber(r.customer)}`),
        h("span", { class: "snippet" }, r.snippet),
      ),
    );
  }
}

function dateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "Unknown";
  return `${date.toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" })} ${timeOfDay(iso)}`;
}
