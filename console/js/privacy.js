// Privacy's rules, without the page: the audit log's actions in plain words, its query from the
// filter form, how an entry's target and detail read, the legal hold's line, the customer
// export's file name, and an erasure's confirmation, progress and errors in words. Used by the Audit page (audit.js) and the summary's controls
// (customer-privacy.js), both loaded on first use.

import { dateTime } from "./clock.js";

/** Every action the server records, with how the table says it (newest actions last, as in the API). */
export const AUDIT_ACTIONS = [
  ["signin", "Signed in"],
  ["conversation.accept", "Accepted a conversation"],
  ["conversation.reject", "Rejected a conversation request"],
  ["conversation.close", "Closed a conversation"],
  ["conversation.transfer", "Transferred a conversation"],
  ["conversation.export", "Exported a conversation"],
  ["contact.put", "Saved a contact"],
  ["quick_reply.put", "Saved a quick reply"],
  ["quick_reply.delete", "Deleted a quick reply"],
  ["knowledge.put", "Saved a knowledge article"],
  ["knowledge.delete", "Deleted a knowledge article"],
  ["disposition.put", "Saved an outcome code"],
  ["disposition.delete", "Deleted an outcome code"],
  ["script.put", "Saved a script"],
  ["script.delete", "Deleted a script"],
  ["agent.profile", "Changed an agent's profile"],
  ["customer.hold", "Placed or released a legal hold"],
  ["customer.export", "Exported a customer's data"],
  ["customer.erase", "Erased a customer"],
];

const ACTION_LABELS = new Map(AUDIT_ACTIONS);

/** "Closed a conversation"; a hold says which way it went; an action this console does not know reads as its code. */
export function actionLabel(action, detail = null) {
  if (action === "customer.hold" && typeof detail?.hold === "boolean") return detail.hold ? "Placed a legal hold" : "Released a legal hold";
  return ACTION_LABELS.get(action) ?? String(action ?? "Unknown action");
}

const TARGET_KINDS = {
  conversation: "Conversation",
  customer: "Customer",
  contact: "Contact",
  quick_reply: "Quick reply",
  knowledge: "Knowledge article",
  disposition: "Outcome code",
  script: "Script",
  agent: "Agent",
  session: "Session",
};

/**
 * `{text, secondary}` for an entry's target: its kind in words, its id below. A customer's (or
 * contact's) id is the server's keyed hash of the number: shown as it is, never worked back.
 */
export function describeTarget(target) {
  const kind = target?.kind;
  const id = target?.id == null ? "" : String(target.id);
  const label = TARGET_KINDS[kind] ?? (kind ? humanise(String(kind)) : "Unknown");
  if (kind === "customer" || kind === "contact" || id.startsWith("hmac:")) return { text: `${label} (pseudonymised)`, secondary: id };
  return { text: label, secondary: id };
}

/** An entry's detail in words ("As an administrator · Assigned agent: bob"), "" when it has none. */
export function describeDetail(detail) {
  if (!detail || typeof detail !== "object") return "";
  const parts = [];
  for (const [key, value] of Object.entries(detail)) {
    if (value === null || value === undefined) continue;
    if (key === "supervisor") {
      if (value === true) parts.push("As an administrator");
    } else if (key === "assigned_agent") {
      parts.push(`Assigned agent: ${value}`);
    } else if (key === "hold" && typeof value === "boolean") {
      parts.push(`Hold: ${value ? "on" : "off"}`);
    } else if (key === "auth_time") {
      parts.push(`Authenticated ${auditTime(value)}`);
    } else if (key === "erasure_id") {
      parts.push(`Erasure ID: ${value}`);
    } else if (key === "format") {
      parts.push(`Format: ${String(value).toUpperCase()}`);
    } else {
      parts.push(`${humanise(key)}: ${typeof value === "object" ? JSON.stringify(value) : String(value)}`);
    }
  }
  return parts.join(" · ");
}

/**
 * The customer's address from what an administrator typed: "+44 7700 900123", "0044…" or
 * "whatsapp:+44…" become "whatsapp:+447700900123"; null when it is not an international number.
 */
