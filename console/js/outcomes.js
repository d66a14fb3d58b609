// Outcomes' pure rules for the console: tags typed as "refund, vip", the summary's character
// count, a linked record's fields, a record to create (and why creating failed), who may record an outcome and when, and the words shown.
// They mirror the server's checks so that a mistake is explained before anything is sent; the
// server still decides (its `message` is shown when it refuses).

import { customerName } from "./customer.js";

export const MAX_TAGS = 10;
export const MAX_TAG_CHARS = 32;
export const MAX_SUMMARY_CHARS = 2000;
/** The assigned agent may record or change the outcome this long after the close. */
export const WRAP_UP_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Characters as the server counts them (Unicode scalar values, not UTF-16 units). */
export const charCount = (text) => [...(text ?? "")].length;

const thousands = (n) => n.toLocaleString("en-GB");

/** Tags without the repeats the server would drop: the first spelling of a tag wins, whatever its case. */
export function uniqueTags(tags) {
  const seen = new Set();
  const kept = [];
  for (const tag of tags) {
    const key = tag.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(tag);
  }
  return kept;
}

/**
 * "refund, VIP ,, refund" → `{tags: ["refund", "VIP"], problem: null}`; `problem` says in words
 * what the server would refuse (a tag over 32 characters, more than 10 tags), `existing` tags
 * counting toward the 10.
 */
export function parseTags(text, existing = []) {
  const typed = String(text ?? "")
    .split(",")
    .map((tag) => tag.trim())
    .filter(Boolean);
  const long = typed.find((tag) => charCount(tag) > MAX_TAG_CHARS);
  const tags = uniqueTags([...existing, ...typed]);
  let problem = null;
  if (typed.some((tag) => /[\u0000-\u001f\u007f-\u009f]/.test(tag))) problem = "A tag cannot hold control characters.";
  else if (long) problem = `A tag is at most ${MAX_TAG_CHARS} characters; “${long}” has ${charCount(long)}.`;
  else if (tags.length > MAX_TAGS) problem = `A conversation has at most ${MAX_TAGS} tags; this would make ${tags.length}.`;
  return { tags, problem };
}

/** The tags left once `tag` is removed (ignoring case). */
export function withoutTag(tags, tag) {
  return tags.filter((t) => t.toLowerCase() !== tag.toLowerCase());
}

/** The summary's count (or another text's, against `max`): "1,234 of 2,000 characters", or "12 characters too many" (in words, never colour alone). */
export function summaryCount(text, max = MAX_SUMMARY_CHARS) {
  const count = charCount(text);
  const over = count - max;
  return {
    count,
    over: over > 0,
    text:
      over > 0
        ? `${thousands(over)} character${over === 1 ? "" : "s"} too many (${thousands(count)} of ${thousands(max)})`
        : `${thousands(count)} of ${thousands(max)} characters`,
  };
}

const SYSTEM = /^[A-Za-z0-9_-]{1,32}$/;
// Visible ASCII characters: no spaces, accents or invisible characters (the server's rule).
const RECORD_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * What is wrong with a record to link, in words, or null: `{system, id, url}` as typed (the
 * link is optional and must be https).
 */
export function recordProblem({ system = "", id = "", url = "" }) {
  const wrongSystem = systemProblem(system);
  if (wrongSystem) return wrongSystem;
  const recordId = id.trim();
  if (!recordId) return "Enter the record ID.";
  if (!RECORD_ID.test(recordId)) return "A record ID is 1 to 128 visible ASCII characters: no spaces or accents.";
  if (url.trim()) {
    let parsed = null;
    try {
      parsed = new URL(url.trim());
    } catch {
      parsed = null;
    }
    if (!parsed || parsed.protocol !== "https:" || !parsed.hostname) return "The link must be a full https:// address.";
  }
  return null;
}

/** The body of `POST …/records` from the typed fields (trimmed; no `url` when none). */
export function recordBody({ system = "", id = "", url = "" }) {
  const body = { system: system.trim(), id: id.trim() };
  if (url.trim()) body.url = url.trim();
  return body;
}

function systemProblem(system) {
  if (!system.trim()) return "Enter the system, for example crm.";
  if (!SYSTEM.test(system.trim())) return "A system is 1 to 32 letters, digits, - or _.";
  return null;
}

export const MAX_RECORD_TITLE_CHARS = 200;

/** What is wrong with a record to create, in words, or null: `{system, title}` as typed. */
export function createRecordProblem({ system = "", title = "" }) {
  const wrongSystem = systemProblem(system);
  if (wrongSystem) return wrongSystem;
  const length = charCount(title.trim());
  if (!length) return "Enter a title for the new record.";
  if (length > MAX_RECORD_TITLE_CHARS) return `A title is at most ${MAX_RECORD_TITLE_CHARS} characters; this one has ${thousands(length)}.`;
  return null;
}

