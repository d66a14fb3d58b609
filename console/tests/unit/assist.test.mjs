import { test } from "node:test";
import assert from "node:assert/strict";

import {
  MAX_MESSAGE_CHARS,
  articleDraft,
  articleLink,
  cutAtWord,
  firstParagraph,
  idFromTitle,
  insertion,
  insertionNote,
  mergeSuggestions,
  numbersText,
  parseNumbers,
  parseSteps,
  sameSteps,
  scriptDraft,
  scriptView,
  stepsCount,
  suggestionCards,
} from "../../js/assist.js";

const chars = (text) => [...text].length;
const URL_ = "https://help.example.com/refunds";

// ---- Insert --------------------------------------------------------------------------------

test("an article that fits a message is inserted whole", () => {
  const article = { title: "Refunds", body: "Refunds take 5 working days.\n\nAsk for the order number.", url: URL_ };
  assert.deepEqual(insertion(article), { text: article.body, kind: "article" });
  // Exactly 1,600 characters still fits; surrounding blanks do not count.
  const full = "a".repeat(MAX_MESSAGE_CHARS);
  assert.deepEqual(insertion({ body: `  ${full}\n` }), { text: full, kind: "article" });
  // Characters, not UTF-16 units: 1,600 emoji fit.
  const emoji = "😀".repeat(1600);
  assert.equal(insertion({ body: emoji }).kind, "article");
});

test("a long article with a link: its first paragraph and the link when they fit", () => {
  const first = "Refunds take 5 working days once the parcel is back with us.";
  const article = { body: `${first}\n\n${"More detail. ".repeat(200)}`, url: URL_ };
  assert.ok(chars(article.body) > MAX_MESSAGE_CHARS);
  assert.deepEqual(insertion(article), { text: `${first}\n\n${URL_}`, kind: "summary" });
  // A first paragraph after blank lines, with spaces on its "blank" line.
  assert.equal(insertion({ ...article, body: `\n\n  ${first}  \n  \n${"x ".repeat(900)}` }).text, `${first}\n\n${URL_}`);
});

test("a long article whose first paragraph is too long: the link alone", () => {
  const article = { body: "word ".repeat(400), url: URL_ };
  assert.deepEqual(insertion(article), { text: URL_, kind: "link" });
});

test("a long article without a link: its first 1,600 characters, cut on a word", () => {
  const body = "alpha beta gamma delta ".repeat(100);
  const { text, kind } = insertion({ body });
  assert.equal(kind, "excerpt");
  assert.ok(chars(text) <= MAX_MESSAGE_CHARS, `${chars(text)} characters`);
  assert.ok(text.endsWith("…"));
  // Cut between words: what comes before the ellipsis is whole words of the body.
  const words = text.slice(0, -1).split(" ");
  assert.ok(words.every((w) => ["alpha", "beta", "gamma", "delta"].includes(w)), text.slice(-40));
  assert.ok(body.startsWith(text.slice(0, -1)));
  // A link that is not http(s) is no link.
  assert.equal(insertion({ body, url: "javascript:alert(1)" }).kind, "excerpt");
});

test("Insert fits the room Message has left", () => {
  const article = { body: "Refunds take 5 working days.\n\nAsk for the order number, the date of purchase and the reason.", url: URL_ };
  assert.equal(insertion(article, 100).kind, "article");
  // Room for the first paragraph and link (62 characters), not the whole (92).
  assert.equal(insertion(article, 70).kind, "summary");
  assert.equal(insertion(article, 40).kind, "link");
  const cut = insertion(article, 20);
  assert.equal(cut.kind, "excerpt");
  assert.equal(cut.text, "Refunds take 5…");
  assert.deepEqual(insertion(article, 0), { text: "", kind: "excerpt" });
});

test("a word longer than the room is cut inside it; notes say what was inserted", () => {
  assert.equal(cutAtWord("abcdefghij", 5), "abcd…");
  assert.equal(cutAtWord("short", 10), "short");
  assert.equal(cutAtWord("two words", 1), "t");
  assert.match(insertionNote("link"), /its link was inserted/);
  assert.match(insertionNote("summary"), /first paragraph and its link/);
  assert.match(insertionNote("excerpt"), /its beginning was inserted/);
  assert.equal(insertionNote("article"), "The article was inserted in Message.");
});

