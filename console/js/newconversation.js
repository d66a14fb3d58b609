// "New conversation": the agent writes first to a customer with an approved template (picked
// from the approved list, see templates.js). The conversation is the agent's at once; free text
// waits until the customer answers.

import { h, replaceChildren } from "./dom.js";
import { TemplatePicker } from "./templates.js";

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `+44 7700 900123` or `whatsapp:+447700900123` → `whatsapp:+447700900123`, else null. */
export function whatsappAddress(raw) {
  const digits = raw.trim().replace(/^whatsapp:/, "").replace(/[\s().-]/g, "");
  const e164 = digits.startsWith("+") ? digits : `+${digits}`;
  return /^\+[1-9][0-9]{6,14}$/.test(e164) ? `whatsapp:${e164}` : null;
}

export class NewConversationForm {
  /** `onStarted(conversation)` gets the conversation as the server answered it. */
  constructor({ root, api, isAdmin = false, onStarted }) {
    this.api = api;
    this.onStarted = onStarted;
    this.key = null;
    const input = (id, label, attributes = {}) => [h("label", { for: id }, label), h("input", { id, type: "text", autocomplete: "off", ...attributes })];
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.picker = new TemplatePicker({ api, prefix: "new", isAdmin, onInput: () => (this.key = null), onChoose: () => (this.error.hidden = true) });
    this.button = h("button", { type: "submit", class: "primary" }, "Start conversation");
    this.form = h(
      "form",
      { class: "template new-conversation", "aria-labelledby": "new-conversation-title" },
      h("h3", { id: "new-conversation-title" }, "New conversation"),
      h("p", { class: "hint" }, "Write first with a template approved by WhatsApp. Free text is possible once the customer answers."),
      input("new-customer", "Customer number", { placeholder: "+447700900123", required: true }),
      input("new-number", "From our number (optional)", { placeholder: "+14155238886" }),
      this.picker.root,
      h("div", { class: "actions" }, this.button),
      this.error,
    );
    this.form.addEventListener("input", () => (this.key = null));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.start();
    });
    replaceChildren(root, this.form);
    this.picker.load();
  }

  focus() {
    this.form.querySelector("#new-customer").focus();
  }

  fail(message, field) {
    this.error.textContent = message;
    this.error.hidden = false;
    field?.focus();
  }

  async start() {
    this.error.hidden = true;
    const value = (id) => this.form.querySelector(`#${id}`).value.trim();
    const customer = whatsappAddress(value("new-customer"));
    if (!customer) return this.fail("The customer's number is + and the country code, then the number, e.g. +447700900123.", this.form.querySelector("#new-customer"));
    const chosen = this.picker.read();
    const body = { customer, template: chosen.template };
    if (value("new-number")) {
      body.number = whatsappAddress(value("new-number"));
      if (!body.number) return this.fail("Our number is + and the country code, then the number.", this.form.querySelector("#new-number"));
    }
    if (chosen.problem) return this.fail(chosen.problem, chosen.field);
    this.key ??= newKey();
    this.button.disabled = true;
    try {
      const conversation = await this.api.startConversation(body, this.key);
      this.key = null;
      this.form.reset();
      this.picker.reset();
      this.onStarted?.(conversation);
    } catch (error) {
      // The customer's conversation is open already: say so, and offer it.
      this.fail(error.code === "conversation_open" ? `${error.message} Open it from your conversations.` : this.picker.explain(error));
    } finally {
      this.button.disabled = false;
    }
  }
}
