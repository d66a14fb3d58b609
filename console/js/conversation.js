// The communication panel: who the customer is, the 24-hour window ticking on the server's
// clock, the transcript, and the composer (free text or template, as the window allows).

import { h, replaceChildren } from "./dom.js";
import { customerName, phoneNumber } from "./customer.js";
import { formatDuration, timeOfDay, urgency, windowAt } from "./clock.js";
import { Transcript } from "./transcript.js";
import { isFailure } from "./status.js";
import { Composer, WINDOW_EXPIRED_TEXT } from "./composer.js";
import { QuickReplies } from "./quickreplies.js";
import { TypingThrottle, isUnread, latestInbound, seenMessageId, seenText } from "./typing.js";
import { charCount, wrapUpPending } from "./outcomes.js";
import { sentimentBadge } from "./sentiment.js";
import { MAX_MESSAGE_CHARS, loadAssistStyles } from "./assist.js";

// The panel's layout (the column beside the transcript) is in assist.css: there before the first conversation shows.
await loadAssistStyles();

export class ConversationPanel {
  /**
   * `closingWarning(id)` is the standing `window.closing` warning of a conversation, if any;
   * `onWrapUp(id)` opens the wrap-up form of a closed conversation.
   */
  constructor({ root, api, clock, agentId, isAdmin = false, onChanged, onWrapUp, closingWarning = () => null }) {
    this.onWrapUp = onWrapUp;
    this.root = root;
    this.isAdmin = isAdmin;
    this.api = api;
    this.clock = clock;
    this.agentId = agentId;
    this.onChanged = onChanged;
    this.closingWarning = closingWarning;
    this.conversation = null;
    this.forcedExpired = false;
    // "typing…" and read: at most one call per conversation per 20 s; the customer message each
    // of the console's own calls made read, by conversation.
    this.typing = new TypingThrottle({ send: (id) => this.api.typing(id) });
    this.acknowledged = new Map();
    this.showEmpty();
  }

  showEmpty() {
    this.conversation = null;
    replaceChildren(
      this.root,
      h("div", { class: "empty-panel" }, h("h2", {}, "No conversation open"), h("p", {}, "Accept a request or pick one of your conversations.")),
    );
  }

  get id() {
    return this.conversation?.id ?? null;
  }

  /** Shows a conversation: rebuilt when it is another one, patched when it is the same. */
  show(conversation) {
    if (conversation.id !== this.id) this.build(conversation);
    // `records` is only on GET /conversations/{id}: an accept or close answer keeps the known ones.
    else if (!conversation.records && this.conversation?.records) conversation = { ...conversation, records: this.conversation.records };
    this.conversation = conversation;
    this.forcedExpired &&= conversation.window?.open !== true || conversation.state === "expired";
    this.title.textContent = customerName(conversation.customer);
    const to = conversation.business_number ? ` · to ${phoneNumber(conversation.business_number)}` : "";
    this.subtitle.textContent = `${phoneNumber(conversation.customer.address)}${to} · ${stateText(conversation, this.agentId)}`;
    this.showMood(conversation);
    // System events (a transfer) read as lines of the transcript, in time order (the transcript
    // orders what it adds; a poll's known lines are only compared with what their nodes show).
    const events = (conversation.events ?? []).filter(shownEvent).map(eventLine);
    const timeline = events.length ? (conversation.messages ?? []).concat(events) : (conversation.messages ?? []);
    this.transcript.update(timeline, { complete: Boolean(conversation.messages) });
    this.notes?.show(conversation);
    this.transferControl?.show(conversation);
    this.outcomes?.show(this.conversation);
    this.knowledge?.show(conversation);
    this.script?.show(conversation);
    this.refreshControls();
    // Opened by its assigned agent, window open, the customer's last message unread: mark it read.
    if (this.acknowledgeOnOpen && this.composer.mode === "text") {
      this.acknowledgeOnOpen = false;
      if (isUnread(conversation)) this.signalTyping();
    }
    this.showSeen();
  }

  /** The customer's sentiment and its trend in the header, in words ("Sentiment: 😠 Negative, worsening"). */
  showMood(conversation) {
    const label = `${conversation.sentiment?.label ?? ""} ${conversation.sentiment_trend ?? ""}`;
    if (label === this.moodShown) return;
    this.moodShown = label;
    const badge = sentimentBadge(conversation.sentiment, { trend: conversation.sentiment_trend, visibleLabel: true });
    this.mood.replaceChildren(badge ?? "");
    this.mood.hidden = !badge;
  }

