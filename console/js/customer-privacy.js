// The customer summary's privacy controls, for administrators only: the customer's legal hold
// (placed or released after an inline confirmation, PUT /customers/{address}/hold), Export
// customer data (GET /customers/{address}/export, fetched with the agent's identity and saved as
// a JSON file) and Erase customer… (DELETE /customers/{address} once the administrator has typed
// the customer's number, then GET /erasures/{id} every second until it is done or held; refused
// while a legal hold stands). Loaded by summary.js the first time an administrator's summary
// shows a customer.

import { h, replaceChildren } from "./dom.js";
import { phoneNumber } from "./customer.js";
import {
  confirmsNumber,
  customerExportName,
  erasedByText,
  erasureErrorText,
  erasureText,
  holdText,
  loadPrivacyStyles,
} from "./privacy.js";

const POLL_MS = 1000;
const POLL_MAX_MS = 5000;

export class PrivacyControls {
  /** `root` is the summary's section for them (kept across the summary's renders). */
  constructor(root, api) {
    this.root = root;
    this.api = api;
    this.address = null;
    this.hold = undefined;
    this.confirming = false;
    this.busy = false;
    // Erasing: the confirmation is open; the erasures asked for in this tab, by address ({view}).
    this.eraseConfirming = false;
    this.erasures = new Map();
    loadPrivacyStyles();
    this.state = h("p", { class: "hold-state" });
    this.holdActions = h("div", { class: "actions" });
    this.exportButton = h("button", { type: "button", class: "secondary", onclick: () => this.download() }, "Export customer data");
    this.exportActions = h("div", { class: "actions" }, this.exportButton);
    this.eraseArea = h("div", { class: "erase" });
    // Where an erasure stands, read out as it changes; the keyboard comes here once it is asked for.
    this.progress = h("p", { class: "erase-progress", role: "status", tabindex: "-1" });
    this.status = h("p", { class: "privacy-status", role: "status" });
    this.error = h("p", { class: "error", role: "alert", tabindex: "-1", hidden: true });
    replaceChildren(
      root,
      h("h3", { id: "privacy-title" }, "Data protection"),
      this.state,
      this.holdActions,
      this.exportActions,
      this.eraseArea,
      this.progress,
      this.status,
      this.error,
    );
  }

  /**
   * The customer's hold as the summary read it: an object while held, null when not, undefined
   * while it is still being read, false when it could not be.
   */
  show(address, hold) {
    if (address !== this.address) {
      this.address = address;
      this.hold = undefined;
      this.confirming = false;
      this.eraseConfirming = false;
      this.status.textContent = "";
      this.error.hidden = true;
    }
    // A read begun before a change made here would show the customer's old state: not while busy.
    if (hold === undefined || this.busy) return this.render();
    const changed = Boolean(hold) !== Boolean(this.hold) || this.hold === undefined;
    this.hold = hold;
    if (changed) this.confirming = false;
    // A hold placed meanwhile closes the erasure's confirmation: the erasure would be refused.
    if (hold) this.eraseConfirming = false;
    this.render();
  }

  render() {
    const erasure = this.erasures.get(this.address)?.view;
    const line = erasure ? erasureText(erasure) : "";
    // A live region reads each change: the same line again is left alone.
    if (this.progress.textContent !== line) this.progress.textContent = line;
    // While the customer is being erased, and after, there is nothing left to hold or export.
    if (erasure && erasure.state !== "held") return this.renderErased(erasure);
    this.root.classList.remove("erased");
    this.exportActions.hidden = false;
    const held = Boolean(this.hold);
    this.state.textContent = holdText(this.hold);
    this.state.classList.toggle("held", held);
    if (!this.eraseConfirming) this.renderErase();
    if (this.confirming) return;
    if (this.hold === undefined || this.hold === false) return replaceChildren(this.holdActions);
    replaceChildren(
      this.holdActions,
      h("button", { type: "button", class: "secondary", onclick: () => this.confirm() }, held ? "Release legal hold" : "Place legal hold"),
    );
  }

