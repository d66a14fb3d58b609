// "New conversation": the agent writes first to a customer with an approved template. The
// conversation is the agent's at once; free text waits until the customer answers.

import { h, replaceChildren } from "./dom.js";

const CONTENT_SID = /^HX[0-9a-fA-F]{32}$/;

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
  constructor({ root, api, onStarted }) {
    this.api = api;
    this.onStarted = onStarted;
    this.key = null;
    const input = (id, label, attributes = {}) => [h("label", { for: id }, label), h("input", { id, type: "text", autocomplete: "off", ...attributes })];
    this.variables = h("div", { class: "variables" });
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.button = h("button", { type: "submit", class: "primary" }, "Start conversation");
    this.form = h(
      "form",
      { class: "template new-conversation", "aria-labelledby": "new-conversation-title" },
      h("h3", { id: "new-conversation-title" }, "New conversation"),
      h("p", { class: "hint" }, "Write first with a template approved by WhatsApp. Free text is possible once the customer answers."),
      input("new-customer", "Customer number", { placeholder: "+447700900123", required: true }),
      input("new-number", "From our number (optional)", { placeholder: "+14155238886" }),
      input("new-content-sid", "Content SID", { placeholder: "HX…", spellcheck: "false", required: true }),
      this.variables,
      h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => this.addVariable() }, "Add variable"), this.button),
      this.error,
    );
    this.form.addEventListener("input", () => (this.key = null));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.start();
    });
    this.addVariable();
    replaceChildren(root, this.form);
  }

  focus() {
    this.form.querySelector("#new-customer").focus();
  }

  addVariable() {
    const n = this.variables.children.length + 1;
    const id = `new-variable-${n}`;
    this.variables.append(h("div", { class: "field" }, h("label", { for: id }, `Template variable ${n}`), h("input", { id, type: "text", dataset: { name: String(n) } })));
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
    const body = { customer, template: { content_sid: value("new-content-sid"), variables: {} } };
    if (value("new-number")) {
      body.number = whatsappAddress(value("new-number"));
      if (!body.number) return this.fail("Our number is + and the country code, then the number.", this.form.querySelector("#new-number"));
    }
    if (!CONTENT_SID.test(body.template.content_sid)) {
      return this.fail("The Content SID is HX followed by 32 hexadecimal characters.", this.form.querySelector("#new-content-sid"));
    }
    for (const field of this.variables.querySelectorAll("input")) {
      if (field.value.trim()) body.template.variables[field.dataset.name] = field.value;
    }
    this.key ??= newKey();
    this.button.disabled = true;
    try {
      const conversation = await this.api.startConversation(body, this.key);
      this.key = null;
      this.form.reset();
      this.onStarted?.(conversation);
    } catch (error) {
      // The customer's conversation is open already: say so, and offer it.
      this.fail(error.code === "conversation_open" ? `${error.message} Open it from your conversations.` : error.message);
    } finally {
      this.button.disabled = false;
    }
  }
}