  /**
   * Assist's live frames about this conversation: a message scored (the header and that message
   * follow at once; the re-read the frame also causes confirms), new suggestions.
   */
  live(event) {
    if (event.conversation_id !== this.id) return;
    if (event.event_type === "conversation.sentiment") {
      if (event.sentiment) {
        this.conversation = { ...this.conversation, sentiment: event.sentiment, sentiment_trend: event.sentiment_trend };
        this.showMood(this.conversation);
      }
      if (event.message_id && event.message_sentiment) this.transcript.setSentiment(event.message_id, event.message_sentiment);
    }
    if (event.event_type === "conversation.suggestions") this.knowledge?.live(event);
  }

  /**
   * A live `message.status` frame for this conversation, patched in place. True when nothing
   * else is needed; false when the conversation should be read again: the message is not shown
   * yet, or it failed (the frame has the code, the conversation also has Twilio's explanation).
   */
  liveStatus(event) {
    if (event.conversation_id !== this.id || !event.message_id || !event.status) return false;
    if (!this.transcript?.setStatus(event.message_id, event.status, event.error_code)) return false;
    return !isFailure(event.status);
  }

  /** How many characters Message still takes, the selection (replaced by an insert) not counted. */
  messageRoom() {
    const box = this.composer.textarea;
    const kept = box.value.slice(0, box.selectionStart ?? box.value.length) + box.value.slice(box.selectionEnd ?? box.value.length);
    return Math.max(0, MAX_MESSAGE_CHARS - charCount(kept));
  }

  /** Puts text in Message at the cursor (in place of the selection, or of a lone "/" shortcut) and gives it the keyboard. */
  insertMessage(text) {
    const box = this.composer.textarea;
    if (box.disabled) return;
    if (/^\/\S*$/.test(box.value)) box.value = "";
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? start;
    const before = box.value.slice(0, start);
    const after = box.value.slice(end);
    // A line between what was there and the insert, so two texts do not run together.
    const gap = before && !/\s$/.test(before) ? "\n" : "";
    box.value = before + gap + text + after;
    box.dispatchEvent(new Event("input"));
    box.focus();
    const caret = (before + gap + text).length;
    box.setSelectionRange(caret, caret);
  }

  /** "typing…" for the customer, which also marks their latest message read; silent when it fails. */
  signalTyping() {
    const c = this.conversation;
    if (!c || this.composer.mode !== "text") return;
    const latest = latestInbound(c.messages);
    this.typing.poke(c.id)?.then(
      () => {
        if (latest) this.acknowledged.set(c.id, latest.id);
        if (this.id === c.id) this.showSeen();
      },
      // A nicety, never an error banner.
      (error) => console.debug("typing indicator not sent:", error?.code ?? error?.message ?? error),
    );
  }

  /** "Seen by you" under the customer's latest message, once it is known to be read. */
  showSeen() {
    const c = this.conversation;
    if (!c?.messages) return;
    const seen = seenMessageId(c, this.acknowledged.get(c.id));
    this.transcript.markSeen(seen, seenText(c.assigned_agent === this.agentId));
  }

