import { test } from "node:test";
import assert from "node:assert/strict";

globalThis.location = { href: "http://127.0.0.1:3000/" };
const { safeUrl } = await import("../../js/transcript.js");

test("only http and https media addresses become links", () => {
  assert.equal(safeUrl("https://api.twilio.com/2010-04-01/Media/ME1"), "https://api.twilio.com/2010-04-01/Media/ME1");
  assert.equal(safeUrl("/conversations/c/messages/m/media/0"), "http://127.0.0.1:3000/conversations/c/messages/m/media/0");
  assert.equal(safeUrl("javascript:alert(1)"), null);
  assert.equal(safeUrl("data:text/html,<script>alert(1)</script>"), null);
  assert.equal(safeUrl(undefined), null);
  assert.equal(safeUrl(""), null);
});
