// Outcomes in the conversation view: under the customer's name, the outcome ("Outcome:
// Resolved — summary") or "Wrap-up pending", with **Wrap up** / **Edit outcome** while this agent
// may record it, and the customer's rating; **Export** (a printable page, a JSON download) for
// the assigned agent or an administrator; beside the notes, the tags and linked records.
// Loaded with the first conversation opened, like the notes.

import { h, replaceChildren } from "./dom.js";
import { csatText, downloadName, mayManage, mayRecordOutcome, outcomeText, sandboxedExportHtml } from "./outcomes.js";
import { RecordsSection, TagsControl } from "./records.js";

const STYLE_WAIT_MS = 10_000;

/**
 * Opens the printable page in a new tab; false when the browser blocked it. A blob: page keeps
 * the console's Content-Security-Policy, which refuses the page's own <style>: the console
 * gives its rules to the page through CSSOM (which the policy allows), then lets go of it.
 */
function openPrintable(url) {
  const tab = window.open(url, "_blank");
  if (!tab) return false;
  const started = Date.now();
  const timer = setInterval(() => {
    try {
      if (tab.closed || Date.now() - started > STYLE_WAIT_MS) return clearInterval(timer);
      if (tab.location.href !== url || tab.document.readyState !== "complete") return;
      clearInterval(timer);
      const sheets = [...tab.document.querySelectorAll("style")].map((style) => {
        const sheet = new tab.CSSStyleSheet();
        sheet.replaceSync(style.textContent);
        return sheet;
      });
      tab.document.adoptedStyleSheets = [...tab.document.adoptedStyleSheets, ...sheets];
      tab.opener = null;
    } catch (error) {
      clearInterval(timer);
      console.debug("the printable page keeps its plain look:", error?.message ?? error);
    }
  }, 50);
  return true;
}

export class OutcomePanel {
  /** `onWrapUp(id)` opens the wrap-up form; `onChanged(id, partial)` is told of a tags or records change. */
  constructor({ api, clock, agentId, isAdmin, onWrapUp, onChanged }) {
    this.api = api;
    this.clock = clock;
    this.agentId = agentId;
    this.isAdmin = isAdmin;
    this.conversation = null;
    this.outcomeLine = h("p", { class: "outcome" });
    this.wrapUpButton = h("button", { type: "button", class: "secondary small", onclick: () => onWrapUp?.(this.conversation.id) });
    this.csat = h("p", { class: "csat" });
    this.header = h("div", { class: "outcome-area" }, h("div", { class: "outcome-line" }, this.outcomeLine, this.wrapUpButton), this.csat);

    this.exportStatus = h("p", { class: "export-status", role: "status" });
    this.exportError = h("p", { class: "error", role: "alert", hidden: true });
    this.printButton = h("button", { type: "button", class: "secondary", onclick: () => this.printable() }, "Printable page");
    this.jsonButton = h("button", { type: "button", class: "secondary", onclick: () => this.download() }, "Download JSON");
    this.exportMenu = h(
      "details",
      { class: "export" },
      h("summary", {}, "Export"),
      h("div", { class: "export-body" }, h("div", { class: "actions" }, this.printButton, this.jsonButton), this.exportStatus, this.exportError),
    );
    this.printableUrl = null;

    this.tags = new TagsControl({ api, onChanged });
    this.records = new RecordsSection({ api, agentId, isAdmin, onChanged });
    this.tools = h("div", { class: "outcome-tools" }, this.tags.root, this.records.root);
  }

  show(conversation) {
    if (conversation.id !== this.conversation?.id) this.resetExport();
    this.conversation = conversation;
    this.refresh();
    this.tags.show(conversation);
    this.records.show(conversation);
  }

  /** The outcome line and who may act, on the server's clock (called on every update and tick). */
  refresh() {
    const c = this.conversation;
    if (!c) return;
    const closed = c.state === "closed";
    const may = mayRecordOutcome(c, this.agentId, this.isAdmin, this.clock.now());
    // This agent's own wrap-up still to do, or just no outcome (someone else's, or too late).
    const mine = closed && !c.outcome && may && c.assigned_agent === this.agentId;
    this.outcomeLine.className = mine ? "outcome pending" : "outcome";
    this.outcomeLine.textContent = c.outcome
      ? outcomeText(c.outcome)
      : mine
        ? "Wrap-up pending: no outcome recorded yet."
        : closed
          ? "No outcome recorded."
          : "";
    if (c.outcome?.recorded_by) this.outcomeLine.append(h("span", { class: "muted recorded" }, ` (recorded by ${c.outcome.recorded_by})`));
    this.outcomeLine.hidden = !closed && !c.outcome;
    this.wrapUpButton.hidden = !may;
    this.wrapUpButton.textContent = c.outcome ? "Edit outcome" : "Wrap up";
    this.csat.textContent = csatText(c.csat);
    this.csat.hidden = !this.csat.textContent;
    this.header.hidden = this.outcomeLine.hidden && this.wrapUpButton.hidden && this.csat.hidden;
    this.exportMenu.hidden = !mayManage(c, this.agentId, this.isAdmin);
  }

  resetExport() {
    if (this.printableUrl) URL.revokeObjectURL(this.printableUrl);
    this.printableUrl = null;
    this.exportMenu.open = false;
    this.exportStatus.textContent = "";
    this.exportError.hidden = true;
  }

  async exporting(format, done) {
    const id = this.conversation.id;
    this.exportError.hidden = true;
    this.exportStatus.textContent = "Preparing the export…";
    this.printButton.disabled = this.jsonButton.disabled = true;
    try {
      const answer = await this.api.exportConversation(id, format);
      if (this.conversation?.id === id) await done(answer, id);
    } catch (error) {
      this.exportStatus.textContent = "";
      this.exportError.textContent = `The export failed: ${error.message}`;
      this.exportError.hidden = false;
    } finally {
      this.printButton.disabled = this.jsonButton.disabled = false;
    }
  }

  /**
   * The printable page, fetched with the agent's identity (a plain link would have none) and
   * opened from a blob: address in a new tab, with no script allowed in it.
   */
  printable() {
    return this.exporting("html", async ({ blob }) => {
      if (this.printableUrl) URL.revokeObjectURL(this.printableUrl);
      const html = sandboxedExportHtml(await blob.text());
      this.printableUrl = URL.createObjectURL(new Blob([html], { type: "text/html" }));
      const again = h("button", { type: "button", class: "secondary small", onclick: () => openPrintable(this.printableUrl) }, "Open the printable page again");
      const opened = openPrintable(this.printableUrl);
      replaceChildren(
        this.exportStatus,
        opened ? "The printable page opened in a new tab. " : "The browser blocked the new tab. ",
        again,
      );
    });
  }

  /** The whole conversation as a JSON file. */
  download() {
    return this.exporting("json", async ({ blob, disposition }, id) => {
      const name = downloadName(disposition, id);
      const url = URL.createObjectURL(new Blob([blob], { type: "application/json" }));
      const link = h("a", { href: url, download: name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      this.exportStatus.textContent = `Downloaded ${name}.`;
    });
  }
}