test("first paragraphs and links", () => {
  assert.equal(firstParagraph("One\ntwo\n\nthree"), "One\ntwo");
  assert.equal(firstParagraph(""), "");
  assert.equal(firstParagraph(undefined), "");
  assert.equal(articleLink(URL_), URL_);
  assert.equal(articleLink("http://example.com/a"), "http://example.com/a");
  assert.equal(articleLink("data:text/html,hi"), null);
  assert.equal(articleLink("not a url"), null);
  assert.equal(articleLink(null), null);
});

// ---- Suggestions ---------------------------------------------------------------------------

const article = (id, title = id) => ({ id, title, url: null, snippet: `${title}…`, score: 1 });
const reply = (id, title = id) => ({ id, title, body: `${title} body`, score: 1 });

test("a frame replaces the shown suggestions of its conversation", () => {
  const shown = mergeSuggestions(null, { conversation_id: "c1", articles: [article("a1")], quick_replies: [reply("q1")], based_on: ["SM1"] }, "c1");
  assert.deepEqual(shown.articles.map((a) => a.id), ["a1"]);
  const frame = {
    event_type: "conversation.suggestions",
    conversation_id: "c1",
    business_number: "whatsapp:+14155238886",
    articles: [article("a2"), article("a1")],
    quick_replies: [],
    based_on: ["SM2", "SM1"],
  };
  const merged = mergeSuggestions(shown, frame, "c1");
  assert.deepEqual(merged, {
    conversation_id: "c1",
    articles: [article("a2"), article("a1")],
    quick_replies: [],
    based_on: ["SM2", "SM1"],
  });
});

test("another conversation's frame changes nothing; a list the frame lacks stays", () => {
  const shown = mergeSuggestions(null, { conversation_id: "c1", articles: [article("a1")], quick_replies: [reply("q1")] }, "c1");
  assert.equal(mergeSuggestions(shown, { conversation_id: "c2", articles: [] }, "c1"), shown);
  assert.equal(mergeSuggestions(shown, null, "c1"), shown);
  const partial = mergeSuggestions(shown, { conversation_id: "c1", articles: [article("a9")] }, "c1");
  assert.deepEqual(partial.articles.map((a) => a.id), ["a9"]);
  assert.deepEqual(partial.quick_replies.map((q) => q.id), ["q1"]);
  // Nothing yet: empty lists.
  assert.deepEqual(mergeSuggestions(null, { conversation_id: "c2" }, "c1"), { conversation_id: "c1", articles: [], quick_replies: [], based_on: [] });
});

test("at most 3 of each kind, repeats dropped, articles first on the cards", () => {
  const merged = mergeSuggestions(
    null,
    {
      conversation_id: "c1",
      articles: [article("a1"), article("a1"), article("a2"), article("a3"), article("a4")],
      quick_replies: [reply("q1"), reply("q2"), reply("q3"), reply("q4"), { title: "no id" }],
    },
    "c1",
  );
  assert.deepEqual(merged.articles.map((a) => a.id), ["a1", "a2", "a3"]);
  assert.deepEqual(merged.quick_replies.map((q) => q.id), ["q1", "q2", "q3"]);
  const cards = suggestionCards(merged);
  assert.deepEqual(cards.map((c) => c.key), ["article:a1", "article:a2", "article:a3", "quick_reply:q1", "quick_reply:q2", "quick_reply:q3"]);
  assert.deepEqual(cards[0], { key: "article:a1", kind: "article", id: "a1", title: "a1", text: "a1…", kindWord: "Article" });
  assert.deepEqual(cards[3], { key: "quick_reply:q1", kind: "quick_reply", id: "q1", title: "q1", text: "q1 body", kindWord: "Quick reply" });
  assert.deepEqual(suggestionCards(null), []);
});

// ---- Script --------------------------------------------------------------------------------

const script = {
  id: "greeting",
  title: "Greeting",
  steps: [
    { text: "Greet the customer by name", done: true, done_at: "2026-12-03T10:42:00Z", done_by: "agent-oz" },
    { text: "Confirm the order number", done: false },
    { text: "Offer further help", done: false },
  ],
};

