import { test } from "node:test";
import assert from "node:assert/strict";

import { explainError, isFailure, laterStatus, statusLabel } from "../../js/status.js";

test("each delivery status reads as the word agents expect", () => {
  assert.deepEqual(
    ["queued", "sent", "delivered", "read", "failed", "undelivered"].map(statusLabel),
    ["Queued", "Sent", "Delivered", "Read", "Failed", "Undelivered"],
  );
  assert.equal(statusLabel("something-new"), "Unknown");
});

test("a status only moves forward, whatever order the updates arrive in", () => {
  assert.equal(laterStatus(undefined, "queued"), "queued");
  assert.equal(laterStatus("queued", "sent"), "sent");
  assert.equal(laterStatus("delivered", "sent"), "delivered");
  assert.equal(laterStatus("read", "delivered"), "read");
  assert.equal(laterStatus("sent", "failed"), "failed");
  assert.equal(laterStatus("failed", "delivered"), "failed", "a final status never changes");
  assert.equal(laterStatus("undelivered", "read"), "undelivered");
});

test("failed and undelivered are failures; the others are not", () => {
  assert.ok(isFailure("failed"));
  assert.ok(isFailure("undelivered"));
  assert.ok(!isFailure("delivered"));
});

test("the common Twilio error codes are explained in words", () => {
  for (const code of ["63016", "63024", "63003", "21610", "21408"]) {
    assert.ok(explainError(code).length > 20, code);
    assert.ok(!explainError(code).startsWith("Twilio error"), code);
  }
  assert.match(explainError("63016"), /24-hour window/);
  assert.equal(explainError("99999"), "Twilio error 99999.");
  assert.equal(explainError("63016", "The server's own words."), "The server's own words.");
});
