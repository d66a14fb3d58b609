import { test } from "node:test";
import assert from "node:assert/strict";

import {
  AUDIT_ACTIONS,
  actionLabel,
  auditQuery,
  auditTime,
  confirmsNumber,
  customerAddress,
  customerExportName,
  describeDetail,
  describeTarget,
  erasedByText,
  erasedCountsText,
  erasureErrorText,
  erasureText,
  fieldTime,
  holdText,
  loadPrivacyStyles,
} from "../../js/privacy.js";

const SPEC_ACTIONS = [
  "signin",
  "conversation.accept",
  "conversation.reject",
  "conversation.close",
  "conversation.transfer",
  "conversation.export",
  "contact.put",
  "quick_reply.put",
  "quick_reply.delete",
  "knowledge.put",
  "knowledge.delete",
  "disposition.put",
  "disposition.delete",
  "script.put",
  "script.delete",
  "agent.profile",
  "customer.hold",
  "customer.export",
  "customer.erase",
];

test("every action the server records has a label in plain words", () => {
  assert.deepEqual(AUDIT_ACTIONS.map(([action]) => action), SPEC_ACTIONS);
  for (const [action, label] of AUDIT_ACTIONS) {
    assert.match(label, /^[A-Z][a-z]/, action);
    assert.ok(!label.includes("."), `${action}: ${label}`);
  }
  assert.equal(new Set(AUDIT_ACTIONS.map(([, label]) => label)).size, AUDIT_ACTIONS.length);
  assert.equal(actionLabel("conversation.close"), "Closed a conversation");
  assert.equal(actionLabel("customer.export"), "Exported a customer's data");
  assert.equal(actionLabel("signin"), "Signed in");
  assert.equal(actionLabel("customer.erase"), "Erased a customer");
});

test("a legal hold's entry says whether it was placed or released", () => {
  assert.equal(actionLabel("customer.hold", { hold: true }), "Placed a legal hold");
  assert.equal(actionLabel("customer.hold", { hold: false }), "Released a legal hold");
  assert.equal(actionLabel("customer.hold"), "Placed or released a legal hold");
});

test("an action this console does not know yet reads as its code", () => {
  assert.equal(actionLabel("customer.rename"), "customer.rename");
  assert.equal(actionLabel(undefined), "Unknown action");
});

test("a customer's target is shown pseudonymised, its keyed hash as it is", () => {
  const hmac = "hmac:0123456789abcdef0123456789abcdef";
  assert.deepEqual(describeTarget({ kind: "customer", id: hmac }), { text: "Customer (pseudonymised)", secondary: hmac });
  assert.deepEqual(describeTarget({ kind: "contact", id: hmac }), { text: "Contact (pseudonymised)", secondary: hmac });
  // Whatever the kind, an hmac id is never presented as something readable.
  assert.equal(describeTarget({ kind: "thing", id: hmac }).text, "Thing (pseudonymised)");
});

test("other targets say their kind, with their id below", () => {
  assert.deepEqual(describeTarget({ kind: "conversation", id: "c-42" }), { text: "Conversation", secondary: "c-42" });
  assert.deepEqual(describeTarget({ kind: "quick_reply", id: "greet" }), { text: "Quick reply", secondary: "greet" });
  assert.deepEqual(describeTarget({ kind: "disposition", id: "resolved" }), { text: "Outcome code", secondary: "resolved" });
  assert.deepEqual(describeTarget({ kind: "knowledge", id: "refunds" }), { text: "Knowledge article", secondary: "refunds" });
  assert.deepEqual(describeTarget({ kind: "agent", id: "bob" }), { text: "Agent", secondary: "bob" });
  assert.deepEqual(describeTarget({ kind: "new_kind", id: 7 }), { text: "New kind", secondary: "7" });
  assert.deepEqual(describeTarget(null), { text: "Unknown", secondary: "" });
});

