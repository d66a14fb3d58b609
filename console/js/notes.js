// Around the transcript: agents' notes (never sent to the customer) and handing the
// conversation to another available agent.

import { h, replaceChildren } from "./dom.js";
import { timeOfDay } from "./clock.js";

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export class NotesPanel {
  constructor({ api }) {
    this.api = api;
    this.conversationId = null;
    this.key = null;
    this.list = h("ul", { class: "notes", "aria-label": "Notes" });
    this.textarea = h("textarea", { id: "note-text", rows: 2, maxlength: 4000 });
    this.textarea.addEventListener("input", () => (this.key = null));
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.button = h("button", { type: "submit", class: "secondary" }, "Add note");
    this.form = h(
      "form",
      { class: "note-form", "aria-label": "Add a note" },
      h("label", { for: "note-text" }, "Note for agents"),
      h("p", { id: "note-hint", class: "hint" }, "Only agents see notes; they are never sent to the customer."),
      this.textarea,
      h("div", { class: "actions" }, this.button),
      this.error,
    );
    this.textarea.setAttribute("aria-describedby", "note-hint");
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.add();
    });
    this.root = h("section", { class: "notes-panel", "aria-labelledby": "notes-title" }, h("h3", { id: "notes-title" }, "Notes"), this.list, this.form);
  }

  show(conversation) {
    if (conversation.id !== this.conversationId) {
      this.conversationId = conversation.id;
      this.textarea.value = "";
      this.key = null;
      this.error.hidden = true;
    }
    const notes = conversation.notes ?? [];
    replaceChildren(
      this.list,
      notes.length
        ? notes.map((note) =>
            h(
              "li",
              { class: "note", dataset: { noteId: note.id } },
              h("p", { class: "meta" }, h("span", { class: "who" }, note.author), " ", h("time", { datetime: note.created_at }, timeOfDay(note.created_at))),
              h("p", { class: "body" }, note.body),
            ),
          )
        : h("li", { class: "muted" }, "No notes yet."),
    );
  }

  async add() {
    const body = this.textarea.value;
    if (!body.trim()) {
      this.error.textContent = "Write the note first.";
      this.error.hidden = false;
      this.textarea.focus();
      return;
    }
    this.key ??= newKey();
    this.button.disabled = true;
    this.error.hidden = true;
    try {
      const id = this.conversationId;
      await this.api.addNote(id, body, this.key);
      this.textarea.value = "";
      this.key = null;
      if (id === this.conversationId) this.show(await this.api.conversation(id));
    } catch (error) {
      this.error.textContent = error.message;
      this.error.hidden = false;
    } finally {
      this.button.disabled = false;
    }
  }
}

export class TransferControl {
  /** `onTransferred(conversation)` gets the conversation as the server answered it. */
  constructor({ api, agentId, isAdmin, onTransferred }) {
    this.api = api;
    this.agentId = agentId;
    this.isAdmin = isAdmin;
    this.onTransferred = onTransferred;
    this.conversation = null;
    this.select = h("select", { id: "transfer-agent" });
    this.button = h("button", { type: "submit", class: "secondary" }, "Transfer");
    this.refreshButton = h("button", { type: "button", class: "secondary", onclick: () => this.loadAgents() }, "Refresh agents");
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.root = h(
      "form",
      { class: "transfer", "aria-label": "Transfer the conversation" },
      h("label", { for: "transfer-agent" }, "Transfer to"),
      h("div", { class: "actions" }, this.select, this.button, this.refreshButton),
      this.error,
    );
    this.root.addEventListener("submit", (event) => {
      event.preventDefault();
      this.transfer();
    });
  }

  show(conversation) {
    const changed = conversation.id !== this.conversation?.id || conversation.assigned_agent !== this.conversation?.assigned_agent;
    this.conversation = conversation;
    const allowed = conversation.state === "active" && (conversation.assigned_agent === this.agentId || this.isAdmin);
    this.root.hidden = !allowed;
    if (allowed && changed) this.loadAgents();
  }

  async loadAgents() {
    this.error.hidden = true;
    try {
      const { agents } = await this.api.availableAgents();
      const others = agents.map((a) => a.agent_id).filter((a) => a !== this.conversation?.assigned_agent);
      replaceChildren(
        this.select,
        others.length
          ? others.map((a) => h("option", { value: a }, a === this.agentId ? `${a} (you)` : a))
          : h("option", { value: "" }, "No other agent is available"),
      );
      this.button.disabled = others.length === 0;
    } catch (error) {
      this.error.textContent = error.message;
      this.error.hidden = false;
    }
  }

  async transfer() {
    const target = this.select.value;
    if (!target || !this.conversation) return;
    this.button.disabled = true;
    this.error.hidden = true;
    try {
      const updated = await this.api.transfer(this.conversation.id, target);
      this.onTransferred?.(updated);
    } catch (error) {
      this.error.textContent = error.message;
      this.error.hidden = false;
    } finally {
      this.button.disabled = false;
    }
  }
}