  build(conversation) {
    this.forcedExpired = false;
    this.acknowledgeOnOpen = true;
    this.title = h("h2", { id: "conversation-title" });
    this.subtitle = h("p", { class: "muted" });
    this.mood = h("p", { class: "mood-line", hidden: true });
    this.moodShown = null;
    this.windowStatus = h("p", { class: "window", role: "timer", "aria-live": "off" });
    this.expired = h("p", { class: "expired-banner", role: "status" });
    this.closing = h("p", { class: "closing-banner", role: "alert", hidden: true });
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.acceptButton = h("button", { type: "button", class: "primary", onclick: () => this.run(() => this.api.accept(this.id)) }, "Accept");
    this.closeButton = h(
      "button",
      {
        type: "button",
        class: "secondary",
        onclick: () =>
          this.run(async () => {
            const closed = await this.api.close(this.id);
            // The assigned agent's own close: the wrap-up form opens at once.
            if (wrapUpPending(closed, this.agentId)) setTimeout(() => this.onWrapUp?.(closed.id));
            return closed;
          }),
      },
      "Close conversation",
    );
    const log = h("div", { class: "transcript", role: "log", "aria-label": "Transcript", tabindex: "0" });
    this.transcript = new Transcript(log, this.agentId, (path) => this.api.media(path));
    this.transcript.onCancel = (messageId) =>
      this.run(async () => {
        await this.api.cancelDeferred(this.id, messageId);
        this.show(await this.api.conversation(this.id));
      });
    // Notes and transfer load with the first conversation opened, not with the page.
    this.notes = null;
    this.transferControl = null;
    const notesSlot = h("div", { class: "desk-tools" });
    const toolsSlot = h("div", { class: "desk-tools" });
    const deskSlot = h("div", { class: "desk-area" }, toolsSlot, notesSlot);
    import("./notes.js").then(({ NotesPanel, TransferControl }) => {
      if (!notesSlot.isConnected) return;
      this.notes = new NotesPanel({ api: this.api });
      this.transferControl = new TransferControl({
        api: this.api,
        agentId: this.agentId,
        isAdmin: this.isAdmin,
        onTransferred: (updated) => {
          this.show({ ...updated, messages: this.conversation?.messages ?? [], notes: this.conversation?.notes, events: this.conversation?.events });
          this.onChanged?.(updated);
        },
      });
      notesSlot.replaceChildren(this.transferControl.root, this.notes.root);
      if (this.conversation) {
        this.notes.show(this.conversation);
        this.transferControl.show(this.conversation);
      }
    });
    // Outcome, rating, export, tags and linked records: loaded with the first conversation too.
    this.outcomes = null;
    const outcomeSlot = h("div");
    const exportSlot = h("div", { class: "export-slot" });
    import("./outcome-panel.js").then(({ OutcomePanel }) => {
      if (!outcomeSlot.isConnected) return;
      this.outcomes = new OutcomePanel({
        api: this.api,
        clock: this.clock,
        agentId: this.agentId,
        isAdmin: this.isAdmin,
        onWrapUp: (id) => this.onWrapUp?.(id),
        onChanged: (id, partial) => this.patch(id, partial),
      });
      outcomeSlot.replaceChildren(this.outcomes.header);
      exportSlot.replaceChildren(this.outcomes.exportMenu);
      toolsSlot.replaceChildren(this.outcomes.tools);
      if (this.conversation) this.outcomes.show(this.conversation);
    });
    // Assist beside the transcript: the script's checklist and the Knowledge pane, loaded with
    // the first conversation opened, never with the page.
    this.knowledge = null;
    this.script = null;
    const assistSlot = h("div", { class: "assist" });
    Promise.all([import("./knowledge.js"), import("./script.js")]).then(
      ([{ KnowledgePane }, { ScriptChecklist }]) => {
        if (!assistSlot.isConnected) return;
        this.script = new ScriptChecklist({
          api: this.api,
          agentId: this.agentId,
          onChanged: (script) => (this.conversation = { ...this.conversation, script }),
        });
        this.knowledge = new KnowledgePane({ api: this.api, room: () => this.messageRoom(), insert: (text) => this.insertMessage(text) });
        assistSlot.replaceChildren(this.script.root, this.knowledge.root);
        if (this.conversation) {
          this.script.show(this.conversation);
          this.knowledge.show(this.conversation);
          this.refreshControls();
        }
      },
      () => assistSlot.replaceChildren(h("p", { class: "error", role: "alert" }, "The knowledge pane could not be loaded. Reload the page.")),
    );
    const composerRoot = h("div", { class: "composer-area" });
    this.composer = new Composer({
      root: composerRoot,
      api: this.api,
      isAdmin: this.isAdmin,
      onTyping: () => this.signalTyping(),
      send: (content, key) => this.send(content, key),
      upload: (file) => this.api.upload(this.id, file),
      onSent: (message) => this.transcript.update([message]),
      quickReplies: new QuickReplies({ api: this.api }),
    });
    replaceChildren(
      this.root,
      h(
        "section",
        { class: "conversation", "aria-labelledby": "conversation-title" },
        h(
          "header",
          { class: "conversation-header" },
          h("div", { class: "heading" }, this.title, this.subtitle, this.mood, outcomeSlot),
          h("div", { class: "actions" }, this.acceptButton, this.closeButton, exportSlot),
        ),
        h(
          "div",
          { class: "conversation-body" },
          h("div", { class: "conversation-main" }, this.windowStatus, this.closing, this.error, log, this.expired, composerRoot, deskSlot),
          assistSlot,
        ),
      ),
    );
  }

  async run(action) {
    this.error.hidden = true;
    try {
      const updated = await action();
      if (updated?.id) {
        const { messages = [], notes, events } = this.conversation ?? {};
        this.show({ ...updated, messages, notes, events });
        this.onChanged?.(updated);
      }
    } catch (error) {
      this.error.textContent = error.message;
      this.error.hidden = false;
    }
  }