  /** Erase customer…, or why it cannot be used: a legal hold, or the hold not read yet. */
  renderErase() {
    const held = Boolean(this.hold);
    const checking = this.hold === undefined;
    const reason = held
      ? "Erasing is not possible while the customer is on legal hold. Release the hold first."
      : checking
        ? "Erasing is possible once the legal hold has been checked."
        : null;
    replaceChildren(
      this.eraseArea,
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          {
            type: "button",
            class: "danger-outline",
            disabled: Boolean(reason),
            "aria-describedby": reason ? "erase-reason" : null,
            onclick: () => this.confirmErase(),
          },
          "Erase customer…",
        ),
      ),
      reason ? h("p", { id: "erase-reason", class: "hint erase-reason" }, reason) : null,
    );
  }

  /** The summary while the customer is erased, and once they are: no data, only the erasure. */
  renderErased(erasure) {
    const done = erasure.state === "done";
    this.confirming = false;
    this.eraseConfirming = false;
    this.root.classList.toggle("erased", done);
    this.state.classList.remove("held");
    this.state.textContent = erasedByText(erasure);
    replaceChildren(this.holdActions);
    replaceChildren(this.eraseArea);
    this.exportActions.hidden = true;
    if (done) this.clearSummary(erasure);
  }

  /**
   * The summary above these controls still shows the customer's details (name, number, previous
   * conversations): they are gone from the server, so from the page too. summary.js may do it
   * itself by cancelling the `customer-erased` event; otherwise it is done here.
   */
  clearSummary(erasure) {
    const summary = this.root.parentElement;
    if (!summary) return;
    if (summary.querySelector(":scope > .erased-notice")) return;
    const event = new CustomEvent("customer-erased", { bubbles: true, cancelable: true, detail: { address: this.address, erasure } });
    if (!this.root.dispatchEvent(event)) return;
    for (const child of [...summary.children]) if (child !== this.root) child.remove();
    summary.prepend(
      h("h2", {}, "Customer"),
      h(
        "p",
        { class: "erased-notice" },
        "This customer was erased: their conversations, messages, files and contact details are no longer stored, and cannot be shown or restored.",
      ),
    );
  }

  /** Asks in place; the keyboard goes to the answer, and back to the button on Cancel. */
  confirm() {
    const placing = !this.hold;
    this.confirming = true;
    this.error.hidden = true;
    const yes = h(
      "button",
      { type: "button", class: placing ? "primary" : "danger", onclick: () => this.setHold(placing) },
      placing ? "Yes, place hold" : "Yes, release hold",
    );
    replaceChildren(
      this.holdActions,
      h(
        "p",
        { class: "confirm" },
        placing
          ? "Place a legal hold on this customer? Their data cannot be erased while it is held."
          : "Release the legal hold? The customer's data can then be erased when it is due.",
      ),
      yes,
      h("button", { type: "button", class: "secondary", onclick: () => this.cancel() }, "Cancel"),
    );
    yes.focus();
  }

  cancel() {
    this.confirming = false;
    this.render();
    this.holdActions.querySelector("button")?.focus();
  }

  /**
   * Asks in place what the erasure deletes and that it cannot be undone, and wants the customer's
   * number typed before it is sent; the keyboard goes to that field, and back to the button on
   * Cancel (or Escape).
   */
  confirmErase() {
    const address = this.address;
    const number = phoneNumber(address);
    this.eraseConfirming = true;
    this.error.hidden = true;
    this.status.textContent = "";
    const input = h("input", {
      type: "text",
      id: "erase-number",
      name: "erase-number",
      autocomplete: "off",
      inputmode: "tel",
      spellcheck: "false",
      "aria-describedby": "erase-number-hint",
    });
    const problem = h("p", { id: "erase-number-error", class: "error", hidden: true });
    const form = h(
      "form",
      {
        class: "erase-confirm",
        "aria-labelledby": "erase-title",
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          if (this.busy) return;
          if (!confirmsNumber(input.value, address)) {
            problem.textContent = input.value.trim()
              ? `That is not this customer's number. Type ${number} to erase them.`
              : `Type the customer's number, ${number}, to erase them.`;
            problem.hidden = false;
            input.setAttribute("aria-invalid", "true");
            input.setAttribute("aria-describedby", "erase-number-hint erase-number-error");
            input.focus();
            return;
          }
          this.erase(address, form);
        },
        onkeydown: (event) => {
          if (event.key === "Escape" && !this.busy) this.cancelErase();
        },
      },
      h("h4", { id: "erase-title" }, "Erase this customer permanently?"),
      h(
        "p",
        {},
        `Everything stored about ${number} is deleted: every conversation with them, with its messages, notes, files, outcome, tags and linked records; their contact entry; and their open sessions.`,
      ),
      h(
        "p",
        { class: "erase-warning" },
        h("strong", {}, "This cannot be undone."),
        " Export their data first if you need a copy. The audit log keeps only that they were erased, and by whom, under a pseudonym.",
      ),
      h("label", { for: "erase-number" }, "Type the customer's number to confirm"),
      h("p", { id: "erase-number-hint", class: "hint" }, `Their number is ${number}.`),
      problem,
      input,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", class: "danger" }, "Erase customer permanently"),
        h("button", { type: "button", class: "secondary", onclick: () => this.cancelErase() }, "Cancel"),
      ),
    );
    replaceChildren(this.eraseArea, form);
    input.focus();
  }

  cancelErase() {
    this.eraseConfirming = false;
    this.render();
    this.eraseArea.querySelector("button:not(:disabled)")?.focus();
  }

  /** Sends the erasure, then follows it until it is done (or a hold stops it). */
  async erase(address, form) {
    this.busy = true;
    for (const control of form.querySelectorAll("button, input")) control.disabled = true;
    this.progress.textContent = "Asking the server to erase this customer…";
    let view;
    try {
      view = await this.api.eraseCustomer(address);
    } catch (error) {
      this.busy = false;
      if (address !== this.address) return;
      this.progress.textContent = "";
      this.eraseConfirming = false;
      this.error.textContent = erasureErrorText(error);
      this.error.hidden = false;
      this.render();
      // Refused for a hold this page had not heard of: read it, so the control says why.
      if (error?.code === "legal_hold") await this.refreshHold(address);
      const button = this.eraseArea.querySelector("button:not(:disabled)");
      (button ?? this.error).focus();
      return;
    }
    this.busy = false;
    this.erasures.set(address, { view });
    this.eraseConfirming = false;
    this.status.textContent = "";
    if (address === this.address) {
      this.render();
      this.progress.focus();
    }
    this.follow(address, view.erasure_id);
  }

  /** GET /erasures/{id} every second while it runs; a failed read is retried, less often. */
  async follow(address, id) {
    let wait = POLL_MS;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      const entry = this.erasures.get(address);
      let view;
      try {
        view = await this.api.erasure(id);
      } catch (error) {
        if (error?.status === 404 || error?.status === 403) {
          if (address === this.address) {
            this.error.textContent = `The erasure's progress cannot be read: ${error.message}`;
            this.error.hidden = false;
          }
          return;
        }
        wait = Math.min(wait * 2, POLL_MAX_MS);
        if (address === this.address) {
          this.status.textContent = `The erasure's progress could not be read: ${error.message} It goes on at the server; trying again.`;
        }
        continue;
      }
      wait = POLL_MS;
      entry.view = view;
      if (address === this.address) {
        this.status.textContent = "";
        this.render();
      }
      if (view.state !== "running") {
        if (view.state === "held" && address === this.address) await this.refreshHold(address);
        return;
      }
    }
  }

  /** The customer's hold as the server has it now (after a refusal, or an erasure a hold stopped). */
  async refreshHold(address) {
    try {
      const summary = await this.api.customer(address);
      if (address === this.address) this.show(address, summary?.legal_hold ?? null);
    } catch {
      // The line keeps what it said; the server still refuses an erasure while held.
    }
  }

  async setHold(hold) {
    const address = this.address;
    this.busy = true;
    for (const button of this.holdActions.querySelectorAll("button")) button.disabled = true;
    this.status.textContent = hold ? "Placing the legal hold…" : "Releasing the legal hold…";
    try {
      const answer = await this.api.setHold(address, hold);
      if (address !== this.address) return;
      this.hold = answer.hold ? { set_by: answer.set_by, set_at: answer.set_at } : null;
      this.status.textContent = answer.hold ? "Legal hold placed." : "Legal hold released.";
    } catch (error) {
      if (address !== this.address) return;
      this.status.textContent = "";
      this.error.textContent = `The legal hold was not changed: ${error.message}`;
      this.error.hidden = false;
    } finally {
      this.busy = false;
    }
    this.confirming = false;
    this.render();
    this.holdActions.querySelector("button")?.focus();
  }

  /** Everything held about the customer, as a JSON file. */
  async download() {
    const address = this.address;
    this.error.hidden = true;
    this.status.textContent = "Preparing the export…";
    this.exportButton.disabled = true;
    try {
      const { blob, disposition } = await this.api.exportCustomer(address);
      if (address !== this.address) return;
      const name = customerExportName(disposition, address);
      const url = URL.createObjectURL(new Blob([blob], { type: "application/json" }));
      const link = h("a", { href: url, download: name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      this.status.textContent = `Downloaded ${name}.`;
    } catch (error) {
      if (address !== this.address) return;
      this.status.textContent = "";
      this.error.textContent = `The export failed: ${error.message}`;
      this.error.hidden = false;
    } finally {
      this.exportButton.disabled = false;
    }
  }
}
