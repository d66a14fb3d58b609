import { test } from "node:test";
import assert from "node:assert/strict";

import { TYPING_INTERVAL_MS, TypingThrottle, isUnread, latestInbound, seenMessageId, seenText } from "../../js/typing.js";

test("typing is told at once, then at most once per 20 s per conversation", async () => {
  let now = 1_000_000;
  const sent = [];
  const throttle = new TypingThrottle({ send: async (id) => sent.push([id, now]), now: () => now });
  assert.equal(TYPING_INTERVAL_MS, 20_000);

  assert.ok(throttle.poke("c1"), "the first keystroke calls at once");
  for (let i = 0; i < 50; i += 1) {
    now += 300;
    assert.equal(throttle.poke("c1"), null, "keystrokes within 20 s make no call");
  }
  // Another conversation has its own 20 s.
  assert.ok(throttle.poke("c2"));
  now = 1_000_000 + 19_999;
  assert.equal(throttle.poke("c1"), null);
  now = 1_000_000 + 20_000;
  assert.ok(throttle.poke("c1"), "20 s after the first call, the next keystroke calls");
  assert.equal(throttle.poke("c1"), null);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(sent.map(([id]) => id), ["c1", "c2", "c1"]);
});

test("a failed call is the promise's to report, and still counts for the 20 s", async () => {
  let now = 0;
  const throttle = new TypingThrottle({ send: async () => Promise.reject(new Error("409 window_expired")), now: () => now });
  await assert.rejects(throttle.poke("c1"), /window_expired/);
  now = 5_000;
  assert.equal(throttle.poke("c1"), null);
});

const conversation = (messages, read) => ({ id: "c1", messages, ...(read ? { read } : {}) });
const inbound = (id) => ({ id, direction: "inbound" });
const outbound = (id) => ({ id, direction: "outbound" });

test("the customer's latest message is the last inbound one", () => {
  assert.equal(latestInbound([inbound("SM1"), outbound("SM2"), inbound("SM3"), outbound("SM4")]).id, "SM3");
  assert.equal(latestInbound([outbound("SM2")]), null);
  assert.equal(latestInbound(undefined), null);
});

test("the latest customer message is unread until read names it", () => {
  assert.equal(isUnread(conversation([inbound("SM1")])), true);
  assert.equal(isUnread(conversation([inbound("SM1"), inbound("SM3")], { message_id: "SM1", at: "2026-01-01T00:00:00Z" })), true);
  assert.equal(isUnread(conversation([inbound("SM1"), outbound("SM2")], { message_id: "SM1", at: "2026-01-01T00:00:00Z" })), false);
  // Nothing from the customer yet (a conversation the business started): nothing to read.
  assert.equal(isUnread(conversation([outbound("SM2")])), false);
});

test("Seen shows under the latest customer message when the server or our own call says it was read", () => {
  assert.equal(seenMessageId(conversation([inbound("SM1"), outbound("SM2")], { message_id: "SM1" })), "SM1");
  assert.equal(seenMessageId(conversation([inbound("SM1"), inbound("SM3")], { message_id: "SM1" })), null, "an older message read is not the latest");
  assert.equal(seenMessageId(conversation([inbound("SM1"), inbound("SM3")]), "SM3"), "SM3");
  assert.equal(seenMessageId(conversation([inbound("SM1"), inbound("SM3")]), "SM1"), null);
  assert.equal(seenMessageId(conversation([outbound("SM2")]), "SM2"), null);
  assert.equal(seenText(true), "Seen by you");
  assert.equal(seenText(false), "Seen by the agent");
});
