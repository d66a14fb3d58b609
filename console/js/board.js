// Administrators' board (GET /board): per business number, the requests waiting and the longest
// wait; per agent, presence, load and today's accepted, rejected and expired offers. Loaded on
// first use; while open it re-reads on live frames (debounced) and every 15 s.

import { h, replaceChildren } from "./dom.js";
import { formatDuration } from "./clock.js";
import { phoneNumber } from "./customer.js";
import { debounce } from "./offers.js";

const REFRESH_MS = 15_000;
const FRAME_DEBOUNCE_MS = 1000;

const PRESENCE = {
  available: "Available",
  busy: "Busy",
  do_not_disturb: "Do not disturb",
  away: "Away",
  offline: "Offline",
};

export function presenceText(presence) {
  return PRESENCE[presence] ?? String(presence ?? "Unknown");
}

const count = (value) => (Number.isFinite(value) ? String(value) : "0");

/**
 * A number's row: Number, Waiting (no offer made), Offered (to an agent now), Longest wait (of
 * the requests not yet accepted, offered or not).
 */
export function numberCells(n) {
  const pending = (Number(n.waiting) || 0) + (Number(n.offered) || 0);
  return [
    phoneNumber(n.business_number),
    count(n.waiting),
    count(n.offered),
    pending > 0 ? formatDuration((Number(n.longest_wait_seconds) || 0) * 1000) : "None",
  ];
}

/** An agent's row: Agent, Presence, Load (active and offers of capacity), Active, Offers, today's counts. */
export function agentCells(a) {
  const active = Number(a.active) || 0;
  const offers = Number(a.offers) || 0;
  const load = active + offers;
  const full = Number.isFinite(a.capacity) && load >= a.capacity;
  return [
    a.agent_id,
    presenceText(a.presence),
    Number.isFinite(a.capacity) ? `${load} of ${a.capacity}${full ? " (full)" : ""}` : String(load),
    count(a.active),
    count(a.offers),
    count(a.accepted_today),
    count(a.rejected_today),
    count(a.expired_today),
  ];
}

/** "Updated at 14:05:03" from the board's `generated_at`. */
export function updatedText(iso) {
  const date = new Date(iso ?? "");
  if (Number.isNaN(date.getTime())) return "";
  return `Updated at ${date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })}`;
}

export class BoardPage {
  /** `root` is the page's element; `onClose()` goes back to the conversations. */
  constructor({ root, api, onClose }) {
    this.root = root;
    this.api = api;
    this.timer = null;
    this.loading = null;
    this.again = false;
    this.schedule = debounce(() => this.isOpen() && this.load(), FRAME_DEBOUNCE_MS);
    this.heading = h("h2", { id: "board-title", tabindex: "-1" }, "Board");
    this.updated = h("p", { class: "muted" });
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.numbers = h("tbody");
    this.agents = h("tbody");
    replaceChildren(
      root,
      this.heading,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "secondary", onclick: () => this.load() }, "Refresh board"),
        h("button", { type: "button", class: "secondary", onclick: () => onClose?.() }, "Back to conversations"),
        this.updated,
      ),
      this.error,
      table("board-numbers", "Requests by number", ["Number", "Waiting", "Offered", "Longest wait"], this.numbers),
      h("p", { class: "hint" }, "Waiting: offered to no agent yet. Longest wait: of the requests not accepted yet, offered or not."),
      table(
        "board-agents",
        "Agents",
        ["Agent", "Presence", "Load", "Active", "Offers", "Accepted today", "Rejected today", "Expired today"],
        this.agents,
      ),
    );
  }

  isOpen() {
    return this.timer !== null;
  }

  /** Shown: read now, then every 15 s until hidden. */
  shown() {
    this.load();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.load(), REFRESH_MS);
  }

  hidden() {
    clearInterval(this.timer);
    this.timer = null;
  }

  focus() {
    this.heading.focus();
  }

  /** One read at a time: a read asked for during another starts once it ends. */
  async load() {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.read();
    await this.loading;
    this.loading = null;
    if (this.again) {
      this.again = false;
      await this.load();
    }
  }

  async read() {
    try {
      const board = await this.api.board();
      this.error.hidden = true;
      this.updated.textContent = updatedText(board.generated_at);
      rows(this.numbers, (board.numbers ?? []).map(numberCells), 4, "No requests yet.");
      rows(this.agents, (board.agents ?? []).map(agentCells), 8, "No agents yet.");
    } catch (error) {
      this.error.textContent = error.message;
      this.error.hidden = false;
    }
  }
}

/** A table with its caption as its name, in a region that scrolls sideways on a narrow window. */
function table(id, caption, headings, body) {
  return h(
    "div",
    { class: "table-scroll", role: "region", "aria-labelledby": `${id}-caption`, tabindex: "0" },
    h(
      "table",
      { id, class: "board" },
      h("caption", { id: `${id}-caption` }, caption),
      h("thead", {}, h("tr", {}, headings.map((text) => h("th", { scope: "col" }, text)))),
      body,
    ),
  );
}

function rows(body, cells, columns, empty) {
  replaceChildren(
    body,
    cells.length
      ? cells.map(([first, ...rest]) => h("tr", {}, h("th", { scope: "row" }, first), rest.map((text) => h("td", {}, text))))
      : h("tr", {}, h("td", { colspan: String(columns) }, empty)),
  );
}
