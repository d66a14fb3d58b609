import { test } from "node:test";
import assert from "node:assert/strict";

import {
  MAX_SUMMARY_CHARS,
  MAX_RECORD_TITLE_CHARS,
  WRAP_UP_WINDOW_MS,
  createRecordBody,
  createRecordError,
  createRecordProblem,
  csatText,
  dispositionProblem,
  downloadName,
  mayManage,
  mayRecordOutcome,
  outcomeText,
  parseTags,
  recordBody,
  recordLink,
  recordName,
  recordProblem,
  recordTitle,
  sandboxedExportHtml,
  summaryCount,
  uniqueTags,
  withoutTag,
  wrapUpPending,
} from "../../js/outcomes.js";
import { previousOutcomeText } from "../../js/summary.js";

test("tags typed with commas are trimmed, blanks dropped, and repeats ignoring case kept once", () => {
  assert.deepEqual(parseTags(" refund, VIP ,, refund ,vip,Refund "), { tags: ["refund", "VIP"], problem: null });
  assert.deepEqual(parseTags(""), { tags: [], problem: null });
  assert.deepEqual(parseTags("   ,  , "), { tags: [], problem: null });
  // Added to the conversation's tags: an existing spelling wins.
  assert.deepEqual(parseTags("Refund, late-delivery", ["refund"]), { tags: ["refund", "late-delivery"], problem: null });
  assert.deepEqual(uniqueTags(["A", "a", "b", "B", "c"]), ["A", "b", "c"]);
});

test("a tag over 32 characters, or more than 10 tags, is explained before anything is sent", () => {
  const ok = "x".repeat(32);
  assert.equal(parseTags(ok).problem, null);
  const long = "y".repeat(33);
  assert.equal(parseTags(`refund, ${long}`).problem, `A tag is at most 32 characters; “${long}” has 33.`);
  // Characters, not UTF-16 units: 32 emoji are 32 characters.
  assert.equal(parseTags("🙂".repeat(32)).problem, null);
  const ten = Array.from({ length: 10 }, (_, i) => `t${i}`);
  assert.equal(parseTags(ten.join(",")).problem, null);
  assert.equal(parseTags("eleven", ten).problem, "A conversation has at most 10 tags; this would make 11.");
  assert.equal(parseTags("bad\ttag").problem, "A tag cannot hold control characters.");
  // A repeat of an existing tag does not count twice.
  assert.equal(parseTags("T3", ten).problem, null);
});

test("removing a tag ignores its case", () => {
  assert.deepEqual(withoutTag(["refund", "VIP"], "vip"), ["refund"]);
  assert.deepEqual(withoutTag(["refund"], "other"), ["refund"]);
});

test("the summary counts characters up to 2,000 and says in words how many are too many", () => {
  assert.equal(MAX_SUMMARY_CHARS, 2000);
  assert.deepEqual(summaryCount(""), { count: 0, over: false, text: "0 of 2,000 characters" });
  assert.deepEqual(summaryCount("Refund sent."), { count: 12, over: false, text: "12 of 2,000 characters" });
  assert.equal(summaryCount("a".repeat(2000)).text, "2,000 of 2,000 characters");
  assert.equal(summaryCount("a".repeat(2000)).over, false);
  assert.deepEqual(summaryCount("a".repeat(2001)), { count: 2001, over: true, text: "1 character too many (2,001 of 2,000)" });
  assert.equal(summaryCount("a".repeat(2012)).text, "12 characters too many (2,012 of 2,000)");
  // An emoji is one character, as the server counts.
  assert.equal(summaryCount("👍👍").count, 2);
});

