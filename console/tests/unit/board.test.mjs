import { test } from "node:test";
import assert from "node:assert/strict";

import { agentCells, numberCells, presenceText, updatedText } from "../../js/board.js";

test("a number's row says how many wait, how many are offered, and the longest wait", () => {
  assert.deepEqual(
    numberCells({ business_number: "whatsapp:+14155238886", waiting: 2, longest_wait_seconds: 125, offered: 1 }),
    ["+14155238886", "2", "1", "2 min"],
  );
  // Offered but none waiting: the offered request's wait still counts.
  assert.deepEqual(
    numberCells({ business_number: "whatsapp:+14155238886", waiting: 0, longest_wait_seconds: 40, offered: 1 }),
    ["+14155238886", "0", "1", "40 s"],
  );
  assert.deepEqual(
    numberCells({ business_number: "whatsapp:+14155238886", waiting: 0, longest_wait_seconds: 0, offered: 0 }),
    ["+14155238886", "0", "0", "None"],
  );
});

test("an agent's row gives presence in words and the load of the capacity, full in words", () => {
  const ann = { agent_id: "ann", presence: "do_not_disturb", active: 1, capacity: 3, offers: 1, accepted_today: 4, rejected_today: 1, expired_today: 0 };
  assert.deepEqual(agentCells(ann), ["ann", "Do not disturb", "2 of 3", "1", "1", "4", "1", "0"]);
  const ben = { agent_id: "ben", presence: "available", active: 1, capacity: 1, offers: 0 };
  assert.deepEqual(agentCells(ben), ["ben", "Available", "1 of 1 (full)", "1", "0", "0", "0", "0"]);
});

test("presences read as the presence control says them", () => {
  assert.equal(presenceText("available"), "Available");
  assert.equal(presenceText("away"), "Away");
  assert.equal(presenceText("offline"), "Offline");
  assert.equal(presenceText("on_break"), "on_break", "an unknown presence is shown as it came");
});

test("the board says when the server built it, or nothing", () => {
  assert.match(updatedText("2026-12-03T10:00:05Z"), /^Updated at \d{2}:\d{2}:\d{2}/);
  assert.equal(updatedText(undefined), "");
});
