// Assist's pure rules for the console: what Insert puts in Message from a knowledge article, how
// smart suggestions from a live frame replace the shown ones, the script's checklist as a view,
// and the administrators' drafts of an article or a script. They mirror the server's checks so a
// mistake is explained before anything is sent; the server still decides (its `message` is shown).

import { MAX_TAGS, charCount, parseTags } from "./outcomes.js";

/** A WhatsApp message's limit, as the server counts it (characters, not UTF-16 units). */
export const MAX_MESSAGE_CHARS = 1600;
export const MAX_ARTICLE_CHARS = 20_000;
export const MAX_SCRIPT_STEPS = 30;
export const MAX_STEP_CHARS = 500;
/** Up to this many of each kind of suggestion are shown. */
export const MAX_SUGGESTIONS = 3;

/** The first `limit` characters (not UTF-16 units) of `text`. */
const take = (text, limit) => [...text].slice(0, limit).join("");

/** An article's address when it is http(s) (never `javascript:` or `data:`), else null. */
export function articleLink(url) {
  if (typeof url !== "string" || !url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** The first paragraph of a text (up to its first blank line), trimmed. */
export function firstParagraph(text) {
  return (
    String(text ?? "")
      .split(/\n[ \t]*\n/)
      .map((p) => p.trim())
      .find(Boolean) ?? ""
  );
}

/**
 * At most `limit` characters of `text`, cut at the last space before the limit (at the limit
 * when a single word is longer), with "…" when anything was cut.
 */
export function cutAtWord(text, limit) {
  const value = String(text ?? "").trim();
  if (charCount(value) <= limit) return value;
  if (limit <= 1) return take(value, Math.max(0, limit));
  const head = take(value, limit - 1);
  const space = head.search(/\s\S*$/);
  const cut = (space > 0 ? head.slice(0, space) : head).trimEnd();
  return `${cut}…`;
}

/**
 * What **Insert** puts in Message, in `room` characters (1,600 when Message is empty): the
 * article's text when it fits; else, when it has an address, its first paragraph and the link
 * when those fit, or the link alone; else its first characters cut at a word. `kind` says which:
 * "article", "summary", "link" or "excerpt".
 */
export function insertion(article, room = MAX_MESSAGE_CHARS) {
  const body = String(article?.body ?? "").trim();
  if (charCount(body) <= room) return { text: body, kind: "article" };
  const link = articleLink(article?.url);
  if (link) {
    const paragraph = firstParagraph(body);
    const summary = `${paragraph}\n\n${link}`;
    if (paragraph && charCount(summary) <= room) return { text: summary, kind: "summary" };
    if (charCount(link) <= room) return { text: link, kind: "link" };
  }
  return { text: cutAtWord(body, room), kind: "excerpt" };
}

/** What the pane says after an Insert, by its kind. */
export function insertionNote(kind) {
  switch (kind) {
    case "summary":
      return "The article is longer than a message: its first paragraph and its link were inserted.";
    case "link":
      return "The article is longer than a message: its link was inserted.";
    case "excerpt":
      return "The article is longer than a message: its beginning was inserted.";
    default:
      return "The article was inserted in Message.";
  }
}

/** Drops repeats (by id) and keeps at most `MAX_SUGGESTIONS`. */
function firstUnique(list) {
  const seen = new Set();
  return list.filter((item) => item?.id && !seen.has(item.id) && seen.add(item.id)).slice(0, MAX_SUGGESTIONS);
}

/**
 * The suggestions shown for `conversationId` once `incoming` (the GET answer or a live
 * `conversation.suggestions` frame) arrives: another conversation's leave them as they are; a
 * list the frame carries replaces the shown one (repeats dropped, at most 3), one it lacks stays.
 */
export function mergeSuggestions(current, incoming, conversationId) {
  const base = current ?? { conversation_id: conversationId, articles: [], quick_replies: [], based_on: [] };
  if (!incoming || incoming.conversation_id !== conversationId) return base;
  return {
    conversation_id: conversationId,
    articles: Array.isArray(incoming.articles) ? firstUnique(incoming.articles) : base.articles,
    quick_replies: Array.isArray(incoming.quick_replies) ? firstUnique(incoming.quick_replies) : base.quick_replies,
    based_on: Array.isArray(incoming.based_on) ? incoming.based_on : base.based_on,
  };
}

/**
 * The suggestion cards, articles first: `{key, kind, id, title, text, kindWord}`; `kind` is the
 * route's (`article` or `quick_reply`), `text` the article's snippet or the quick reply's body.
 */
export function suggestionCards(suggestions) {
  const articles = (suggestions?.articles ?? []).map((a) => ({
    key: `article:${a.id}`,
    kind: "article",
    id: a.id,
    title: a.title || a.id,
    text: a.snippet ?? "",
    kindWord: "Article",
  }));
  const replies = (suggestions?.quick_replies ?? []).map((q) => ({
    key: `quick_reply:${q.id}`,
    kind: "quick_reply",
    id: q.id,
    title: q.title || q.id,
    text: q.body ?? "",
    kindWord: "Quick reply",
  }));
  return articles.concat(replies);
}

/**
 * The conversation's script as a checklist: its steps (`index`, `text`, `done`, `by`, `at`), "1 of
 * 3 steps done", and whether this agent may tick them (`editable`, the server's rule: the
 * assigned agent, while the conversation is active) with the reason when not. Null without a script.
 */
export function scriptView(script, conversation, agentId) {
  if (!script || !Array.isArray(script.steps)) return null;
  const steps = script.steps.map((step, index) => ({
    index,
    text: String(step?.text ?? ""),
    done: step?.done === true,
    by: step?.done ? (step.done_by ?? null) : null,
    at: step?.done ? (step.done_at ?? null) : null,
  }));
  const done = steps.filter((s) => s.done).length;
  const assigned = conversation?.assigned_agent ?? null;
  const active = conversation?.state === "active";
  const editable = active && assigned === agentId;
  const reason = editable
    ? null
    : !active
      ? "The steps can be ticked only while the conversation is active."
      : assigned
        ? `Only the assigned agent (${assigned}) ticks the steps.`
        : "Accept the conversation to tick the steps.";
  return {
    id: script.id ?? null,
    title: script.title ?? "",
    steps,
    done,
    total: steps.length,
    progress: `${done} of ${steps.length} step${steps.length === 1 ? "" : "s"} done`,
    editable,
    reason,
  };
}

/** Whether two views list the same steps (same script, same texts): then the checklist is patched, not rebuilt. */
export function sameSteps(a, b) {
  return Boolean(a && b && a.id === b.id && a.steps.length === b.steps.length && a.steps.every((s, i) => s.text === b.steps[i].text));
}

/** An id the server takes (1–64 of A-Za-z0-9_-) made from a title: "Refunds & returns" → "refunds-returns". */
export function idFromTitle(title) {
  return String(title ?? "")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64)
    .replace(/-+$/, "");
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The id typed, else one made from the title; `problem` when neither gives one. */
function draftId(id, title, what) {
  const typed = String(id ?? "").trim();
  const chosen = typed || idFromTitle(title);
  if (!ID.test(chosen)) {
    return {
      id: chosen,
      problem: typed
        ? `An ${what} ID is 1 to 64 letters, digits, - or _ (for example refunds).`
        : `Give the ${what} a title with letters or digits, or an ID.`,
    };
  }
  return { id: chosen, problem: null };
}

/**
 * An article as the administrators' form gives it → `{id, body, problem, field}`: `body` is what
 * `PUT /knowledge/{id}` takes; the id comes from the title when left empty; `problem` says what
 * is missing before anything is sent, `field` where ("title", "body", "id", "tags"); the server
 * checks the rest (the text's length, an https link, a title's length).
 */
export function articleDraft({ id, title, body, url, tags }) {
  const cleanTitle = String(title ?? "").trim();
  const text = String(body ?? "");
  const { id: chosen, problem: idProblem } = draftId(id, cleanTitle, "article");
  const parsed = parseTags(tags ?? "");
  const link = String(url ?? "").trim();
  const draft = { title: cleanTitle, body: text, tags: parsed.tags };
  if (link) draft.url = link;
  const tagsProblem =
    parsed.tags.length > MAX_TAGS ? `An article has at most ${MAX_TAGS} tags; this one has ${parsed.tags.length}.` : parsed.problem;
  const [problem, field] = !cleanTitle
    ? ["Give the article a title.", "title"]
    : !text.trim()
      ? ["Write the article's text.", "body"]
      : idProblem
        ? [idProblem, "id"]
        : tagsProblem
          ? [tagsProblem, "tags"]
          : [null, null];
  return { id: chosen, body: draft, problem, field };
}

/** Steps typed one per line: blank lines dropped, each trimmed. */
export function parseSteps(text) {
  return String(text ?? "")
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Numbers typed as "+14155238886, whatsapp:+14155238887" (commas, spaces or lines). */
export function parseNumbers(text) {
  return String(text ?? "")
    .split(/[\s,;]+/)
    .map((n) => n.trim())
    .filter(Boolean);
}

/** "3 steps" / "31 steps: at most 30" under the steps box. */
export function stepsCount(text) {
  const n = parseSteps(text).length;
  const words = `${n} step${n === 1 ? "" : "s"}`;
  return { count: n, over: n > MAX_SCRIPT_STEPS, text: n > MAX_SCRIPT_STEPS ? `${words}: at most ${MAX_SCRIPT_STEPS}` : words };
}

/**
 * A script as the administrators' form gives it → `{id, body, problem, field}` for `PUT /scripts/{id}`
 * (1–30 steps of 1–500 characters, a title; `numbers` only when some are given: none means every number).
 */
export function scriptDraft({ id, title, steps, numbers }) {
  const cleanTitle = String(title ?? "").trim();
  const list = parseSteps(steps);
  const nums = parseNumbers(numbers);
  const { id: chosen, problem: idProblem } = draftId(id, cleanTitle, "script");
  const long = list.findIndex((s) => charCount(s) > MAX_STEP_CHARS);
  const bad = nums.find((n) => !/^(whatsapp:)?\+[1-9]\d{6,14}$/.test(n));
  const body = { title: cleanTitle, steps: list };
  if (nums.length) body.numbers = nums;
  const [problem, field] = !cleanTitle
    ? ["Give the script a title.", "title"]
    : !list.length
      ? ["Write at least one step, one per line.", "steps"]
      : list.length > MAX_SCRIPT_STEPS
        ? [`A script has at most ${MAX_SCRIPT_STEPS} steps; this one has ${list.length}.`, "steps"]
        : long >= 0
          ? [`Step ${long + 1} is ${charCount(list[long]).toLocaleString("en-GB")} characters; a step is at most ${MAX_STEP_CHARS}.`, "steps"]
          : bad
            ? [`“${bad}” is not a WhatsApp number: write it as +14155238886.`, "numbers"]
            : idProblem
              ? [idProblem, "id"]
              : [null, null];
  return { id: chosen, body, problem, field };
}

/** "Applies to +14155238886" / "Applies to every number" for a script's `numbers`. */
export function numbersText(numbers) {
  const list = (numbers ?? []).map((n) => String(n).replace(/^whatsapp:/, ""));
  return list.length ? `Applies to ${list.join(", ")}` : "Applies to every number";
}

/** The styles of assist's parts (knowledge, script, their pages), loaded once, when first wanted. */
export function loadAssistStyles(doc = globalThis.document) {
  const existing = doc.querySelector('link[href="/console/assist.css"]');
  if (existing) return existing.loaded ?? Promise.resolve();
  const link = doc.createElement("link");
  link.rel = "stylesheet";
  link.href = "/console/assist.css";
  // Shown unstyled rather than not at all when the sheet cannot load.
  link.loaded = new Promise((resolve) => {
    link.onload = resolve;
    link.onerror = resolve;
  });
  doc.head.append(link);
  return link.loaded;
}
