// The customer summary beside the transcript: who the customer is, as the directory and
// WhatsApp know them, and their other conversations.

import { h, replaceChildren } from "./dom.js";
import { customerKind, customerName, phoneNumber } from "./customer.js";
import { timeOfDay } from "./clock.js";

export class CustomerSummary {
  constructor(root) {
    this.root = root;
    this.clear();
  }

  clear() {
    replaceChildren(this.root, h("h2", {}, "Customer"), h("p", { class: "muted" }, "Open a conversation to see the customer."));
  }

  /** `known` is every conversation the queue has seen, to list this customer's others. */
  show(conversation, known) {
    const { customer } = conversation;
    const theirs = known
      .filter((c) => c.customer.address === customer.address)
      .concat(known.some((c) => c.id === conversation.id) ? [] : [conversation]);
    const first = theirs.map((c) => c.started_at).sort()[0] ?? conversation.started_at;
    const previous = theirs.filter((c) => c.id !== conversation.id).sort((a, b) => b.started_at.localeCompare(a.started_at));
    const rows = [
      ["Name", customer.authenticated ? customerName(customer) : "Not a known contact"],
      ["Contact ID", customer.contact_id ?? "None"],
      ["Number", phoneNumber(customer.address)],
      ["WhatsApp profile name", customer.profile_name ?? "None given"],
      ...Object.entries(customer.summary ?? {}).map(([key, value]) => [humanise(key), typeof value === "string" ? value : JSON.stringify(value)]),
      ["First contact", dateTime(first)],
      ["This conversation started", dateTime(conversation.started_at)],
    ];
    replaceChildren(
      this.root,
      h("h2", {}, "Customer"),
      h("p", { class: `kind ${customer.authenticated ? "authenticated" : "unauthenticated"}` }, customerKind(customer)),
      h("dl", {}, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
      h("h3", {}, "Previous conversations"),
      previous.length
        ? h(
            "ul",
            { class: "previous" },
            previous.map((c) => h("li", {}, `${dateTime(c.started_at)} · ${c.state}${c.assigned_agent ? ` · ${c.assigned_agent}` : ""}`)),
          )
        : h("p", { class: "muted" }, "None."),
    );
  }
}

function humanise(key) {
  const words = key.replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function dateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "Unknown";
  return `${date.toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" })} ${timeOfDay(iso)}`;
}
