// Quotes and forwarding in the transcript, in headless Chromium against a real local-api: a
// customer's reply quoting the agent's message shows the quote above its text and leads to the
// quoted message; a quote of a message we do not know is plain text; forwarded messages say so.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { BUSINESS, launchChromium, required, sendInbound, startLocalApi, twilioSignature } from "./local-api.mjs";

const LEA = "whatsapp:+447700900041";
const TIMEOUT = 10_000;

let server;
let browser;
let page;
let shots;
let replySid;
const pageErrors = [];

async function screenshot(name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

/** The transcript alone, `message` in sight: at 1366×900 the desk's tools leave it short. */
async function transcriptShot(name, message) {
  await message.evaluate((node) => node.scrollIntoView({ block: "end" }));
  await transcript().screenshot({ path: join(shots, `${name}.png`) });
}

let sequence = 0;

/** An inbound message with WhatsApp's extra parameters (a quote, forwarding), signed as Twilio does. */
async function sendInboundWith(extra) {
  sequence += 1;
  const sid = `SM${String(Date.now()).padStart(16, "0")}${String(900 + sequence).padStart(16, "0")}`;
  const params = {
    MessageSid: sid,
    AccountSid: "AC00000000000000000000000000000000",
    From: LEA,
    To: BUSINESS,
    NumMedia: "0",
    ProfileName: "Léa",
    ...extra,
  };
  const url = `${server.base}/twilio/inbound`;
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": twilioSignature(url, params) },
    body: new URLSearchParams(params).toString(),
  });
  assert.equal(response.status, 200, await response.text());
  return sid;
}

function transcript() {
  return page.getByRole("log", { name: "Transcript" });
}

function messageWith(text) {
  return transcript().locator(".message", { has: page.locator(".body", { hasText: text }) });
}