test("the script's view: steps, progress, and the assigned agent of an active conversation may tick", () => {
  const view = scriptView(script, { id: "c1", state: "active", assigned_agent: "agent-oz" }, "agent-oz");
  assert.equal(view.title, "Greeting");
  assert.equal(view.progress, "1 of 3 steps done");
  assert.equal(view.editable, true);
  assert.equal(view.reason, null);
  assert.deepEqual(view.steps[0], { index: 0, text: "Greet the customer by name", done: true, by: "agent-oz", at: "2026-12-03T10:42:00Z" });
  assert.deepEqual(view.steps[1], { index: 1, text: "Confirm the order number", done: false, by: null, at: null });
});

test("anyone else sees the checklist and why they cannot tick it", () => {
  const other = scriptView(script, { state: "active", assigned_agent: "agent-oz" }, "agent-sup");
  assert.equal(other.editable, false);
  assert.equal(other.reason, "Only the assigned agent (agent-oz) ticks the steps.");
  const waiting = scriptView(script, { state: "requested", assigned_agent: null }, "agent-oz");
  assert.equal(waiting.editable, false);
  assert.equal(waiting.reason, "The steps can be ticked only while the conversation is active.");
  const closed = scriptView(script, { state: "closed", assigned_agent: "agent-oz" }, "agent-oz");
  assert.equal(closed.editable, false);
  const unassigned = scriptView(script, { state: "active", assigned_agent: null }, "agent-oz");
  assert.equal(unassigned.reason, "Accept the conversation to tick the steps.");
  assert.equal(scriptView(null, { state: "active" }, "a"), null);
  assert.equal(scriptView({ title: "x" }, { state: "active" }, "a"), null);
  assert.equal(scriptView({ id: "one", title: "x", steps: [{ text: "Only step", done: false }] }, {}, "a").progress, "0 of 1 step done");
});

test("the checklist is patched while it lists the same steps, rebuilt when they change", () => {
  const c = { state: "active", assigned_agent: "a" };
  const a = scriptView(script, c, "a");
  const ticked = scriptView({ ...script, steps: script.steps.map((s) => ({ ...s, done: true })) }, c, "a");
  assert.equal(sameSteps(a, ticked), true);
  const edited = scriptView({ ...script, steps: [...script.steps, { text: "Say goodbye", done: false }] }, c, "a");
  assert.equal(sameSteps(a, edited), false);
  assert.equal(sameSteps(a, scriptView({ ...script, id: "other" }, c, "a")), false);
  assert.equal(sameSteps(null, a), false);
});

// ---- Administrators' drafts ------------------------------------------------------------------

test("an article's ID comes from its title when left empty", () => {
  assert.equal(idFromTitle("Refunds & returns"), "refunds-returns");
  assert.equal(idFromTitle("  Délai de livraison — été 2026 "), "delai-de-livraison-ete-2026");
  assert.equal(idFromTitle("???"), "");
  assert.equal(idFromTitle("x".repeat(100)).length, 64);
  const draft = articleDraft({ id: "", title: " Refunds policy ", body: "Refunds take 5 days.", url: " https://help.example.com/refunds ", tags: "refund, Refund, money" });
  assert.deepEqual(draft, {
    id: "refunds-policy",
    body: { title: "Refunds policy", body: "Refunds take 5 days.", url: "https://help.example.com/refunds", tags: ["refund", "money"] },
    problem: null,
    field: null,
  });
  // No link: none sent.
  assert.equal("url" in articleDraft({ title: "T", body: "B", url: "  " }).body, false);
  assert.equal(articleDraft({ id: "my_id-2", title: "T", body: "B" }).id, "my_id-2");
});