test("an entry's detail reads in words; none is empty", () => {
  assert.equal(describeDetail({ supervisor: true, assigned_agent: "bob" }), "As an administrator · Assigned agent: bob");
  assert.equal(describeDetail({ hold: true }), "Hold: on");
  assert.equal(describeDetail({ hold: false }), "Hold: off");
  assert.equal(describeDetail({ format: "html" }), "Format: HTML");
  assert.equal(describeDetail({ erasure_id: "0b6e…" }), "Erasure ID: 0b6e…");
  assert.match(describeDetail({ auth_time: "2025-03-01T09:30:15Z" }), /^Authenticated .*2025.*:15$/);
  assert.equal(describeDetail({ supervisor: true, assigned_agent: null }), "As an administrator");
  assert.equal(describeDetail({ supervisor: false }), "");
  assert.equal(describeDetail({ reason_code: "x", extra: { a: 1 }, gone: null }), 'Reason code: x · Extra: {"a":1}');
  assert.equal(describeDetail(undefined), "");
  assert.equal(describeDetail("text"), "");
});

test("a customer's number becomes its WhatsApp address, however it was typed", () => {
  assert.equal(customerAddress("+447700900123"), "whatsapp:+447700900123");
  assert.equal(customerAddress(" +44 7700 900-123 "), "whatsapp:+447700900123");
  assert.equal(customerAddress("(+44) 7700.900123"), "whatsapp:+447700900123");
  assert.equal(customerAddress("00447700900123"), "whatsapp:+447700900123");
  assert.equal(customerAddress("whatsapp:+447700900123"), "whatsapp:+447700900123");
  assert.equal(customerAddress("07700900123"), null);
  assert.equal(customerAddress("+44abc"), null);
  assert.equal(customerAddress("+0123456789"), null);
  assert.equal(customerAddress(""), null);
});