test("a record to link needs a system and an ID; its optional link must be https", () => {
  assert.equal(recordProblem({ system: "crm", id: "CASE-42", url: "" }), null);
  assert.equal(recordProblem({ system: "crm", id: "CASE-42", url: "https://crm.example.com/cases/42" }), null);
  assert.equal(recordProblem({ system: "", id: "CASE-42" }), "Enter the system, for example crm.");
  assert.equal(recordProblem({ system: "my crm", id: "CASE-42" }), "A system is 1 to 32 letters, digits, - or _.");
  assert.equal(recordProblem({ system: "c".repeat(33), id: "1" }), "A system is 1 to 32 letters, digits, - or _.");
  assert.equal(recordProblem({ system: "sales_force-2", id: "1" }), null);
  assert.equal(recordProblem({ system: "crm", id: "  " }), "Enter the record ID.");
  assert.equal(recordProblem({ system: "crm", id: "CASE 42" }), "A record ID is 1 to 128 visible ASCII characters: no spaces or accents.");
  assert.equal(recordProblem({ system: "crm", id: "a".repeat(129) }), "A record ID is 1 to 128 visible ASCII characters: no spaces or accents.");
  assert.equal(recordProblem({ system: "crm", id: "a".repeat(128) }), null);
  assert.equal(recordProblem({ system: "crm", id: "CASE\u200b42" }), "A record ID is 1 to 128 visible ASCII characters: no spaces or accents.");
  assert.equal(recordProblem({ system: "crm", id: "CASÉ-42" }), "A record ID is 1 to 128 visible ASCII characters: no spaces or accents.");
  assert.equal(recordProblem({ system: "crm", id: "A/B#7?x=1" }), null);
  for (const url of ["http://crm.example.com/42", "javascript:alert(1)", "crm.example.com/42", "https://", "ftp://x"]) {
    assert.equal(recordProblem({ system: "crm", id: "CASE-42", url }), "The link must be a full https:// address.", url);
  }
});

test("the record sent is trimmed, with no url when none was typed", () => {
  assert.deepEqual(recordBody({ system: " crm ", id: " CASE-42 ", url: "  " }), { system: "crm", id: "CASE-42" });
  assert.deepEqual(recordBody({ system: "crm", id: "CASE-42", url: " https://crm.example.com/42 " }), {
    system: "crm",
    id: "CASE-42",
    url: "https://crm.example.com/42",
  });
  assert.equal(recordName({ system: "crm", id: "CASE-42" }), "crm CASE-42");
  assert.equal(recordLink({ url: "https://crm.example.com/42" }), "https://crm.example.com/42");
  assert.equal(recordLink({ url: "javascript:alert(1)" }), null);
  assert.equal(recordLink({ url: null }), null);
});

test("a record to create needs a system and a title of 1 to 200 characters", () => {
  assert.equal(MAX_RECORD_TITLE_CHARS, 200);
  assert.equal(createRecordProblem({ system: "crm", title: "Card charged twice" }), null);
  assert.equal(createRecordProblem({ system: "", title: "Card charged twice" }), "Enter the system, for example crm.");
  assert.equal(createRecordProblem({ system: "my crm", title: "Card charged twice" }), "A system is 1 to 32 letters, digits, - or _.");
  assert.equal(createRecordProblem({ system: "x".repeat(33), title: "t" }), "A system is 1 to 32 letters, digits, - or _.");
  assert.equal(createRecordProblem({ system: "crm", title: "   " }), "Enter a title for the new record.");
  assert.equal(createRecordProblem({ system: "crm" }), "Enter a title for the new record.");
  // Characters as the server counts them: 200 emoji are 200 characters.
  assert.equal(createRecordProblem({ system: "crm", title: "🙂".repeat(200) }), null);
  assert.equal(createRecordProblem({ system: "crm", title: "a".repeat(201) }), "A title is at most 200 characters; this one has 201.");
  assert.equal(createRecordProblem({ system: "crm", title: ` ${"a".repeat(200)} ` }), null);
});

test("the record to create is sent trimmed, with create: true and no id", () => {
  assert.deepEqual(createRecordBody({ system: " crm ", title: "  Card charged twice " }), {
    system: "crm",
    create: true,
    title: "Card charged twice",
  });
});

