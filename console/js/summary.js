// The customer summary beside the transcript: who the customer is, as the directory and
// WhatsApp know them, since when they write, and their previous conversations (from
// GET /customers/{address}, closed ones included); each opens its transcript.

import { h, replaceChildren } from "./dom.js";
import { adLink, adText, customerKind, customerName, phoneNumber } from "./customer.js";
import { dateTime } from "./clock.js";

export class CustomerSummary {
  /** `api.customer(address)` reads the summary; `onOpen(id)` opens a previous conversation. */
  constructor(root, { api = null, onOpen = null, isAdmin = false } = {}) {
    this.root = root;
    this.api = api;
    this.onOpen = onOpen;
    // Administrators' legal hold and export (customer-privacy.js, loaded on first use).
    this.privacy = isAdmin ? h("section", { class: "privacy", "aria-labelledby": "privacy-title" }) : null;
    this.shown = null;
    this.clear();
  }

  clear() {
    this.shown = null;
    replaceChildren(this.root, h("h2", {}, "Customer"), h("p", { class: "muted" }, "Open a conversation to see the customer."));
  }

  /** `known` is every conversation the queue has seen, used until the server's summary arrives. */
  show(conversation, known) {
    const { customer } = conversation;
    this.shown = conversation.id;
    this.known = known;
    const theirs = known
      .filter((c) => c.customer.address === customer.address)
      .concat(known.some((c) => c.id === conversation.id) ? [] : [conversation]);
    const first = theirs.map((c) => c.started_at).sort()[0] ?? conversation.started_at;
    const previous = theirs.filter((c) => c.id !== conversation.id).sort((a, b) => b.started_at.localeCompare(a.started_at));
    this.history = h("div", { class: "history" });
    this.render(conversation, { first_contact_at: first, recent_conversations: previous, conversation_count: theirs.length });
    this.api
      ?.customer(customer.address)
      .then((summary) => {
        if (this.shown === conversation.id) this.render(conversation, summary);
      })
      .catch((error) => {
        if (this.shown !== conversation.id) return;
        this.history.append(h("p", { class: "error", role: "alert" }, error.message));
        this.controls(customer.address, false);
      });
  }

  render(conversation, summary) {
    const { customer } = conversation;
    const rows = [
      ["Name", customer.authenticated ? customerName(customer) : "Not a known contact"],
      ["Contact ID", customer.contact_id ?? "None"],
      ["Number", phoneNumber(customer.address)],
      ["WhatsApp profile name", customer.profile_name ?? "None given"],
      ...Object.entries(customer.summary ?? {}).map(([key, value]) => [humanise(key), typeof value === "string" ? value : JSON.stringify(value)]),
      ["First contact", dateTime(summary.first_contact_at ?? conversation.started_at)],
      ["Last message from the customer", Date.parse(summary.last_inbound_at) > 0 ? dateTime(summary.last_inbound_at) : "Not yet"],
      ["Conversations", String(summary.conversation_count ?? 1)],
      ["This conversation started", dateTime(conversation.started_at)],
    ];
    // A previous conversation's outcome and rating, from the summary or else from the queue's list.
    const previous = (summary.recent_conversations ?? [])
      .filter((c) => c.id !== conversation.id)
      .map((c) => {
        const listed = this.known?.find((k) => k.id === c.id);
        return { ...c, outcome: c.outcome ?? listed?.outcome, csat: c.csat ?? listed?.csat };
      });
    const focused = this.privacy?.contains(document.activeElement) && document.activeElement;
    replaceChildren(
      this.root,
      h("h2", {}, "Customer"),
      h("p", { class: `kind ${customer.authenticated ? "authenticated" : "unauthenticated"}` }, customerKind(customer)),
      adElement(conversation.ad),
      h("dl", {}, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
      h("h3", { id: "previous-title" }, "Previous conversations"),
      previous.length
        ? h(
            "ul",
            { class: "previous", "aria-labelledby": "previous-title" },
            previous.map((c) =>
              h(
                "li",
                {},
                h(
                  "button",
                  {
                    type: "button",
                    class: "row",
                    "aria-label": `Open the conversation of ${dateTime(c.started_at)} (${c.state})${previousOutcomeText(c) ? `: ${previousOutcomeText(c)}` : ""}`,
                    onclick: () => this.onOpen?.(c.id),
                  },
                  h("span", { class: "name" }, `${dateTime(c.started_at)} · ${c.state}${c.assigned_agent ? ` · ${c.assigned_agent}` : ""}`),
                  previousOutcome(c),
                  c.last_message ? h("span", { class: "muted preview" }, c.last_message.preview) : null,
                ),
                adElement(c.ad),
              ),
            ),
          )
        : h("p", { class: "muted" }, "None."),
      this.history,
      this.privacy,
    );
    if (focused) focused.focus();
    this.controls(customer.address, summary.legal_hold);
  }

  async controls(address, hold) {
    if (!this.privacy) return;
    try {
      this.privacyControls ??= import("./customer-privacy.js").then((m) => new m.PrivacyControls(this.privacy, this.api));
      (await this.privacyControls).show(address, hold);
    } catch {
      this.privacyControls = null;
      replaceChildren(this.privacy, h("p", { class: "error" }, "The legal hold and export could not be loaded. Reload the page."));
    }
  }
}

/** One line for a request card: a returning customer's history, or that it is their first. */
export function historyLine(summary, conversationId) {
  const others = (summary.recent_conversations ?? []).filter((c) => c.id !== conversationId);
  if (!others.length) return "First conversation with this customer.";
  const count = Math.max(0, (summary.conversation_count ?? others.length + 1) - 1);
  const last = others[0];
  return `Returning customer: ${count} earlier conversation${count === 1 ? "" : "s"}, last on ${dateTime(last.started_at)}${last.assigned_agent ? ` with ${last.assigned_agent}` : ""}.`;
}

/** A previous conversation's outcome and the customer's rating of it ("Resolved · Rated 4 of 5"), when known. */
export function previousOutcomeText(c) {
  const parts = [];
  // The summary gives the outcome's label; the queue's list, the outcome itself.
  const outcome = typeof c.outcome === "string" ? c.outcome : c.outcome?.label || c.outcome?.disposition;
  if (outcome) parts.push(outcome);
  const score = Number(c.csat?.score);
  if (Number.isInteger(score) && score >= 1 && score <= 5) parts.push(`Rated ${score} of 5`);
  return parts.join(" · ");
}

function previousOutcome(c) {
  const text = previousOutcomeText(c);
  return text ? h("span", { class: "outcome-note" }, text) : null;
}

/** "From ad: headline" and, when the ad's address is http(s), a link to it; nothing without an ad. */
function adElement(ad) {
  const text = adText(ad);
  const href = adLink(ad);
  if (!text && !href) return null;
  return h(
    "p",
    { class: "ad" },
    text ?? "From an ad",
    href ? h("a", { href, target: "_blank", rel: "noopener noreferrer" }, "Open the ad (new tab)") : null,
  );
}

function humanise(key) {
  const words = key.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

