// Routing as the desk sees it: a request offered to this agent alone (a card with Accept,
// Reject and the seconds left on the server's clock), the agent's load in the top bar, and the
// notices routing sends (set to Away after missed offers; a request nobody can take, for
// administrators). With no `offered_to` anywhere (broadcast mode) nothing here changes a card.

import { h } from "./dom.js";
import { customerName, phoneNumber } from "./customer.js";
import { formatDuration } from "./clock.js";

/**
 * How the queue shows a waiting request to `agentId`: "offer" (offered to them, timer running),
 * "elsewhere" (an administrator's view of another agent's offer), "request" (nobody holds it:
 * broadcast, or waiting for an agent), or "hidden" (another's offer, or theirs ran out).
 */
export function offerKind(conversation, agentId, isAdmin, nowMs) {
  const to = conversation.offered_to;
  if (!to) return "request";
  if (to !== agentId) return isAdmin ? "elsewhere" : "hidden";
  const expiresAt = conversation.offer_expires_at;
  if (!expiresAt) return "request";
  return secondsLeft(expiresAt, nowMs) > 0 ? "offer" : "hidden";
}

/** Whole seconds left until `expiresAt` (RFC 3339) at `nowMs`, rounded down; 0 when past or unreadable. */
export function secondsLeft(expiresAt, nowMs) {
  const endMs = Date.parse(expiresAt ?? "");
  if (Number.isNaN(endMs)) return 0;
  return Math.max(0, Math.floor((endMs - nowMs) / 1000));
}

/** The offer card's timer: "42 s left to accept", "1 min 5 s left to accept". */
export function offerTimerText(seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return `${minutes ? `${minutes} min ${rest} s` : `${rest} s`} left to accept`;
}

/**
 * An administrator's line on another agent's offer: "Offered to bob, 42 s left"; at 0 s, until
 * the queue is read again (the end of someone else's offer is not told to administrators).
 */
export function offeredToText(conversation, nowMs) {
  const to = `Offered to ${conversation.offered_to}`;
  if (!conversation.offer_expires_at) return to;
  const seconds = secondsLeft(conversation.offer_expires_at, nowMs);
  return seconds > 0 ? `${to}, ${seconds} s left` : `${to}; the offer has run out`;
}

/** The top bar's "Load 2 of 3" (`GET /agents/{me}`), "(full)" in words when at capacity. */
export function loadText(agent) {
  const load = Number(agent?.load);
  const capacity = Number(agent?.capacity);
  if (!Number.isFinite(load) || !Number.isFinite(capacity) || capacity <= 0) return "";
  return `Load ${load} of ${capacity}${load >= capacity ? " (full)" : ""}`;
}

/** Said in the queue's status line when this agent's offer ran out (the server passes it on). */
export function lapsedText(name) {
  return `The request from ${name || "a customer"} was not accepted in time and has been passed on.`;
}

/** An administrator's notice for `conversation.overflow`: a request that has waited too long. */
export function overflowText(event) {
  const name = customerName(event.customer);
  const to = event.business_number ? ` to ${phoneNumber(event.business_number)}` : "";
  const waited = Number.isFinite(event.wait_seconds) ? `has waited ${formatDuration(event.wait_seconds * 1000)}` : "is still waiting";
  return `The request from ${name}${to} ${waited} and no agent has accepted it.`;
}

/** Calls `fn` once, `ms` after the last of a burst of calls. */
export function debounce(fn, ms, timers = { set: (f, t) => setTimeout(f, t), clear: (id) => clearTimeout(id) }) {
  let timer = null;
  return () => {
    if (timer !== null) timers.clear(timer);
    timer = timers.set(() => {
      timer = null;
      fn();
    }, ms);
  };
}

/** The top bar's load, re-read (debounced) after the agent's actions and on live frames. */
export class LoadMeter {
  constructor({ element, read, delayMs = 400 }) {
    this.element = element;
    this.read = read;
    this.schedule = debounce(() => this.refresh(), delayMs);
  }

  async refresh() {
    try {
      const text = loadText(await this.read());
      this.element.textContent = text;
      this.element.hidden = !text;
      this.element.classList.toggle("full", text.endsWith("(full)"));
    } catch {
      // A load that cannot be read is left out rather than shown stale as current.
      this.element.hidden = true;
    }
  }
}

/**
 * Notices above the desk, in a `role="alert"` region, each with its own Dismiss and kept by key.
 * A new notice is appended (only it is announced), never the whole list re-rendered; the region
 * is always in the page (empty, it takes no room) so that screen readers watch it.
 */
export class Notices {
  constructor(root) {
    this.root = root;
    this.byKey = new Map();
  }

  /** `action` (`{text, label, run}`) adds a button before **Dismiss**, e.g. to open the conversation. */
  show(key, text, action = null) {
    this.byKey.get(key)?.remove();
    const line = h(
      "p",
      { class: "notice-line" },
      h("span", {}, text),
      action && h("button", { type: "button", class: "secondary", "aria-label": action.label, onclick: () => (this.clear(key), action.run()) }, action.text),
      h("button", { type: "button", class: "secondary", "aria-label": `Dismiss: ${text}`, onclick: () => this.clear(key) }, "Dismiss"),
    );
    this.byKey.set(key, line);
    this.root.append(line);
  }

  clear(key) {
    const line = this.byKey.get(key);
    if (!line) return;
    const hadFocus = line.contains(document.activeElement);
    line.remove();
    this.byKey.delete(key);
    // Focus stays in the notices while there are any, so the keyboard does not jump to the top.
    if (hadFocus) this.root.querySelector("button")?.focus();
  }

  /** Drops the notices whose key `stale(key)` says no longer stands. */
  prune(stale) {
    for (const key of [...this.byKey.keys()]) if (stale(key)) this.clear(key);
  }
}
