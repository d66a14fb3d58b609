import { test } from "node:test";
import assert from "node:assert/strict";

import {
  debounce,
  lapsedText,
  loadText,
  offerKind,
  offerTimerText,
  offeredToText,
  overflowText,
  secondsLeft,
} from "../../js/offers.js";

const NOW = Date.parse("2026-12-03T10:00:00.000Z");
const offer = (offeredTo, expiresAt = "2026-12-03T10:00:42.000Z") => ({
  id: "c1",
  state: "requested",
  offered_to: offeredTo,
  offer_expires_at: expiresAt,
});

test("a request offered to the agent is an offer until its seconds left reach 0 on the server's clock", () => {
  assert.equal(offerKind(offer("ann"), "ann", false, NOW), "offer");
  assert.equal(offerKind(offer("ann"), "ann", false, Date.parse("2026-12-03T10:00:41.000Z")), "offer");
  // Under a second left reads "0 s": the card goes rather than offer a click that may come too late.
  assert.equal(offerKind(offer("ann"), "ann", false, Date.parse("2026-12-03T10:00:41.001Z")), "hidden");
  assert.equal(offerKind(offer("ann"), "ann", false, Date.parse("2026-12-03T10:00:43.000Z")), "hidden");
});

test("another agent's offer is hidden from an agent and shown to an administrator", () => {
  assert.equal(offerKind(offer("ben"), "ann", false, NOW), "hidden");
  assert.equal(offerKind(offer("ben"), "ann", true, NOW), "elsewhere");
});

test("a request offered to nobody (broadcast mode, or waiting) is a plain request card", () => {
  assert.equal(offerKind({ id: "c1", state: "requested" }, "ann", false, NOW), "request");
  assert.equal(offerKind(offer(null, null), "ann", false, NOW), "request");
  // An offer to me without a deadline cannot count down: shown as a request, never lost.
  assert.equal(offerKind(offer("ann", null), "ann", false, NOW), "request");
});

test("the seconds left are rounded down and never negative", () => {
  assert.equal(secondsLeft("2026-12-03T10:01:00.000Z", NOW), 60);
  assert.equal(secondsLeft("2026-12-03T10:00:00.999Z", NOW), 0);
  assert.equal(secondsLeft("2026-12-03T09:59:00.000Z", NOW), 0);
  assert.equal(secondsLeft("soon", NOW), 0);
  assert.equal(secondsLeft(undefined, NOW), 0);
});

test("the offer's timer and an administrator's line read as words", () => {
  assert.equal(offerTimerText(42), "42 s left to accept");
  assert.equal(offerTimerText(65), "1 min 5 s left to accept");
  assert.equal(offerTimerText(0), "0 s left to accept");
  assert.equal(offeredToText(offer("ben"), NOW), "Offered to ben, 42 s left");
  assert.equal(offeredToText(offer("ben", null), NOW), "Offered to ben");
  assert.equal(offeredToText(offer("ben"), Date.parse("2026-12-03T10:01:00Z")), "Offered to ben; the offer has run out");
});

test("the load reads as a count of the capacity, and says full in words", () => {
  assert.equal(loadText({ load: 2, capacity: 3 }), "Load 2 of 3");
  assert.equal(loadText({ load: 1, capacity: 1 }), "Load 1 of 1 (full)");
  assert.equal(loadText({ load: 0, capacity: 3 }), "Load 0 of 3");
  assert.equal(loadText({ capacity: 3 }), "", "no load: nothing rather than a wrong figure");
  assert.equal(loadText(null), "");
});

test("a lapsed offer and a request nobody can take are explained politely", () => {
  assert.equal(lapsedText("Zoë"), "The request from Zoë was not accepted in time and has been passed on.");
  assert.equal(lapsedText(""), "The request from a customer was not accepted in time and has been passed on.");
  assert.equal(
    overflowText({
      conversation_id: "c1",
      business_number: "whatsapp:+14155238886",
      customer: { address: "whatsapp:+447700900031", profile_name: "Zoë" },
      wait_seconds: 185,
    }),
    "The request from Zoë to +14155238886 has waited 3 min and no agent has accepted it.",
  );
  assert.equal(
    overflowText({ customer: { address: "whatsapp:+447700900031" } }),
    "The request from +447700900031 is still waiting and no agent has accepted it.",
  );
});

test("a burst of calls runs the debounced function once, after the last", () => {
  const pending = new Map();
  let next = 0;
  const timers = {
    set: (fn, ms) => {
      pending.set(++next, { fn, ms });
      return next;
    },
    clear: (id) => pending.delete(id),
  };
  let runs = 0;
  const schedule = debounce(() => runs++, 400, timers);
  schedule();
  schedule();
  schedule();
  assert.equal(pending.size, 1);
  const [{ fn, ms }] = pending.values();
  assert.equal(ms, 400);
  fn();
  assert.equal(runs, 1);
  schedule();
  assert.equal(pending.size, 2, "a call after the run schedules again");
});

test("a request from an ad says so by its headline, else its text, and nothing without one", async () => {
  const { adText } = await import("../../js/queue.js");
  assert.equal(adText({ headline: "Winter boots, 30% off", body: "Only this week" }), "From ad: Winter boots, 30% off");
  assert.equal(adText({ body: "Only this week" }), "From ad: Only this week");
  assert.equal(adText({ source_url: "https://fb.me/x" }), null);
  assert.equal(adText(undefined), null);
});