test("an article's missing parts are explained before anything is sent", () => {
  assert.deepEqual(pick(articleDraft({ title: "", body: "B" })), ["Give the article a title.", "title"]);
  assert.deepEqual(pick(articleDraft({ title: "T", body: "  \n " })), ["Write the article's text.", "body"]);
  assert.deepEqual(pick(articleDraft({ id: "has space", title: "T", body: "B" })), ["An article ID is 1 to 64 letters, digits, - or _ (for example refunds).", "id"]);
  assert.deepEqual(pick(articleDraft({ title: "???", body: "B" })), ["Give the article a title with letters or digits, or an ID.", "id"]);
  const eleven = Array.from({ length: 11 }, (_, i) => `t${i}`).join(",");
  assert.deepEqual(pick(articleDraft({ title: "T", body: "B", tags: eleven })), ["An article has at most 10 tags; this one has 11.", "tags"]);
  assert.equal(articleDraft({ title: "T", body: "B", tags: "x".repeat(33) }).field, "tags");
});

const pick = (draft) => [draft.problem, draft.field];

test("a script's steps are typed one per line; numbers with or without whatsapp:", () => {
  assert.deepEqual(parseSteps("Greet\n\n  Confirm the order  \n\nOffer help\n"), ["Greet", "Confirm the order", "Offer help"]);
  assert.deepEqual(parseNumbers("+14155238886, whatsapp:+14155238887\n+447700900001"), ["+14155238886", "whatsapp:+14155238887", "+447700900001"]);
  assert.deepEqual(stepsCount("a\nb"), { count: 2, over: false, text: "2 steps" });
  assert.deepEqual(stepsCount("a"), { count: 1, over: false, text: "1 step" });
  assert.deepEqual(stepsCount(Array(31).fill("s").join("\n")), { count: 31, over: true, text: "31 steps: at most 30" });
  assert.equal(numbersText(["whatsapp:+14155238886", "+14155238887"]), "Applies to +14155238886, +14155238887");
  assert.equal(numbersText([]), "Applies to every number");
  assert.equal(numbersText(undefined), "Applies to every number");
  const draft = scriptDraft({ id: "", title: "Refund script", steps: "Greet\nConfirm the order", numbers: "+14155238886" });
  assert.deepEqual(draft, { id: "refund-script", body: { title: "Refund script", steps: ["Greet", "Confirm the order"], numbers: ["+14155238886"] }, problem: null, field: null });
  // No numbers: the script applies to every sender, and none are sent.
  assert.equal("numbers" in scriptDraft({ title: "T", steps: "a", numbers: "" }).body, false);
});

test("a script's problems are explained before anything is sent", () => {
  assert.deepEqual(pick(scriptDraft({ title: "", steps: "a" })), ["Give the script a title.", "title"]);
  assert.deepEqual(pick(scriptDraft({ title: "T", steps: "\n \n" })), ["Write at least one step, one per line.", "steps"]);
  assert.deepEqual(pick(scriptDraft({ title: "T", steps: Array(31).fill("s").join("\n") })), ["A script has at most 30 steps; this one has 31.", "steps"]);
  assert.deepEqual(pick(scriptDraft({ title: "T", steps: `ok\n${"x".repeat(501)}` })), ["Step 2 is 501 characters; a step is at most 500.", "steps"]);
  assert.deepEqual(pick(scriptDraft({ title: "T", steps: "a", numbers: "+1415 5238886" })), ["“+1415” is not a WhatsApp number: write it as +14155238886.", "numbers"]);
  assert.deepEqual(pick(scriptDraft({ title: "T", steps: "a", numbers: "14155238886" })), ["“14155238886” is not a WhatsApp number: write it as +14155238886.", "numbers"]);
  assert.equal(scriptDraft({ title: "T", steps: "x".repeat(500) }).problem, null);
});

test("assist's styles are asked for once, and a sheet that cannot load does not hold the panel back", async () => {
  const { loadAssistStyles } = await import("../../js/assist.js");
  const links = [];
  const doc = {
    querySelector: (selector) => links.find((l) => selector.includes(l.href)) ?? null,
    createElement: () => ({}),
    head: { append: (link) => links.push(link) },
  };
  const first = loadAssistStyles(doc);
  const second = loadAssistStyles(doc);
  assert.equal(links.length, 1);
  assert.deepEqual([links[0].rel, links[0].href], ["stylesheet", "/console/assist.css"]);
  assert.equal(first, second);
  links[0].onerror();
  await first;
});