/** The body of `POST …/records` that asks the records system to create the record and links it. */
export function createRecordBody({ system = "", title = "" }) {
  return { system: system.trim(), create: true, title: title.trim() };
}

/**
 * The title a new record starts with: the first line of the outcome's summary when there is
 * one, else "WhatsApp conversation with Zoë"; at most 200 characters.
 */
export function recordTitle(conversation) {
  const summary = (conversation?.outcome?.summary ?? "").trim().split(/\r?\n/)[0].trim();
  const name = customerName(conversation?.customer);
  const title = summary || (name ? `WhatsApp conversation with ${name}` : "");
  const chars = [...title];
  return chars.length > MAX_RECORD_TITLE_CHARS ? `${chars.slice(0, MAX_RECORD_TITLE_CHARS - 1).join("").trimEnd()}…` : title;
}

/**
 * Why a record could not be created, in plain words: the records system's failures say what
 * the agent can do instead; anything else is the server's own message.
 */
export function createRecordError(error) {
  if (error?.code === "records_webhook_unavailable") return "No records system is connected to this channel; link an existing record instead.";
  // Any 502 here is the records system's (the API's generic 502 wording is about Twilio).
  if (error?.code === "records_webhook_failed" || error?.status === 502)
    return "The records system did not create the record, so nothing was linked. Try again, or link an existing record.";
  return error?.message || "The record could not be created. Try again.";
}

/** "crm CASE-42": how a linked record is named on its row and its Unlink button. */
export function recordName(record) {
  return `${record.system} ${record.id}`;
}

/** The record's link when it is https (anything else is shown as text, never a link). */
export function recordLink(record) {
  try {
    const url = new URL(record?.url ?? "");
    return url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** What is wrong with an outcome code an administrator typed, in words, or null. */
export function dispositionProblem(code, label) {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(code.trim())) return "A code is 1 to 64 letters, digits, - or _ (for example resolved).";
  const length = charCount(label.trim());
  if (length < 1 || length > 100) return "A label is 1 to 100 characters (for example Resolved).";
  return null;
}

/** "Outcome: Resolved — Refund sent" (or without the summary). */
export function outcomeText(outcome) {
  if (!outcome) return "";
  const label = outcome.label || outcome.disposition;
  const summary = outcome.summary?.trim();
  return summary ? `Outcome: ${label} — ${summary}` : `Outcome: ${label}`;
}

/** "Customer rated 4 of 5", or "" with no rating. */
export function csatText(csat) {
  const score = Number(csat?.score);
  return Number.isInteger(score) && score >= 1 && score <= 5 ? `Customer rated ${score} of 5` : "";
}

/** A closed conversation of this agent's with no outcome yet. */
export function wrapUpPending(conversation, agentId) {
  return conversation?.state === "closed" && conversation.outcome === null && conversation.assigned_agent === agentId;
}

/**
 * Whether this agent may record (or change) the outcome now, on the server's clock: an
 * administrator always; the agent who was assigned within 24 h of the close.
 */
export function mayRecordOutcome(conversation, agentId, isAdmin, nowMs) {
  if (conversation?.state !== "closed") return false;
  if (isAdmin) return true;
  if (conversation.assigned_agent !== agentId) return false;
  const closedAt = Date.parse(conversation.closed_at ?? "");
  // A view without closed_at (an older server): let the server decide.
  return Number.isNaN(closedAt) || nowMs < closedAt + WRAP_UP_WINDOW_MS;
}

/** Export and unlinking: the assigned agent or an administrator. */
export function mayManage(conversation, agentId, isAdmin) {
  return Boolean(isAdmin || (conversation?.assigned_agent && conversation.assigned_agent === agentId));
}

/** The file name of a download: the server's `Content-Disposition` name, else `conversation-<id>.json`. */
export function downloadName(contentDisposition, conversationId) {
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(contentDisposition ?? "");
  let name = null;
  if (match) {
    try {
      name = decodeURIComponent(match[1]);
    } catch {
      name = match[1];
    }
  }
  // Only a plain file name, never a path.
  name = name?.split(/[\\/]/).pop()?.trim();
  return name || `conversation-${String(conversationId).replace(/[^A-Za-z0-9_-]/g, "_")}.json`;
}

/**
 * The exported page as a document the console may open: a policy at its very start forbids any
 * script (a blob: page has the console's origin and would run with the agent's session).
 */
export function sandboxedExportHtml(html) {
  const policy =
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data: blob:; base-uri 'none'; form-action 'none'\">";
  const text = String(html ?? "");
  const doctype = /^\s*<!doctype[^>]*>/i.exec(text);
  return doctype ? doctype[0] + policy + text.slice(doctype[0].length) : `<!doctype html>${policy}${text}`;
}