  async send(content, key) {
    try {
      return await this.api.send(this.id, content, key);
    } catch (error) {
      if (error.code === "window_expired") {
        // The server's clock says the window has closed: believe it, whatever the countdown said.
        this.forcedExpired = true;
        this.refreshControls();
        throw new Error("Your message was not sent.");
      }
      throw error;
    }
  }

  /** Tags or linked records changed here or in the wrap-up form: the view follows without a re-read. */
  patch(id, partial) {
    if (id !== this.id) return;
    this.conversation = { ...this.conversation, ...partial };
    this.outcomes?.show(this.conversation);
  }

  /** A `window.closing` notification arrived: shown if it is about this conversation. */
  warn(event) {
    if (event.conversation_id === this.id) this.refreshControls();
  }

  /** Re-evaluates the window on the server's clock; called on every update and every tick. */
  refreshControls() {
    const c = this.conversation;
    if (!c) return;
    const window = windowAt(c.window?.expires_at, this.clock.now());
    const open = window.open && c.window?.open !== false && !this.forcedExpired && c.state !== "expired";
    const mine = c.assigned_agent === this.agentId;
    const closed = c.state === "closed";

    this.outcomes?.refresh();
    this.acceptButton.hidden = c.state !== "requested";
    // An administrator closes any conversation that is not closed (a request nobody should take).
    this.closeButton.hidden = !((mine || this.isAdmin) && !closed);

    this.windowStatus.hidden = closed;
    if (open) {
      const level = urgency(window.msLeft);
      this.windowStatus.className = `window ${level}`;
      this.windowStatus.textContent = `Replies accepted for another ${formatDuration(window.msLeft)}.`;
    } else {
      this.windowStatus.className = "window closed";
      // A conversation the business started: the customer has not written yet.
      this.windowStatus.textContent =
        c.state === "awaiting_customer"
          ? "Waiting for the customer's answer: until they write, only approved templates can be sent."
          : `The 24-hour window closed ${closedAt(c.window?.expires_at)}. Only approved templates can be sent.`;
    }
    // A warning stands while the window it was about is still the conversation's and still open.
    const warning = this.closingWarning(c.id);
    const warned =
      open && !closed && warning && Date.parse(warning.expires_at) === Date.parse(c.window?.expires_at);
    this.closing.hidden = !warned;
    this.closing.textContent = warned
      ? `The 24-hour window closes at ${timeOfDay(warning.expires_at)}, in ${formatDuration(window.msLeft)}. ` +
        "Reply now: after that, only an approved template can be sent."
      : "";

    const showExpired = !open && !closed;
    this.expired.hidden = !showExpired;
    this.expired.textContent = showExpired ? WINDOW_EXPIRED_TEXT : "";

    if (closed) this.composer.setMode("none", "This conversation is closed.");
    else if (c.state === "requested" || !c.assigned_agent) this.composer.setMode("none", "Accept this conversation to reply.");
    else if (!mine) this.composer.setMode("none", `Assigned to ${c.assigned_agent}.`);
    else if (open) this.composer.setMode("text");
    else this.composer.setMode("template");
    this.knowledge?.setInsertable(this.composer.mode === "text");
  }
}

/** A suggestion's use is recorded for reports and the export, not drawn in the transcript. */
function shownEvent(event) {
  return !/(^|\.)suggestion_used$/.test(event.event_type ?? "");
}

/** A transcript event as a line of the transcript. */
function eventLine(event) {
  const who = event.by === event.from_agent ? event.by : `${event.by} (for ${event.from_agent})`;
  const body =
    event.event_type === "conversation.transferred" ? `${who} transferred the conversation to ${event.to_agent}.` : event.event_type;
  return { id: `event-${event.id}`, direction: "system", body, media: [], created_at: event.created_at };
}

function closedAt(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return `on ${date.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })}`;
}

function stateText(conversation, agentId) {
  switch (conversation.state) {
    case "requested":
      return "Waiting for an agent";
    case "active":
      return conversation.assigned_agent === agentId ? "Active, assigned to you" : `Active, assigned to ${conversation.assigned_agent}`;
    case "awaiting_customer":
      return "Started by us: awaiting the customer";
    case "expired":
      return "Window closed";
    case "closed":
      return "Closed";
    default:
      return conversation.state;
  }
}
