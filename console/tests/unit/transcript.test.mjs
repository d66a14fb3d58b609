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

const { forwardedLabel, quoteLabel, quoteLine, UNKNOWN_QUOTE } = await import("../../js/transcript.js");

test("a quote names who wrote the quoted message as the transcript does, else Agent or Customer", () => {
  const reply = { id: "SM1", direction: "outbound", preview: "It ships today." };
  assert.deepEqual(quoteLine(reply, "You"), { who: "You", text: "It ships today." });
  assert.deepEqual(quoteLine(reply, "agent-bob"), { who: "agent-bob", text: "It ships today." });
  assert.deepEqual(quoteLine(reply), { who: "Agent", text: "It ships today." });
  assert.deepEqual(quoteLine({ id: "SM2", direction: "inbound", preview: "Where is my order?" }), {
    who: "Customer",
    text: "Where is my order?",
  });
  // A quoted message without a preview still reads as a message.
  assert.deepEqual(quoteLine({ id: "SM3", direction: "inbound", preview: null }), { who: "Customer", text: "Message" });
});

test("a quote of a message unknown to us says it is not in this conversation", () => {
  assert.equal(UNKNOWN_QUOTE, "Replying to a message not in this conversation");
  assert.deepEqual(quoteLine({ id: "SM9", direction: null, preview: null }), { who: null, text: UNKNOWN_QUOTE });
  assert.deepEqual(quoteLine({ id: "SM9" }), { who: null, text: UNKNOWN_QUOTE });
});

test("a quote that leads to its message is named for where it goes", () => {
  assert.equal(
    quoteLabel({ who: "You", text: "It ships today." }),
    "Go to the quoted message: You: It ships today.",
  );
  assert.equal(quoteLabel({ who: null, text: "Message" }), "Go to the quoted message: Message");
});

test("forwarding reads as words, many times winning over once", () => {
  assert.equal(forwardedLabel({ forwarded: true }), "Forwarded");
  assert.equal(forwardedLabel({ forwarded: true, frequently_forwarded: true }), "Forwarded many times");
  assert.equal(forwardedLabel({ frequently_forwarded: true }), "Forwarded many times");
  assert.equal(forwardedLabel({ body: "Hi" }), null);
  assert.equal(forwardedLabel({ forwarded: false }), null);
});

test("a message of a kind the console does not render is named by its type, never blank", async () => {
  const { unsupportedText } = await import("../../js/transcript.js");
  assert.equal(unsupportedText({ unsupported: "reaction" }), "Unsupported message (reaction)");
  assert.equal(unsupportedText({ body: "Hi" }), null);
});

const { reactionEmojis, reactionLine, reactionsLabel, unsupportedText } = await import("../../js/transcript.js");

test("a reaction message reads as a line, and a reaction taken back says so", () => {
  assert.equal(reactionLine({ emoji: "👍", to: "SM1" }), "Reacted 👍 to a message");
  assert.equal(reactionLine({ emoji: " ❤️ ", to: "SM1" }), "Reacted ❤️ to a message");
  assert.equal(reactionLine({ emoji: "", to: "SM1" }), "Removed a reaction from a message");
  assert.equal(reactionLine({}), "Removed a reaction from a message");
});

test("a message's reactions read as words; absent or malformed ones are nothing", () => {
  assert.equal(reactionsLabel([{ emoji: "👍", at: "2026-01-01T00:00:00Z" }]), "Customer reacted 👍");
  assert.equal(reactionsLabel([{ emoji: "👍" }, { emoji: "😂" }]), "Customer reacted 👍 😂");
  assert.equal(reactionsLabel(undefined), null);
  assert.equal(reactionsLabel("👍"), null);
  assert.deepEqual(reactionEmojis([{ emoji: "" }, null, { emoji: 3 }, { emoji: "🙏" }]), ["🙏"]);
  assert.equal(unsupportedText({ unsupported: "reaction" }), "Unsupported message (reaction)");
});

test("the CSAT survey the channel sends after a close reads as the Satisfaction survey, not as an agent", async () => {
  const { Transcript } = await import("../../js/transcript.js");
  const transcript = new Transcript(null, "alice");
  const survey = { direction: "outbound", agent_id: "csat-survey", template: { content_sid: "HX1" } };
  assert.equal(transcript.whoOf(survey), "Satisfaction survey");
  assert.equal(transcript.whoOf({ direction: "outbound", agent_id: "alice" }), "You");
  assert.equal(transcript.whoOf({ direction: "outbound", agent_id: "bob" }), "bob");
  // A customer's message is never the survey's, whatever it carries.
  assert.equal(transcript.whoOf({ direction: "inbound", agent_id: "csat-survey" }), "Customer");
});
