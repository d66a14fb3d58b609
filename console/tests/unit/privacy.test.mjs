import { test } from "node:test";
import assert from "node:assert/strict";

import {
  AUDIT_ACTIONS,
  actionLabel,
  auditQuery,
  auditTime,
  customerAddress,
  customerExportName,
  describeDetail,
  describeTarget,
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
});

test("a legal hold's entry says whether it was placed or released", () => {
  assert.equal(actionLabel("customer.hold", { hold: true }), "Placed a legal hold");
  assert.equal(actionLabel("customer.hold", { hold: false }), "Released a legal hold");
  assert.equal(actionLabel("customer.hold"), "Placed or released a legal hold");
});

test("an action this console does not know yet reads as its code", () => {
  assert.equal(actionLabel("customer.erase"), "customer.erase");
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
