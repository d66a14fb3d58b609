// The queue: incoming requests as notification cards, the agent's own conversations, and the
// recently closed ones. Rendered from GET /conversations; cards are kept by id so that a poll
// never re-creates (and re-announces) a card already shown. A request offered to this agent
// alone is an offer card (Accept, Reject, seconds left on the server's clock; see offers.js).

import { h, replaceChildren } from "./dom.js";
import { adText, customerKind, customerName, phoneNumber } from "./customer.js";
import { formatDuration, timeOfDay, windowAt } from "./clock.js";
import { historyLine } from "./summary.js";
import { offerKind, offeredToText, offerTimerText, secondsLeft } from "./offers.js";
import { sentimentBadge } from "./sentiment.js";

const RECENTLY_CLOSED = 10;
const OFFER_TICK_MS = 1000;

export { adText };

function adLine(ad) {
  const text = adText(ad);
  return text ? h("p", { class: "ad" }, text) : null;
}

export class Queue {
  /**
   * `root` holds the queue's regions; `onAccept(id)`, `onReject(id)` and `onOpen(id)` are the
   * desk's actions; `onLapse(name)` is told when an offer to this agent ran out.
   */
  constructor({ root, agentId, isAdmin = false, clock, onAccept, onReject, onOpen, onLapse, history = null }) {
    /** `history(address)`: the customer summary, for a request card's history line. */
    this.history = history;
    this.agentId = agentId;
    this.isAdmin = isAdmin;
    this.clock = clock;
    this.onAccept = onAccept;
    this.onReject = onReject;
    this.onOpen = onOpen;
    this.onLapse = onLapse;
    this.heading = root.querySelector("#requests-title");
    this.cards = root.querySelector("#request-cards");
    this.waitingNote = root.querySelector("#waiting-note");
    this.waitingList = root.querySelector("#waiting-list");
    this.mine = root.querySelector("#my-conversations");
    this.closed = root.querySelector("#closed-conversations");
    /** Cards by conversation id: `{element, kind, update(conversation, nowMs)}`. */
    this.cardsById = new Map();
    this.dismissed = new Set();
    /** Offers to this agent that ended here first (rejected, withdrawn, ran out), by offer. */
    this.ended = new Set();
    /** Conversations whose lapsed offer was already announced. */
    this.lapsed = new Set();
    /** Customers' names of the offers shown, for a lapse announced after the list moved on. */
    this.offerNames = new Map();
    this.ticker = null;
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

  /** Whether a waiting request is this agent's to see (another's offer is not, but for an administrator). */
  shows(conversation, nowMs) {
    return (
      conversation.state === "requested" &&
      offerKind(conversation, this.agentId, this.isAdmin, nowMs) !== "hidden" &&
      !this.ended.has(offerKey(conversation))
    );
  }

  render(conversations) {
    this.conversations = conversations;
    const now = this.clock.now();
    const requested = conversations.filter((c) => this.shows(c, now));
    const carded = this.available ? requested.filter((c) => !this.dismissed.has(c.id)) : [];
    this.renderCards(carded, now);

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

  renderCards(requests, now) {
    const wanted = new Map(requests.map((c) => [c.id, offerKind(c, this.agentId, this.isAdmin, now)]));
    for (const [id, card] of this.cardsById) {
      if (wanted.get(id) !== card.kind) this.removeCard(id);
    }
    for (const conversation of requests) {
      const card = this.cardsById.get(conversation.id);
      if (card) {
        card.update(conversation, now);
      } else {
        const created = this.card(conversation, wanted.get(conversation.id), now);
        this.cardsById.set(conversation.id, created);
        this.cards.append(created.element);
      }
    }
    this.runTicker();
  }

  /** Removes a card; keyboard focus inside it moves to the next card, else to the heading. */
  removeCard(id) {
    const card = this.cardsById.get(id);
    if (!card) return;
    const lost = !document.activeElement || document.activeElement === document.body;
    const hadFocus = card.element.contains(document.activeElement) || (lost && card.element.dataset.busy === "true");
    const next = card.element.nextElementSibling ?? card.element.previousElementSibling;
    card.element.remove();
    this.cardsById.delete(id);
    if (!hadFocus) return;
    const button = next?.querySelector("button");
    if (button) button.focus();
    else {
      this.heading.tabIndex = -1;
      this.heading.focus();
    }
  }

  /** A second-by-second tick, only while a card shows an offer's time left. */
  runTicker() {
    const timed = [...this.cardsById.values()].some((c) => c.kind === "offer" || c.kind === "elsewhere");
    if (timed && !this.ticker) this.ticker = setInterval(() => this.tick(), OFFER_TICK_MS);
    if (!timed && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }

  /** Counts the offers down; an offer to this agent that reaches 0 s goes, and says where. */
  tick() {
    const now = this.clock.now();
    for (const [id, card] of this.cardsById) {
      const conversation = this.conversations.find((c) => c.id === id);
      if (!conversation) continue;
      if (card.kind === "offer" && secondsLeft(conversation.offer_expires_at, now) === 0) this.offerEnded(id, true);
      else card.update(conversation, now);
    }
    this.runTicker();
  }

  /**
   * This agent's offer of `id` ended (rejected, withdrawn, or ran out: `lapsed`): its card goes
   * at once, before the next read of the queue, and a lapse is announced once.
   */
  offerEnded(id, lapsed = false) {
    const conversation = this.conversations.find((c) => c.id === id);
    this.ended.add(offerKey(conversation ?? { id }));
    if (lapsed && !this.lapsed.has(id)) {
      this.lapsed.add(id);
      this.onLapse?.(this.offerNames.get(id) ?? (conversation ? customerName(conversation.customer) : ""));
    }
    this.removeCard(id);
    this.render(this.conversations);
  }

  card(conversation, kind, now) {
    const { customer } = conversation;
    const name = customerName(customer);
    const error = h("p", { class: "error", hidden: true });
    // While an action runs its buttons are disabled (which drops keyboard focus to the page):
    // `busy` tells removeCard where the focus was; a refusal gives it back to the button.
    const act = (button, action) =>
      button.addEventListener("click", async () => {
        const card = button.closest(".card");
        const buttons = [...button.parentElement.querySelectorAll("button")];
        buttons.forEach((b) => (b.disabled = true));
        card.dataset.busy = "true";
        error.hidden = true;
        try {
          await action();
        } catch (e) {
          error.textContent = e.message;
          error.hidden = false;
          buttons.forEach((b) => (b.disabled = false));
          if (card.isConnected && document.activeElement === document.body) button.focus();
        } finally {
          delete card.dataset.busy;
        }
      });
    const accept = h("button", { type: "button", class: "primary" }, "Accept");
    act(accept, () => this.onAccept(conversation.id));
    let second;
    if (kind === "offer") {
      second = h("button", { type: "button", class: "secondary", "aria-label": `Reject request from ${name}` }, "Reject");
      act(second, async () => {
        await this.onReject(conversation.id);
        this.offerEnded(conversation.id);
      });
    } else {
      second = h(
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
    }
    // The offer's time left (role="timer": read when asked, not every second).
    if (kind === "offer") this.offerNames.set(conversation.id, name);
    const offer =
      kind === "offer"
        ? h("p", { class: "offer-timer", role: "timer" })
        : kind === "elsewhere"
          ? h("p", { class: "offered-to" })
          : null;
    // The customer's sentiment, once their first message is scored (redrawn only when it changes).
    const mood = h("p", { class: "mood" });
    let moodShown = "";
    const update = (current, nowMs) => {
      const label = current.sentiment?.label ?? "";
      if (label !== moodShown) {
        moodShown = label;
        mood.replaceChildren(sentimentBadge(current.sentiment) ?? "");
      }
      if (kind === "offer") offer.textContent = offerTimerText(secondsLeft(current.offer_expires_at, nowMs));
      if (kind === "elsewhere") offer.textContent = offeredToText(current, nowMs);
    };
    update(conversation, now);
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
    // A div, not an article: role="alert" is not allowed on <article> (axe: aria-allowed-role).
    const element = h(
      "div",
      {
        role: "alert",
        class: `card ${customer.authenticated ? "authenticated" : "unauthenticated"}${kind === "offer" ? " offer" : ""}`,
        "aria-label": `Conversation request from ${name}`,
        dataset: { conversationId: conversation.id },
      },
      h("p", { class: "kind" }, customerKind(customer)),
      kind === "offer" ? h("p", { class: "offered" }, "Offered to you") : null,
      offer,
      details,
      mood,
      adLine(conversation.ad),
      conversation.business_number
        ? h("p", { class: "muted" }, `Wrote to ${phoneNumber(conversation.business_number)}`)
        : null,
      h("p", { class: "muted" }, `Waiting since ${timeOfDay(conversation.started_at)}`),
      historyElement,
      h("div", { class: "actions" }, accept, second),
      error,
    );
    return { element, kind, update };
  }

  /** A `conversation.sentiment` frame: the card follows at once, before the queue is read again. */
  sentiment(event) {
    if (!event.sentiment) return;
    const { sentiment, sentiment_trend: trend } = event;
    this.render(this.conversations.map((c) => (c.id === event.conversation_id ? { ...c, sentiment, sentiment_trend: trend ?? c.sentiment_trend } : c)));
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
    // Closed with no outcome (null; absent means the list does not say), and still this agent's
    // to record (24 h after the close, on the server's clock): its wrap-up waits.
    const closedMs = Date.parse(conversation.closed_at ?? "");
    const pending =
      conversation.state === "closed" &&
      conversation.outcome === null &&
      conversation.assigned_agent === this.agentId &&
      !(closedMs + 86_400_000 <= this.clock.now());
    const tag =
      conversation.state === "closed"
        ? pending
          ? "Wrap-up pending"
          : "Closed"
        : conversation.state === "requested"
          ? closing
            ? `Waiting, closes in ${formatDuration(window.msLeft)}`
            : conversation.offered_to
              ? `Offered to ${conversation.offered_to === this.agentId ? "you" : conversation.offered_to}`
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
        h("span", { class: `tag ${conversation.state}${pending ? " pending" : ""}` }, tag),
      ),
    );
  }
}

/** One offer of a conversation: a later offer of the same request to this agent is another. */
function offerKey(conversation) {
  return `${conversation.id} ${conversation.offer_expires_at ?? ""}`;
}
