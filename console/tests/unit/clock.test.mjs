import { test } from "node:test";
import assert from "node:assert/strict";

import { ServerClock, formatDuration, urgency, windowAt } from "../../js/clock.js";

test("the server clock follows the Date header, not the browser's clock", () => {
  let local = Date.parse("2026-12-01T10:00:00Z");
  const clock = new ServerClock(() => local);
  assert.equal(clock.now(), local, "before any answer the browser's clock is all there is");
  clock.observeDateHeader("Wed, 02 Dec 2026 10:00:00 GMT");
  assert.equal(clock.now(), Date.parse("2026-12-02T10:00:00.500Z"));
  local += 60_000;
  assert.equal(clock.now(), Date.parse("2026-12-02T10:01:00.500Z"));
});

test("an unreadable Date header leaves the clock as it was", () => {
  const clock = new ServerClock(() => 1_000);
  clock.observeDateHeader("yesterday-ish");
  clock.observeDateHeader(null);
  assert.equal(clock.now(), 1_000);
  assert.equal(clock.known, false);
});

test("the window is open until expires_at on the server's clock, then closed", () => {
  const expiresAt = "2026-12-02T10:00:00.000Z";
  const end = Date.parse(expiresAt);
  assert.deepEqual(windowAt(expiresAt, end - 90_000), { open: true, msLeft: 90_000 });
  assert.deepEqual(windowAt(expiresAt, end), { open: false, msLeft: 0 });
  assert.deepEqual(windowAt(expiresAt, end + 1), { open: false, msLeft: 0 });
  assert.deepEqual(windowAt(undefined, end), { open: false, msLeft: 0 });
});

test("the time left is rounded down and never promises time that is not there", () => {
  assert.equal(formatDuration(24 * 3600_000 - 1), "23 h 59 min");
  assert.equal(formatDuration(2 * 3600_000), "2 h 0 min");
  assert.equal(formatDuration(14 * 60_000 + 59_999), "14 min");
  assert.equal(formatDuration(59_999), "59 s");
  assert.equal(formatDuration(-5), "0 s");
});

test("the countdown turns urgent at 2 hours and 15 minutes left", () => {
  assert.equal(urgency(3 * 3600_000), "ok");
  assert.equal(urgency(2 * 3600_000), "soon");
  assert.equal(urgency(15 * 60_000), "urgent");
});
