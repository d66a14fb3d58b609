import { test } from "node:test";
import assert from "node:assert/strict";

import { negativeText, sentimentText, sentimentWords, trendWord } from "../../js/sentiment.js";

test("each label is an icon and a word, so colour is never the only sign", () => {
  assert.deepEqual(sentimentWords({ label: "negative", score: -0.8 }), { label: "negative", icon: "😠", word: "Negative" });
  assert.deepEqual(sentimentWords({ label: "positive", score: 0.6 }), { label: "positive", icon: "🙂", word: "Positive" });
  assert.deepEqual(sentimentWords({ label: "neutral", score: 0 }), { label: "neutral", icon: "😐", word: "Neutral" });
  assert.deepEqual(sentimentWords({ label: "mixed", score: 0.05 }), { label: "mixed", icon: "😕", word: "Mixed" });
  // Every icon differs, and every word too.
  const all = ["positive", "neutral", "mixed", "negative"].map((label) => sentimentWords({ label }));
  assert.equal(new Set(all.map((w) => w.icon)).size, 4);
  assert.equal(new Set(all.map((w) => w.word)).size, 4);
});

test("nothing is shown before a score, for a message without text, or for an unknown label", () => {
  assert.equal(sentimentWords(undefined), null);
  assert.equal(sentimentWords(null), null);
  assert.equal(sentimentWords({ label: "neutral", score: 0, reason: "no_text" }), null);
  assert.equal(sentimentWords({ label: "ecstatic", score: 1 }), null);
  assert.equal(sentimentWords("negative"), null);
});

test("a language the scorer does not know reads Not assessed, not Neutral", () => {
  assert.deepEqual(sentimentWords({ label: "neutral", score: 0, reason: "language_unsupported", language: "fi" }), {
    label: "unassessed",
    icon: "❔",
    word: "Not assessed",
  });
});

test("the header says the trend in words", () => {
  assert.equal(sentimentText({ label: "negative", score: -0.5 }, "worsening"), "Negative, worsening");
  assert.equal(sentimentText({ label: "positive", score: 0.5 }, "improving"), "Positive, improving");
  assert.equal(sentimentText({ label: "neutral", score: 0 }, "steady"), "Neutral, steady");
  assert.equal(sentimentText({ label: "mixed", score: 0 }), "Mixed");
  assert.equal(sentimentText({ label: "mixed", score: 0 }, "sideways"), "Mixed");
  assert.equal(sentimentText(undefined, "steady"), null);
  assert.equal(trendWord("improving"), "improving");
  assert.equal(trendWord(undefined), null);
});

test("a turn to negative names the customer as the queue does, with the trend", () => {
  const event = {
    event_type: "conversation.sentiment_negative",
    conversation_id: "c1",
    sentiment: { label: "negative", score: -0.7 },
    sentiment_trend: "worsening",
    customer: { address: "whatsapp:+447700900001", profile_name: "Zoë" },
  };
  assert.equal(negativeText(event), "The conversation with Zoë has turned negative (worsening).");
  assert.equal(
    negativeText({ ...event, sentiment_trend: undefined, customer: { address: "whatsapp:+447700900001" } }),
    "The conversation with +447700900001 has turned negative.",
  );
  assert.equal(negativeText({ ...event, customer: { address: "whatsapp:+1", display_name: "Ada Lovelace", profile_name: "Ada" } }), "The conversation with Ada Lovelace has turned negative (worsening).");
});
