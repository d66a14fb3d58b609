// The agent script beside the transcript: the conversation's `script` (for its number, else the
// general one) as a checklist of real checkboxes. Only the assigned agent of an active
// conversation ticks them (the server's rule); a tick is sent at once and undone, with the
// server's reason, when refused. Loaded with the first conversation opened.

import { h, replaceChildren } from "./dom.js";
import { timeOfDay } from "./clock.js";
import { sameSteps, scriptView } from "./assist.js";

export class ScriptChecklist {
  /** `onChanged(script)` is told the server's script after a tick, so the view keeps it. */
  constructor({ api, agentId, onChanged = null }) {
    this.api = api;
    this.agentId = agentId;
    this.onChanged = onChanged;
    this.conversation = null;
    this.script = null;
    this.view = null;
    /** Steps whose tick is on its way: a re-read does not undo them meanwhile. */
    this.pending = new Set();
    this.name = h("p", { class: "script-name" });
    this.progress = h("p", { class: "muted" });
    this.list = h("ul", { class: "checklist", "aria-describedby": "script-progress" });
    this.progress.id = "script-progress";
    this.reason = h("p", { class: "hint" });
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.root = h(
      "section",
      { class: "tool script", "aria-labelledby": "script-title", hidden: true },
      h("h3", { id: "script-title" }, "Script"),
      this.name,
      this.progress,
      this.list,
      this.reason,
      this.error,
    );
  }

  /** The conversation as the server shows it: the checklist built, or patched when it lists the same steps. */
  show(conversation) {
    if (conversation.id !== this.conversation?.id) {
      this.pending.clear();
      this.error.hidden = true;
    }
    this.conversation = conversation;
    // `script` is only on GET /conversations/{id}: an answer without it (accept, close) changes nothing.
    if (!("script" in conversation)) {
      if (this.view) this.render(scriptView(this.script, conversation, this.agentId));
      return;
    }
    this.script = conversation.script;
    this.render(scriptView(conversation.script, conversation, this.agentId));
  }

  render(view) {
    this.root.hidden = !view;
    if (!view) {
      this.view = null;
      replaceChildren(this.list);
      return;
    }
    if (!sameSteps(this.view, view)) replaceChildren(this.list, view.steps.map((step) => this.stepElement(step)));
    this.view = view;
    this.name.textContent = view.title;
    this.progress.textContent = view.progress;
    this.reason.textContent = view.reason ?? "";
    this.reason.hidden = !view.reason;
    for (const step of view.steps) {
      const box = this.list.querySelector(`#script-step-${step.index}`);
      if (!box) continue;
      if (!this.pending.has(step.index)) box.checked = step.done;
      box.disabled = !view.editable;
      const by = box.closest("li").querySelector(".done-by");
      by.textContent = step.done && step.by ? `Ticked by ${step.by === this.agentId ? "you" : step.by}${step.at ? ` at ${timeOfDay(step.at)}` : ""}` : "";
      by.hidden = !by.textContent;
    }
  }

  stepElement(step) {
    const id = `script-step-${step.index}`;
    const box = h("input", { type: "checkbox", id, "aria-describedby": `${id}-by` });
    box.addEventListener("change", () => this.tick(step.index, box));
    return h(
      "li",
      { class: "step" },
      box,
      h("div", {}, h("label", { for: id }, step.text), h("p", { id: `${id}-by`, class: "done-by muted", hidden: true })),
    );
  }

  async tick(index, box) {
    const done = box.checked;
    const id = this.conversation?.id;
    if (!id) return;
    // Not disabled while it goes (that would drop the keyboard focus): a second change waits.
    if (this.pending.has(index)) {
      box.checked = !done;
      return;
    }
    this.pending.add(index);
    box.setAttribute("aria-busy", "true");
    this.error.hidden = true;
    try {
      const { script } = await this.api.tickStep(id, index, done);
      this.pending.delete(index);
      if (id !== this.conversation?.id) return;
      this.script = script;
      this.render(scriptView(script, this.conversation, this.agentId));
      this.onChanged?.(script);
    } catch (error) {
      this.pending.delete(index);
      box.checked = !done;
      const step = this.view?.steps[index]?.text ?? `Step ${index + 1}`;
      this.error.textContent = `“${step}” could not be ${done ? "ticked" : "unticked"}: ${error.message}`;
      this.error.hidden = false;
    } finally {
      box.removeAttribute("aria-busy");
    }
  }
}
