import { test } from "node:test";
import assert from "node:assert/strict";

import { adLink, adText } from "../../js/customer.js";

test("an ad's line is its headline, else its text", () => {
  assert.equal(adText({ headline: "Winter boots", body: "30% off", source_type: "ad", source_url: "https://fb.me/abc" }), "From ad: Winter boots");
  assert.equal(adText({ body: "30% off" }), "From ad: 30% off");
  assert.equal(adText({ source_url: "https://fb.me/abc" }), null);
  assert.equal(adText(null), null);
});

test("an ad's link is shown only when it is an absolute http(s) address", () => {
  assert.equal(adLink({ source_url: "https://fb.me/abc" }), "https://fb.me/abc");
  assert.equal(adLink({ source_url: "http://example.com/ad?id=1" }), "http://example.com/ad?id=1");
  assert.equal(adLink({ source_url: "javascript:alert(1)" }), null);
  assert.equal(adLink({ source_url: "data:text/html,<b>x</b>" }), null);
  assert.equal(adLink({ source_url: "/relative/path" }), null);
  assert.equal(adLink({ source_url: 42 }), null);
  assert.equal(adLink({ headline: "No link" }), null);
  assert.equal(adLink(undefined), null);
});