test("a new record's title starts from the outcome's summary, else the customer's name", () => {
  assert.equal(recordTitle({ outcome: { summary: "Refund sent.\nThe parcel was lost." }, customer: { profile_name: "Zoë" } }), "Refund sent.");
  assert.equal(recordTitle({ outcome: { summary: "  " }, customer: { profile_name: "Zoë" } }), "WhatsApp conversation with Zoë");
  assert.equal(recordTitle({ outcome: null, customer: { display_name: "Zoë Adams", profile_name: "Zoë" } }), "WhatsApp conversation with Zoë Adams");
  assert.equal(recordTitle({ customer: { address: "whatsapp:+447700900071" } }), "WhatsApp conversation with +447700900071");
  assert.equal(recordTitle({ id: "c1", customer: {} }), "");
  assert.equal(recordTitle(null), "");
  // A long summary is cut to 200 characters, marked with an ellipsis.
  const long = recordTitle({ outcome: { summary: "é".repeat(250) } });
  assert.equal([...long].length, 200);
  assert.ok(long.endsWith("…"));
  assert.equal(createRecordProblem({ system: "crm", title: long }), null);
});

test("a record that could not be created is explained in plain words", () => {
  const failure = (status, code, message) => Object.assign(new Error(message), { status, code });
  assert.equal(
    createRecordError(failure(503, "records_webhook_unavailable", "This deployment has no records webhook (RECORDS_WEBHOOK_URL) to create records with.")),
    "No records system is connected to this channel; link an existing record instead.",
  );
  const didNot = "The records system did not create the record, so nothing was linked. Try again, or link an existing record.";
  assert.equal(createRecordError(failure(502, "records_webhook_failed", "The CRM did not create the record; nothing was linked.")), didNot);
  // A 502 from the gateway, without the API's JSON: the same words, never the API's Twilio wording.
  assert.equal(createRecordError(failure(502, "http_502", "Twilio refused the request.")), didNot);
  // Anything else: the server's own message (a 422's reason, a 404, a busy service).
  assert.equal(createRecordError(failure(422, "invalid_record", "Creating a record needs a title of 1 to 200 characters.")), "Creating a record needs a title of 1 to 200 characters.");
  assert.equal(createRecordError(failure(503, "http_503", "The service is busy; try again in a moment.")), "The service is busy; try again in a moment.");
  assert.equal(createRecordError(failure(0, "network", "The server could not be reached. Check your connection and try again.")), "The server could not be reached. Check your connection and try again.");
  assert.equal(createRecordError({}), "The record could not be created. Try again.");
});

test("an administrator's outcome code is checked before it is saved", () => {
  assert.equal(dispositionProblem("resolved", "Resolved"), null);
  assert.equal(dispositionProblem("call-back_2", "Call back"), null);
  assert.match(dispositionProblem("", "Resolved"), /^A code is 1 to 64/);
  assert.match(dispositionProblem("not resolved", "Not resolved"), /^A code is 1 to 64/);
  assert.match(dispositionProblem("c".repeat(65), "X"), /^A code is 1 to 64/);
  assert.match(dispositionProblem("resolved", " "), /^A label is 1 to 100/);
  assert.match(dispositionProblem("resolved", "L".repeat(101)), /^A label is 1 to 100/);
});

test("the outcome and the rating read as words", () => {
  assert.equal(outcomeText({ disposition: "resolved", label: "Resolved", summary: "Refund sent." }), "Outcome: Resolved — Refund sent.");
  assert.equal(outcomeText({ disposition: "resolved", label: "Resolved", summary: null }), "Outcome: Resolved");
  assert.equal(outcomeText({ disposition: "resolved", summary: "  " }), "Outcome: resolved");
  assert.equal(outcomeText(null), "");
  assert.equal(csatText({ score: 5, at: "2026-01-01T00:00:00Z" }), "Customer rated 5 of 5");
  assert.equal(csatText({ score: 1 }), "Customer rated 1 of 5");
  assert.equal(csatText({ score: 0 }), "");
  assert.equal(csatText(undefined), "");
  assert.equal(previousOutcomeText({ outcome: { label: "Resolved" }, csat: { score: 4 } }), "Resolved · Rated 4 of 5");
  assert.equal(previousOutcomeText({ csat: { score: 2 } }), "Rated 2 of 5");
  assert.equal(previousOutcomeText({ outcome: "Call back later", csat: { score: 3 } }), "Call back later · Rated 3 of 5");
  assert.equal(previousOutcomeText({ state: "closed" }), "");
});

