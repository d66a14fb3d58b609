// The queue: incoming requests as notification cards, the agent's own conversations, and the
// recently closed ones. Rendered from GET /conversations; cards are kept by id so that a poll
// never re-creates (and re-announces) a card already shown.

import { h, replaceChildren } from "./dom.js";
import { customerKind, customerName, phoneNumber } from "./customer.js";
import { formatDuration, timeOfDay, windowAt } from "./clock.js";
import { historyLine } from "./summary.js";

const RECENTLY_CLOSED = 10;

export class Queue {
  /**
   * `root` holds the queue's regions; `onAccept(id)` and `onOpen(id)` are the desk's actions.
   */
  constructor({ root, agentId, clock, onAccept, onOpen, history = null }) {
    /** `history(address)`: the customer summary, for a request card's history line. */
    this.history = history;
    this.agentId = agentId;
    this.clock = clock;
    this.onAccept = onAccept;
    this.onOpen = onOpen;
    this.cards = root.querySelector("#request-cards");
    this.waitingNote = root.querySelector("#waiting-note");
    this.waitingList = root.querySelector("#waiting-list");
    this.mine = root.querySelector("#my-conversations");
    this.closed = root.querySelector("#closed-conversations");
    this.cardsById = new Map();
    this.dismissed = new Set();
    this.available = false;
    this.selectedId = null;
    /** `window.closing` warnings by conversation id. */
    this.closing = new Map();
    this.conversations = [];
  }

  setAvailable(available) {
    this.available = available;
    this.render(this.conversations);
  }

  select(id) {
    this.selectedId = id;
    this.render(this.conversations);
  }

  /** A conversation the agent just accepted or closed, before the next poll. */
  upsert(conversation) {
    const others = this.conversations.filter((c) => c.id !== conversation.id);
    this.render([conversation, ...others]);
  }

  render(conversations) {
    this.conversations = conversations;
    const requested = conversations.filter((c) => c.state === "requested");
    const carded = this.available ? requested.filter((c) => !this.dismissed.has(c.id)) : [];
    this.renderCards(carded);

    const waiting = requested.filter((c) => !carded.includes(c));
    this.waitingNote.textContent = this.available
      ? waiting.length
        ? `${waiting.length} dismissed request${waiting.length === 1 ? "" : "s"} still waiting.`
        : requested.length
          ? ""
          : "No customer is waiting."
      : `${requested.length} customer${requested.length === 1 ? "" : "s"} waiting. Set your presence to Available to take requests.`;
    replaceChildren(this.waitingList, waiting.map((c) => this.row(c)));

    const mine = conversations.filter(
      (c) => c.assigned_agent === this.agentId && ["active", "awaiting_customer", "expired"].includes(c.state),
    );
    replaceChildren(this.mine, mine.length ? mine.map((c) => this.row(c)) : h("li", { class: "empty" }, "None yet."));

    const closed = conversations
      .filter((c) => c.state === "closed" && c.assigned_agent === this.agentId)
      .slice(0, RECENTLY_CLOSED);
    replaceChildren(
      this.closed,
      closed.length ? closed.map((c) => this.row(c)) : h("li", { class: "empty" }, "None yet."),
    );
  }

  renderCards(requests) {
    const wanted = new Set(requests.map((c) => c.id));
    for (const [id, card] of this.cardsById) {
      if (!wanted.has(id)) {
        card.remove();
        this.cardsById.delete(id);
      }
    }
    for (const conversation of requests) {
      if (!this.cardsById.has(conversation.id)) {
        const card = this.card(conversation);
        this.cardsById.set(conversation.id, card);
        this.cards.append(card);
      }
    }
  }

  card(conversation) {
    const { customer } = conversation;
    const name = customerName(customer);
    const error = h("p", { class: "error", hidden: true });
    const accept = h("button", { type: "button", class: "primary" }, "Accept");
    accept.addEventListener("click", async () => {
      accept.disabled = true;
      error.hidden = true;
      try {
        await this.onAccept(conversation.id);
      } catch (e) {
        error.textContent = e.message;
        error.hidden = false;
        accept.disabled = false;
      }
    });
    const dismiss = h(
      "button",
      {
        type: "button",
        class: "secondary",
        "aria-label": `Dismiss request from ${name}`,
        onclick: () => {
          this.dismissed.add(conversation.id);
          this.render(this.conversations);
        },
      },
      "Dismiss",
    );
    const historyElement = h("p", { class: "history" });
    this.history?.(customer.address)
      .then((summary) => (historyElement.textContent = historyLine(summary, conversation.id)))
      .catch(() => {});
    const details = customer.authenticated
      ? [
          h("p", { class: "name" }, name),
          h("p", {}, `Contact ID: ${customer.contact_id ?? "unknown"}`),
          h("p", { class: "muted" }, phoneNumber(customer.address)),
        ]
      : [
          h("p", { class: "name" }, customer.profile_name || "No WhatsApp profile name"),
          h("p", {}, phoneNumber(customer.address)),
        ];
    return h(
      "article",
      {
        role: "alert",
        class: `card ${customer.authenticated ? "authenticated" : "unauthenticated"}`,
        "aria-label": `Conversation request from ${name}`,
        dataset: { conversationId: conversation.id },
      },
      h("p", { class: "kind" }, customerKind(customer)),
      details,
      conversation.business_number
        ? h("p", { class: "muted" }, `Wrote to ${phoneNumber(conversation.business_number)}`)
        : null,
      h("p", { class: "muted" }, `Waiting since ${timeOfDay(conversation.started_at)}`),
      historyElement,
      h("div", { class: "actions" }, accept, dismiss),
      error,
    );
  }

  /** A `window.closing` notification: the conversation is highlighted until its window moves or ends. */
  warn(event) {
    this.closing.set(event.conversation_id, event);
    this.render(this.conversations);
  }

  /** Whether a warning stands for the conversation's current, still open window. */
  isClosing(conversation, window) {
    const warning = this.closing.get(conversation.id);
    return Boolean(
      warning &&
        window.open &&
        conversation.state !== "closed" &&
        Date.parse(warning.expires_at) === Date.parse(conversation.window?.expires_at),
    );
  }

  row(conversation) {
    const name = customerName(conversation.customer);
    const window = windowAt(conversation.window?.expires_at, this.clock.now());
    const closing = this.isClosing(conversation, window);
    const tag =
      conversation.state === "closed"
        ? "Closed"
        : conversation.state === "requested"
          ? closing
            ? `Waiting, closes in ${formatDuration(window.msLeft)}`
            : "Waiting"
          : conversation.state === "awaiting_customer"
            ? "Awaiting answer"
            : window.open
              ? closing
                ? `Closes in ${formatDuration(window.msLeft)}`
                : `${formatDuration(window.msLeft)} left`
              : "Window closed";
    return h(
      "li",
      {},
      h(
        "button",
        {
          type: "button",
          class: closing ? "row closing" : "row",
          "aria-current": conversation.id === this.selectedId ? "true" : false,
          onclick: () => this.onOpen(conversation.id),
        },
        h("span", { class: "name" }, name),
        h("span", { class: `tag ${conversation.state}` }, tag),
      ),
    );
  }
}