test("a date-time field's value is sent as RFC 3339 in UTC, the end including its minute", () => {
  assert.equal(fieldTime("2025-03-01T09:30"), new Date("2025-03-01T09:30:00").toISOString().replace(".000Z", "Z"));
  assert.equal(fieldTime("2025-03-01T09:30", { end: true }), new Date("2025-03-01T09:30:59").toISOString().replace(".000Z", "Z"));
  assert.equal(fieldTime("2025-03-01T09:30:15", { end: true }), new Date("2025-03-01T09:30:15").toISOString().replace(".000Z", "Z"));
  // A date alone is its whole day.
  assert.equal(fieldTime("2025-03-01"), new Date("2025-03-01T00:00").toISOString().replace(".000Z", "Z"));
  assert.equal(fieldTime("2025-03-01", { end: true }), new Date("2025-03-01T23:59:59").toISOString().replace(".000Z", "Z"));
  assert.match(fieldTime("2025-03-01T09:30"), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.equal(fieldTime("yesterday"), null);
  assert.equal(fieldTime("2025-13-45T99:99"), null);
  assert.equal(fieldTime(""), null);
});

test("the audit query keeps only the filters given", () => {
  assert.deepEqual(auditQuery({ actor: "", action: "", customer: "", from: "", to: "" }), { params: {} });
  const { params } = auditQuery({
    actor: " alice ",
    action: "conversation.close",
    customer: "+44 7700 900123",
    from: "2025-03-01T09:30",
    to: "2025-03-02T18:00",
  });
  assert.deepEqual(params, {
    actor: "alice",
    action: "conversation.close",
    customer: "whatsapp:+447700900123",
    from: fieldTime("2025-03-01T09:30"),
    to: fieldTime("2025-03-02T18:00", { end: true }),
  });
  // As the API reads it: the customer's address URL-encoded.
  assert.match(new URLSearchParams(params).toString(), /customer=whatsapp%3A%2B447700900123/);
});

test("the next page repeats the query with the server's cursor", () => {
  assert.deepEqual(auditQuery({ action: "customer.hold" }, { cursor: "abc==", limit: 50 }), {
    params: { action: "customer.hold", cursor: "abc==", limit: "50" },
  });
});

test("a filter that cannot be sent names its field", () => {
  assert.deepEqual(auditQuery({ actor: "bob smith" }), { problem: "An actor is an agent ID: 1 to 128 letters, digits or . _ @ + -", field: "actor" });
  assert.equal(auditQuery({ action: "conversation.delete" }).field, "action");
  assert.equal(auditQuery({ customer: "07700 900123" }).field, "customer");
  assert.match(auditQuery({ customer: "07700 900123" }).problem, /country code/);
  assert.deepEqual(auditQuery({ from: "soon" }), { problem: "Enter the start as a date and time.", field: "from" });
  assert.deepEqual(auditQuery({ to: "later" }), { problem: "Enter the end as a date and time.", field: "to" });
});

test("the time range's limits are left to the server to explain", () => {
  // 60 days apart, the end before the start: sent as they are (the server answers invalid_time).
  assert.ok(auditQuery({ from: "2025-01-01T00:00", to: "2025-03-01T00:00" }).params);
  assert.ok(auditQuery({ from: "2025-03-01T00:00", to: "2025-01-01T00:00" }).params);
});

test("an entry's time is to the second", () => {
  assert.match(auditTime("2025-03-01T09:30:15Z"), /2025.*\d{2}:\d{2}:15$/);
  assert.equal(auditTime("nonsense"), "Unknown");
});

test("the legal hold's line says since when and by whom, or that there is none", () => {
  assert.match(holdText({ set_by: "agent-sup", set_at: "2025-03-01T09:30:00Z" }), /^On legal hold since .*2025.*\d{2}:\d{2}.* by agent-sup$/);
  assert.match(holdText({ set_at: "2025-03-01T09:30:00Z" }), /^On legal hold since .*2025.*\d{2}:\d{2}[^y]*$/);
  assert.equal(holdText(null), "Not on hold");
  assert.equal(holdText(undefined), "Checking the legal hold…");
  assert.equal(holdText(false), "The legal hold could not be read.");
});

test("the customer export keeps the server's file name, never a path", () => {
  assert.equal(customerExportName('attachment; filename="customer-447700900123.json"', "whatsapp:+447700900123"), "customer-447700900123.json");
  assert.equal(customerExportName('attachment; filename="../../etc/customer.json"', "whatsapp:+1"), "customer.json");
  assert.equal(customerExportName("attachment; filename*=UTF-8''customer%2D1.json", "x"), "customer-1.json");
  assert.equal(customerExportName(null, "whatsapp:+447700900123"), "customer-447700900123.json");
  assert.equal(customerExportName("attachment", ""), "customer-export.json");
});

test("privacy.css is added to the page once", async () => {
  const head = [];
  const doc = {
    querySelector: (selector) => head.find((link) => selector === `link[href="${link.href}"]`) ?? null,
    createElement: () => ({}),
    head: { append: (link) => head.push(link) },
  };
  const loaded = loadPrivacyStyles(doc);
  assert.equal(head.length, 1);
  assert.equal(head[0].href, "/console/privacy.css");
  assert.equal(head[0].rel, "stylesheet");
  assert.equal(loadPrivacyStyles(doc), loaded);
  assert.equal(head.length, 1);
  head[0].onerror();
  await loaded;
});

test("erasing wants the customer's own number, however it is spaced", () => {
  const address = "whatsapp:+447700900123";
  assert.equal(confirmsNumber("+447700900123", address), true);
  assert.equal(confirmsNumber(" +44 7700 900-123 ", address), true);
  assert.equal(confirmsNumber("00447700900123", address), true);
  assert.equal(confirmsNumber("whatsapp:+447700900123", address), true);
  assert.equal(confirmsNumber("+447700900124", address), false);
  assert.equal(confirmsNumber("07700900123", address), false);
  assert.equal(confirmsNumber("", address), false);
  assert.equal(confirmsNumber("yes", address), false);
  // Nothing confirms an address that is not a number.
  assert.equal(confirmsNumber("", ""), false);
});

test("what an erasure removed reads in words, nothing left out of the sum", () => {
  assert.equal(erasedCountsText({ conversations: 2, messages: 14, media: 1 }), "2 conversations, 14 messages and 1 file");
  assert.equal(erasedCountsText({ conversations: 1, messages: 1, contact: 1 }), "1 conversation, 1 message and 1 contact entry");
  assert.equal(
    erasedCountsText({ conversations: 1, messages: 3, postings: 4, conversation_items: 2, deadlines: 1, sessions: 1, idempotency: 1 }),
    "1 conversation, 3 messages and 9 related records",
  );
  assert.equal(erasedCountsText({ media: 2 }), "2 files");
  assert.equal(erasedCountsText({ conversations: 0, messages: 0 }), "");
  assert.equal(erasedCountsText({ messages: -1, media: "x" }), "");
  assert.equal(erasedCountsText(undefined), "");
});

test("an erasure's line says whether it runs, is done or was stopped by a hold", () => {
  assert.equal(erasureText({ state: "running", counts: {} }), "Erasing this customer… Nothing erased yet.");
  assert.equal(erasureText({ state: "running", counts: { conversations: 1 } }), "Erasing this customer… Erased so far: 1 conversation.");
  assert.equal(
    erasureText({ state: "done", counts: { conversations: 2, messages: 14, media: 1 } }),
    "Customer erased. Erased 2 conversations, 14 messages and 1 file.",
  );
  assert.equal(erasureText({ state: "done", counts: {} }), "Customer erased. Nothing was stored about them.");
  assert.equal(
    erasureText({ state: "held", counts: { messages: 2 } }),
    "The erasure stopped: a legal hold was placed while it ran. Erased before it stopped: 2 messages.",
  );
  // Twilio's part, with ERASE_AT_TWILIO on: what it could not delete is said plainly.
  assert.equal(
    erasureText({ state: "done", counts: { messages: 3, twilio_deleted: 2, twilio_failed: 1 } }),
    "Customer erased. Erased 3 messages. 2 messages deleted at Twilio. 1 message could not be deleted at Twilio: they stay in Twilio's logs.",
  );
  assert.equal(erasureText(undefined), "Erasing this customer… Nothing erased yet.");
});

test("who erased the customer, and when it finished", () => {
  assert.match(
    erasedByText({ state: "done", requested_by: "agent-sup", requested_at: "2025-03-01T09:29:00Z", finished_at: "2025-03-01T09:30:00Z" }),
    /^Erased on .*2025.*\d{2}:30.* by agent-sup$/,
  );
  assert.match(erasedByText({ state: "running", requested_by: "agent-sup", requested_at: "2025-03-01T09:29:00Z" }), /^Erasure requested on .*2025.*\d{2}:29.* by agent-sup$/);
  assert.equal(erasedByText({ state: "done" }), "Erased");
  assert.equal(erasedByText({}), "Erasure requested");
});

test("a refused erasure says why: the server's reason, or plain words for 403 and the network", () => {
  const error = (status, code, message) => Object.assign(new Error(message), { status, code });
  assert.equal(
    erasureErrorText(error(409, "legal_hold", "This customer is under a legal hold: release the hold before erasing them.")),
    "The customer was not erased. This customer is under a legal hold: release the hold before erasing them.",
  );
  assert.match(erasureErrorText(error(403, "forbidden", "You are not allowed to do that.")), /^The customer was not erased\. Only administrators can erase a customer/);
  assert.match(erasureErrorText(error(0, "network", "The server could not be reached.")), /^The erasure could not be requested: the server could not be reached\./);
  assert.equal(
    erasureErrorText(error(503, "erasure_unavailable", "Erasure is not configured here (ERASURE_QUEUE_URL).")),
    "The customer was not erased. Erasure is not configured here (ERASURE_QUEUE_URL).",
  );
  assert.equal(erasureErrorText(undefined), "The customer was not erased. The server refused the request.");
});