export function customerAddress(input) {
  let number = String(input ?? "").trim().replace(/^whatsapp:/i, "").replace(/[\s().-]/g, "");
  if (number.startsWith("00")) number = `+${number.slice(2)}`;
  return /^\+[1-9]\d{6,14}$/.test(number) ? `whatsapp:${number}` : null;
}

/**
 * RFC 3339 (UTC, whole seconds) of a date-time field's value ("2025-03-01T09:30", the browser's
 * time zone); `end` makes a minute's value include the whole minute. null when it is no time.
 */
export function fieldTime(value, { end = false } = {}) {
  const text = String(value ?? "").trim();
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(text)) return null;
  // A date alone is its whole day: midnight, or the day's last second.
  const local = text.includes("T") ? text : `${text}T${end ? "23:59:59" : "00:00"}`;
  const date = new Date(local);
  if (Number.isNaN(date.getTime())) return null;
  if (end && /T\d{2}:\d{2}$/.test(local)) date.setSeconds(59);
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

const AGENT_ID = /^[A-Za-z0-9._@+-]{1,128}$/;

/**
 * GET /audit's parameters from the filter form's values (`{actor, action, customer, from, to}`,
 * empty meaning any): `{params}`, or `{problem, field}` naming the field to fix. The time range's
 * limits (7 days by default, 31 at most) are the server's to apply and explain.
 */
export function auditQuery(values, { cursor = null, limit = null } = {}) {
  const params = {};
  const actor = String(values.actor ?? "").trim();
  if (actor) {
    if (!AGENT_ID.test(actor)) return { problem: "An actor is an agent ID: 1 to 128 letters, digits or . _ @ + -", field: "actor" };
    params.actor = actor;
  }
  const action = String(values.action ?? "");
  if (action) {
    if (!ACTION_LABELS.has(action)) return { problem: "Choose an action from the list.", field: "action" };
    params.action = action;
  }
  if (String(values.customer ?? "").trim()) {
    const address = customerAddress(values.customer);
    if (!address) return { problem: "Enter the customer's number with its country code, for example +447700900123.", field: "customer" };
    params.customer = address;
  }
  for (const [field, end] of [["from", false], ["to", true]]) {
    if (!String(values[field] ?? "").trim()) continue;
    const time = fieldTime(values[field], { end });
    if (!time) return { problem: `Enter the ${field === "from" ? "start" : "end"} as a date and time.`, field };
    params[field] = time;
  }
  if (cursor) params.cursor = cursor;
  if (limit) params.limit = String(limit);
  return { params };
}

/** "4 Dec 2025 14:05:09": an entry's time in the browser's zone, to the second. */
export function auditTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "Unknown";
  return `${date.toLocaleDateString([], { year: "numeric", month: "short", day: "numeric" })} ${date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false })}`;
}

/** "On legal hold since 4 Dec 2025 14:05 by alice", "Not on hold"; undefined while unknown, false when it could not be read. */
export function holdText(hold) {
  if (hold === undefined) return "Checking the legal hold…";
  if (hold === false) return "The legal hold could not be read.";
  if (!hold) return "Not on hold";
  return `On legal hold since ${dateTime(hold.set_at)}${hold.set_by ? ` by ${hold.set_by}` : ""}`;
}

/** The export's file name: the server's (a plain name, never a path), else customer-<digits>.json. */
export function customerExportName(contentDisposition, address) {
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(contentDisposition ?? "");
  let name = null;
  if (match) {
    try {
      name = decodeURIComponent(match[1]);
    } catch {
      name = match[1];
    }
  }
  name = name?.split(/[\\/]/).pop()?.trim();
  return name || `customer-${String(address ?? "").replace(/\D/g, "") || "export"}.json`;
}

/** Whether what an administrator typed to confirm an erasure is the customer's number (spaces, dashes, 00 or whatsapp: aside). */
export function confirmsNumber(typed, address) {
  const typedAddress = customerAddress(typed);
  return typedAddress !== null && typedAddress === customerAddress(address);
}