test("a wrap-up is pending for the assigned agent of a closed conversation with no outcome", () => {
  const closed = { state: "closed", assigned_agent: "alice", outcome: null };
  assert.equal(wrapUpPending(closed, "alice"), true);
  assert.equal(wrapUpPending(closed, "bob"), false);
  assert.equal(wrapUpPending({ ...closed, outcome: { disposition: "resolved" } }, "alice"), false);
  // A list that does not say (no `outcome` at all) is not taken for pending.
  assert.equal(wrapUpPending({ state: "closed", assigned_agent: "alice" }, "alice"), false);
  assert.equal(wrapUpPending({ ...closed, state: "active" }, "alice"), false);
});

test("the assigned agent may record the outcome for 24 h after the close, an administrator always", () => {
  const closedAt = Date.parse("2026-03-01T10:00:00Z");
  const c = { state: "closed", assigned_agent: "alice", outcome: null, closed_at: "2026-03-01T10:00:00Z" };
  assert.equal(WRAP_UP_WINDOW_MS, 86_400_000);
  assert.equal(mayRecordOutcome(c, "alice", false, closedAt + 1000), true);
  assert.equal(mayRecordOutcome(c, "alice", false, closedAt + WRAP_UP_WINDOW_MS - 1), true);
  assert.equal(mayRecordOutcome(c, "alice", false, closedAt + WRAP_UP_WINDOW_MS), false);
  assert.equal(mayRecordOutcome(c, "bob", false, closedAt + 1000), false);
  assert.equal(mayRecordOutcome(c, "sup", true, closedAt + 10 * WRAP_UP_WINDOW_MS), true);
  assert.equal(mayRecordOutcome({ ...c, state: "active" }, "alice", false, closedAt), false);
  assert.equal(mayRecordOutcome({ ...c, state: "active" }, "sup", true, closedAt), false);
  assert.equal(mayManage(c, "alice", false), true);
  assert.equal(mayManage(c, "bob", false), false);
  assert.equal(mayManage(c, "bob", true), true);
  assert.equal(mayManage({ state: "requested" }, "bob", false), false);
});

test("a download is named by the server's Content-Disposition, never with a path", () => {
  assert.equal(downloadName('attachment; filename="conversation-c1.json"', "c1"), "conversation-c1.json");
  assert.equal(downloadName("attachment; filename=conv.json", "c1"), "conv.json");
  assert.equal(downloadName("attachment; filename*=UTF-8''conversa%C3%A7%C3%A3o.json", "c1"), "conversação.json");
  assert.equal(downloadName('attachment; filename="../../etc/passwd"', "c1"), "passwd");
  assert.equal(downloadName(null, "c/1 x"), "conversation-c_1_x.json");
  assert.equal(downloadName("attachment", "c1"), "conversation-c1.json");
});

test("the printable page opens with a policy that allows no script", () => {
  const page = sandboxedExportHtml('<!DOCTYPE html><html lang="en"><head><title>T</title></head><body>Hi</body></html>');
  assert.ok(page.startsWith('<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src \'none\'; script-src \'none\';'));
  assert.ok(page.endsWith('<html lang="en"><head><title>T</title></head><body>Hi</body></html>'));
  const bare = sandboxedExportHtml("<p>Hi</p>");
  assert.ok(bare.startsWith("<!doctype html><meta http-equiv=\"Content-Security-Policy\""));
  assert.ok(bare.endsWith("<p>Hi</p>"));
});