before(async () => {
  shots = required("SCREENSHOT_DIR");
  mkdirSync(shots, { recursive: true });
  server = await startLocalApi();
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(server.base + "/");
  await page.getByRole("textbox", { name: "Agent ID" }).fill("agent-ada");
  await page.keyboard.press("Enter");
  await page.getByRole("combobox", { name: "Presence" }).selectOption("available");
  await page.getByText("No customer is waiting.").waitFor();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("the agent accepts and replies; the reply's id is Twilio's sid", async () => {
  await sendInbound(server.base, { from: LEA, body: "Where is my order?", profileName: "Léa" });
  await page.getByRole("alert", { name: "Conversation request from Léa" }).getByRole("button", { name: "Accept" }).click();
  await messageWith("Where is my order?").waitFor();
  const sent = page.waitForResponse(
    (r) => r.request().method() === "POST" && /^\/conversations\/[^/]+\/messages$/.test(new URL(r.url()).pathname),
  );
  await page.getByRole("combobox", { name: "Message" }).fill("It ships today.");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const response = await sent;
  assert.equal(response.status(), 201);
  replySid = (await response.json()).id;
  assert.match(replySid, /^SM/);
  await messageWith("It ships today.").getByText(/Queued|Sent|Delivered/).waitFor();
  assert.equal(await messageWith("It ships today.").getAttribute("data-message-id"), replySid);
});

test("a reply quoting the agent's message shows the quote above its text", async () => {
  await sendInboundWith({ Body: "Can I track it?", OriginalRepliedMessageSid: replySid, OriginalRepliedMessageSender: BUSINESS });
  const reply = messageWith("Can I track it?");
  const quote = reply.getByRole("button", { name: "Go to the quoted message: You: It ships today." });
  await quote.waitFor();
  assert.equal(await quote.innerText(), "You\nIt ships today.");
  // The quote comes before the text in the message (what a screen reader and the eye meet first).
  const order = await reply.evaluate((node) => [...node.children].map((child) => child.className));
  assert.ok(order.indexOf("quote") >= 0 && order.indexOf("quote") < order.indexOf("body"), JSON.stringify(order));
  await transcriptShot("quotes-01-quote", reply);
});

test("a quote of a message we do not know is plain text, and forwarded messages say so", async () => {
  await sendInboundWith({ Body: "And this one?", OriginalRepliedMessageSid: "SM0000000000000000000000000000dead" });
  await sendInboundWith({ Body: "Look at this offer", Forwarded: "true" });
  await sendInboundWith({ Body: "Win a free phone", Forwarded: "true", FrequentlyForwarded: "true" });

  const unknown = messageWith("And this one?");
  await unknown.getByText("Replying to a message not in this conversation", { exact: true }).waitFor();
  assert.equal(await unknown.getByRole("button").count(), 0, "an unknown quote is no control");

  const forwarded = messageWith("Look at this offer");
  await forwarded.getByText("Forwarded", { exact: true }).waitFor();
  assert.equal(await forwarded.getByText("Forwarded many times").count(), 0);
  const often = messageWith("Win a free phone");
  await often.getByText("Forwarded many times", { exact: true }).waitFor();
  assert.equal(await often.getByText("Forwarded", { exact: true }).count(), 0);
  assert.equal(await messageWith("Where is my order?").getByText(/Forwarded/).count(), 0);
  await transcriptShot("quotes-02-unknown-and-forwarded", often);
});

test("the quote leads to the quoted message: scrolled to, focused and highlighted, by mouse and keyboard", async () => {
  const quoted = messageWith("It ships today.");
  const quote = messageWith("Can I track it?").getByRole("button", { name: /^Go to the quoted message/ });
  // As in a long transcript: the quoted message far above, out of sight.
  await transcript().evaluate((log, sid) => {
    const spacer = document.createElement("div");
    spacer.style.minHeight = "1500px";
    spacer.dataset.spacer = "";
    log.querySelector(`[data-message-id="${sid}"]`).after(spacer);
    log.scrollTop = log.scrollHeight;
  }, replySid);
  assert.equal(await quoted.isVisible(), true);
  assert.equal(
    await transcript().evaluate((log, sid) => log.querySelector(`[data-message-id="${sid}"]`).getBoundingClientRect().bottom < log.getBoundingClientRect().top, replySid),
    true,
    "the quoted message should start out of sight",
  );
  await quote.scrollIntoViewIfNeeded();
  await quote.click();
  await page.waitForFunction((sid) => document.activeElement?.dataset?.messageId === sid, replySid);
  assert.equal(await quoted.evaluate((node) => node.classList.contains("highlighted")), true);
  await page.waitForFunction((sid) => {
    const log = document.querySelector(".transcript");
    const box = log.getBoundingClientRect();
    const target = log.querySelector(`[data-message-id="${sid}"]`).getBoundingClientRect();
    return target.top >= box.top && target.bottom <= box.bottom;
  }, replySid);
  await screenshot("quotes-03-quoted-message-focused");
  // The highlight is brief.
  await page.waitForFunction((sid) => !document.querySelector(`[data-message-id="${sid}"]`).classList.contains("highlighted"), replySid);

  // The keyboard: Tab reaches the quote, Enter goes to the message.
  await transcript().evaluate((log) => log.querySelector("[data-spacer]").remove());
  await transcript().focus();
  await page.keyboard.press("Tab");
  assert.equal(await quote.evaluate((node) => node === document.activeElement), true, "Tab from the transcript reaches the quote");
  await page.keyboard.press("Enter");
  await page.waitForFunction((sid) => document.activeElement?.dataset?.messageId === sid, replySid);
});

test("polls and frames never rebuild a shown message: its quote and label stay the same nodes", async () => {
  await messageWith("Can I track it?").evaluate((node) => (node.querySelector(".quote").dataset.seen = "yes"));
  await messageWith("Look at this offer").evaluate((node) => (node.querySelector(".forwarded").dataset.seen = "yes"));
  // A new message makes the console re-read the conversation.
  await sendInboundWith({ Body: "Thanks!" });
  await messageWith("Thanks!").waitFor();
  assert.equal(await transcript().locator('button.quote[data-seen="yes"]').count(), 1, "the quote was rebuilt");
  assert.equal(await transcript().locator('.forwarded[data-seen="yes"]').count(), 1, "the label was rebuilt");
  assert.equal(await transcript().getByRole("button", { name: /^Go to the quoted message/ }).count(), 1);
});

test("every control has an accessible name and quotes fit a narrow window", async () => {
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll("button, input, select, textarea, a[href]")]
      .filter((el) => el.offsetParent !== null)
      .filter((el) => {
        const labelled = el.labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
        return !labelled && !el.textContent.trim();
      })
      .map((el) => el.outerHTML),
  );
  assert.deepEqual(unnamed, []);
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a 390px window`);
  await messageWith("Can I track it?").scrollIntoViewIfNeeded();
  await screenshot("quotes-04-narrow");
  await page.setViewportSize({ width: 1366, height: 900 });
});

test("the page threw no error", () => {
  assert.deepEqual(pageErrors, []);
});