// What an erasure removed, as an administrator reads it; the rest of its counts (search postings,
// routing items, window deadlines, sessions, reply keys) are records about those, summed.
const ERASED_WORDS = [
  ["conversations", "conversation", "conversations"],
  ["messages", "message", "messages"],
  ["media", "file", "files"],
  ["contact", "contact entry", "contact entries"],
];
const RELATED = ["postings", "conversation_items", "deadlines", "sessions", "idempotency"];

function count(value) {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

/** "a, b and c". */
function listed(parts) {
  return parts.length < 2 ? parts.join("") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

/** "2 conversations, 14 messages, 1 file and 9 related records"; "" when nothing was removed. */
export function erasedCountsText(counts) {
  const parts = ERASED_WORDS.map(([key, one, many]) => [count(counts?.[key]), one, many])
    .filter(([n]) => n > 0)
    .map(([n, one, many]) => plural(n, one, many));
  const related = RELATED.reduce((sum, key) => sum + count(counts?.[key]), 0);
  if (related) parts.push(plural(related, "related record", "related records"));
  return listed(parts);
}

/** What Twilio was asked to forget (with ERASE_AT_TWILIO on), "" when it was not asked. */
function twilioText(counts) {
  const deleted = count(counts?.twilio_deleted);
  const failed = count(counts?.twilio_failed);
  const parts = [];
  if (deleted) parts.push(`${plural(deleted, "message", "messages")} deleted at Twilio.`);
  if (failed) parts.push(`${plural(failed, "message", "messages")} could not be deleted at Twilio: they stay in Twilio's logs.`);
  return parts.join(" ");
}

/**
 * An erasure's line as `GET /erasures/{id}` shows it: running ("Erasing this customer… Erased
 * so far: …"), done ("Customer erased. Erased 2 conversations, …") or held (stopped by a legal hold).
 */
export function erasureText(erasure) {
  const counts = erasure?.counts ?? {};
  const erased = erasedCountsText(counts);
  const twilio = twilioText(counts);
  const tail = twilio ? ` ${twilio}` : "";
  switch (erasure?.state) {
    case "done":
      return `Customer erased. ${erased ? `Erased ${erased}.` : "Nothing was stored about them."}${tail}`;
    case "held":
      return `The erasure stopped: a legal hold was placed while it ran. ${erased ? `Erased before it stopped: ${erased}.` : "Nothing had been erased."}${tail}`;
    default:
      return `Erasing this customer… ${erased ? `Erased so far: ${erased}.` : "Nothing erased yet."}${tail}`;
  }
}

/**
 * Who asked for the erasure and when: "Erased on 4 Dec 2025 14:05 by alice" once it is done (when
 * it finished), "Erasure requested on 4 Dec 2025 14:04 by alice" while it runs.
 */
export function erasedByText(erasure) {
  const done = erasure?.state === "done";
  const when = done ? (erasure?.finished_at ?? erasure?.updated_at) : erasure?.requested_at;
  return `${done ? "Erased" : "Erasure requested"}${when ? ` on ${dateTime(when)}` : ""}${erasure?.requested_by ? ` by ${erasure.requested_by}` : ""}`;
}

/** Why `DELETE /customers/{address}` did not start an erasure, in words: the server's own reason where it gave one. */
export function erasureErrorText(error) {
  if (error?.status === 0) return "The erasure could not be requested: the server could not be reached. Check your connection, then look at the customer again before retrying.";
  if (error?.status === 403) return "The customer was not erased. Only administrators can erase a customer, and the server did not accept you as one.";
  return `The customer was not erased. ${error?.message ?? "The server refused the request."}`;
}

/** privacy.css, added once to the page (the first load stays without it); resolves when it applied or failed. */
export function loadPrivacyStyles(doc = globalThis.document) {
  const existing = doc.querySelector('link[href="/console/privacy.css"]');
  if (existing) return existing.loaded ?? Promise.resolve();
  const link = doc.createElement("link");
  link.rel = "stylesheet";
  link.href = "/console/privacy.css";
  // Shown unstyled rather than not at all when the sheet cannot load.
  link.loaded = new Promise((resolve) => {
    link.onload = resolve;
    link.onerror = resolve;
  });
  doc.head.append(link);
  return link.loaded;
}

function humanise(key) {
  const words = key.replace(/[_.]/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}
