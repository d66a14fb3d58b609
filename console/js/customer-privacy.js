// The customer summary's privacy controls, for administrators only: the customer's legal hold
// (placed or released after an inline confirmation, PUT /customers/{address}/hold) and Export
// customer data (GET /customers/{address}/export, fetched with the agent's identity and saved as
// a JSON file). Loaded by summary.js the first time an administrator's summary shows a customer.

import { h, replaceChildren } from "./dom.js";
import { customerExportName, holdText, loadPrivacyStyles } from "./privacy.js";

export class PrivacyControls {
  /** `root` is the summary's section for them (kept across the summary's renders). */
  constructor(root, api) {
    this.root = root;
    this.api = api;
    this.address = null;
    this.hold = undefined;
    this.confirming = false;
    this.busy = false;
    loadPrivacyStyles();
    this.state = h("p", { class: "hold-state" });
    this.holdActions = h("div", { class: "actions" });
    this.exportButton = h("button", { type: "button", class: "secondary", onclick: () => this.download() }, "Export customer data");
    this.status = h("p", { class: "privacy-status", role: "status" });
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    replaceChildren(
      root,
      h("h3", { id: "privacy-title" }, "Data protection"),
      this.state,
      this.holdActions,
      h("div", { class: "actions" }, this.exportButton),
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
      this.status.textContent = "";
      this.error.hidden = true;
    }
    // A read begun before a change made here would show the customer's old state: not while busy.
    if (hold === undefined || this.busy) return this.render();
    const changed = Boolean(hold) !== Boolean(this.hold) || this.hold === undefined;
    this.hold = hold;
    if (changed) this.confirming = false;
    this.render();
  }

  render() {
    const held = Boolean(this.hold);
    this.state.textContent = holdText(this.hold);
    this.state.classList.toggle("held", held);
    if (this.confirming) return;
    if (this.hold === undefined || this.hold === false) return replaceChildren(this.holdActions);
    replaceChildren(
      this.holdActions,
      h("button", { type: "button", class: "secondary", onclick: () => this.confirm() }, held ? "Release legal hold" : "Place legal hold"),
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
