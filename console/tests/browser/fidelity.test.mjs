// WhatsApp fidelity in headless Chromium against a real local-api: a request from a
// click-to-WhatsApp ad shows its headline (card and summary); the assigned agent's opening and
// typing tell the customer "typing…" and mark their message read at most once per 20 s ("Seen
// by you"); a supervisor never does; after the window closed the agent picks an approved
// template by searching, fills its variables with a live preview and sends it; reactions; the
// template picker for an administrator, with "Other template", and its Retry after a failure.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { agentCall, launchChromium, required, sendInbound, startLocalApi, twilioCalls } from "./local-api.mjs";

const ROSA = "whatsapp:+447700900051";
const AGENT = "agent-fia";
const ADMIN = "agent-sup";
const TYPING_PATH = "/v2/Indicators/Typing.json";
const ORDER_SID = "HXa1b2c3d4e5f60718293a4b5c6d7e8f90";
const TIMEOUT = 10_000;

let server;
let browser;
let page;
let shots;
let conversationId;
let inboundSid;
/** The console's own POST …/typing requests, by page. */
const typingRequests = { agent: [], admin: [] };
const pageErrors = [];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function shot(target, name) {
  await target.screenshot({ path: join(shots, `fidelity-${name}.png`), fullPage: false });
}

/** The same view at 1366×768 and 390 px wide, `inSight()` bringing what matters into view. */
async function bothWidths(target, name, inSight = null) {
  await inSight?.();
  await shot(target, `${name}-1366`);
  await target.setViewportSize({ width: 390, height: 844 });
  await inSight?.();
  await shot(target, `${name}-390`);
  await target.setViewportSize({ width: 1366, height: 768 });
}

async function typingCallsAtTwilio() {
  return (await twilioCalls(server.base)).filter((call) => call.path === TYPING_PATH);
}

function transcript(target = page) {
  return target.getByRole("log", { name: "Transcript" });
}

function messageWith(text, target = page) {
  return transcript(target).locator(".message", { has: target.locator(".body", { hasText: text }) });
}

async function signIn(target, agentId, { admin = false } = {}) {
  await target.goto(server.base + "/");
  await target.getByRole("textbox", { name: "Agent ID" }).fill(agentId);
  if (admin) await target.getByRole("checkbox", { name: "Sign in as an administrator" }).check();
  await target.getByRole("button", { name: "Sign in" }).click();
  await target.getByRole("combobox", { name: "Presence" }).waitFor();
}

async function newPage(who) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const created = await context.newPage();
  created.setDefaultTimeout(TIMEOUT);
  created.on("pageerror", (error) => pageErrors.push(`${who}: ${error.message}`));
  created.on("request", (request) => {
    if (request.method() === "POST" && /\/conversations\/[^/]+\/typing$/.test(new URL(request.url()).pathname)) {
      typingRequests[who].push(Date.now());
    }
  });
  return created;
}

before(async () => {
  shots = required("SCREENSHOT_DIR");
  mkdirSync(shots, { recursive: true });
  // No read receipt on accept (READ_RECEIPTS=off): the console's own call on opening is the one
  // that marks the customer's message read.
  server = await startLocalApi({ env: { READ_RECEIPTS: "off" } });
  browser = await launchChromium();
  page = await newPage("agent");
  // The page's own clock, moved on by the test to check the 20 s between typing calls.
  await page.clock.install();
  await signIn(page, AGENT);
  await page.getByRole("combobox", { name: "Presence" }).selectOption("available");
  await page.getByText("No customer is waiting.").waitFor();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("a request from an ad shows the ad's headline on its card", async () => {
  inboundSid = await sendInbound(server.base, {
    from: ROSA,
    body: "Hi! Are these boots still 30% off?",
    profileName: "Rosa",
    extra: {
      ReferralHeadline: "Winter boots, 30% off",
      ReferralBody: "Only this week in all our stores",
      ReferralSourceType: "ad",
      ReferralSourceUrl: "https://fb.me/abc",
      ReferralCtwaClid: "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv-_zfUQ2a",
      ReferralNumMedia: "0",
    },
  });
  const card = page.getByRole("alert", { name: "Conversation request from Rosa" });
  await card.getByText("From ad: Winter boots, 30% off", { exact: true }).waitFor();
  await bothWidths(page, "01-ad-card", () => card.scrollIntoViewIfNeeded());
});

test("the assigned agent's opening marks the customer's message read once, and Seen by you shows", async () => {
  const card = page.getByRole("alert", { name: "Conversation request from Rosa" });
  await card.getByRole("button", { name: "Accept" }).click();
  const first = messageWith("Are these boots still 30% off?");
  await first.waitFor();
  const { json } = await agentCall(server.base, AGENT, "GET", "/conversations");
  conversationId = json.conversations.find((c) => c.customer.address === ROSA).id;

  await first.getByText("Seen by you", { exact: true }).waitFor();
  assert.equal(typingRequests.agent.length, 1, "opening the conversation called typing once");
  const calls = await typingCallsAtTwilio();
  assert.equal(calls.length, 1, JSON.stringify(calls));
  assert.equal(calls[0].form.messageId, inboundSid);
  assert.equal(calls[0].form.channel, "whatsapp");
  const view = await agentCall(server.base, AGENT, "GET", `/conversations/${conversationId}`);
  assert.equal(view.json.read?.message_id, inboundSid);
  await bothWidths(page, "02-seen-by-you", () => first.scrollIntoViewIfNeeded());
});

test("the customer summary says which ad the conversation came from, with its link", async () => {
  const summary = page.getByRole("complementary", { name: "Customer summary" });
  await summary.getByText("From ad: Winter boots, 30% off").waitFor();
  const link = summary.getByRole("link", { name: "Open the ad (new tab)" });
  assert.equal(await link.getAttribute("href"), "https://fb.me/abc");
  assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
  await summary.screenshot({ path: join(shots, "fidelity-03-summary-ad.png") });
});

test("typing in Message reaches Twilio once in 20 s, and again after 20 s", async () => {
  const message = page.getByRole("combobox", { name: "Message" });
  // Keystrokes over a few seconds: the call made on opening covers them all.
  for (const word of ["Yes, ", "they ", "are ", "until ", "Sunday."]) {
    await message.pressSequentially(word, { delay: 20 });
    await page.clock.runFor(1_000);
  }
  await sleep(300);
  assert.equal(typingRequests.agent.length, 1, "no call within 20 s of the last");
  assert.equal((await typingCallsAtTwilio()).length, 1);

  // Another message from Rosa; 20 s later (on both clocks) the next keystroke calls at once.
  const second = await sendInbound(server.base, { from: ROSA, body: "And in size 39?", profileName: "Rosa" });
  await messageWith("And in size 39?").waitFor();
  assert.equal(await messageWith("And in size 39?").getByText("Seen by you").count(), 0, "a newer message is not seen yet");
  const moved = await fetch(`${server.base}/local/clock`, { method: "POST", body: JSON.stringify({ advance_seconds: 21 }) });
  assert.equal(moved.status, 200);
  await page.clock.fastForward(21_000);
  await message.press("End");
  await message.pressSequentially(" Also 39.", { delay: 20 });
  await messageWith("And in size 39?").getByText("Seen by you", { exact: true }).waitFor();
  assert.equal(typingRequests.agent.length, 2);
  const calls = await typingCallsAtTwilio();
  assert.equal(calls.length, 2, JSON.stringify(calls));
  assert.equal(calls[1].form.messageId, second);
  // "Seen by you" stands under the latest customer message only.
  assert.equal(await transcript().getByText("Seen by you").count(), 1);
  await message.fill("");
});

test("a supervisor who opens the conversation never tells the customer anything", async () => {
  const admin = await newPage("admin");
  await signIn(admin, ADMIN, { admin: true });
  // Another agent's conversation: found through the search.
  await admin.getByRole("button", { name: "Search transcripts" }).click();
  await admin.getByRole("searchbox", { name: "Words" }).fill("size 39");
  await admin.getByRole("button", { name: "Search", exact: true }).click();
  await admin.getByRole("button", { name: /^Open the conversation: customer wrote/ }).first().click();
  await messageWith("And in size 39?", admin).waitFor();
  await sleep(500);
  assert.equal(typingRequests.admin.length, 0);
  assert.equal((await typingCallsAtTwilio()).length, 2);
  // The server's read state is shown to others as the agent's.
  await messageWith("And in size 39?", admin).getByText("Seen by the agent", { exact: true }).waitFor();
  await admin.context().close();
});

test("after the window closed the agent finds a template by name, fills it with a preview and sends it", async () => {
  const moved = await fetch(`${server.base}/local/clock`, { method: "POST", body: JSON.stringify({ advance_seconds: 24 * 3600 }) });
  assert.equal(moved.status, 200);
  await page.clock.fastForward(16_000);
  await page.getByText("This conversation has exceeded the 24 hour limit to respond to the customer.", { exact: true }).waitFor();
  const form = page.getByRole("form", { name: "Approved template" });
  await form.getByRole("radio", { name: "appointment_reminder" }).waitFor();
  assert.equal(await form.getByRole("radio", { name: "Other template" }).count(), 0, "only administrators type a Content SID");
  await form.getByText("English (en) · Utility · Text").waitFor();
  await form.getByText("Spanish (es) · Utility · Quick reply").waitFor();

  await form.getByRole("searchbox", { name: "Find a template" }).fill("order");
  await form.getByRole("radio", { name: "appointment_reminder" }).waitFor({ state: "hidden" });
  await form.getByText("1 approved template matches “order”.").waitFor();
  await form.getByRole("radio", { name: "order_update" }).check();
  const one = form.getByRole("textbox", { name: "Variable 1" });
  const two = form.getByRole("textbox", { name: "Variable 2" });
  assert.equal(await one.getAttribute("placeholder"), "Ana");
  assert.equal(await two.getAttribute("placeholder"), "A-1042");
  const preview = form.getByRole("group", { name: "Preview" });
  await preview.getByText("Hi Ana, your order A-1042 is on its way.").waitFor();
  await one.fill("Rosa");
  await preview.getByText("Hi Rosa, your order A-1042 is on its way.").waitFor();
  await bothWidths(page, "04-template-picker", () => form.scrollIntoViewIfNeeded());

  const sent = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === `/conversations/${conversationId}/messages`);
  await form.getByRole("button", { name: "Send template" }).click();
  const response = await sent;
  assert.equal(response.status(), 201, await response.text());
  assert.deepEqual(response.request().postDataJSON(), { template: { content_sid: ORDER_SID, variables: { 1: "Rosa" } } });
  const template = transcript().locator(".message.outbound", { hasText: "Template" }).last();
  await template.getByText(/Queued|Sent|Delivered/).waitFor();
  // The transcript shows what the customer read, and the template's name.
  await template.getByText("Hi Rosa, your order A-1042 is on its way.").waitFor();
  await template.getByText("Template order_update").waitFor();
  // The picker is ready for the next one: nothing chosen, nothing typed.
  assert.equal(await form.getByRole("radio", { name: "order_update" }).isChecked(), false);
  assert.equal(await form.getByRole("searchbox", { name: "Find a template" }).inputValue(), "");
  await bothWidths(page, "05-template-sent", () => template.scrollIntoViewIfNeeded());
});

test("a customer's reaction shows on its message, and a reaction message leads to it", async () => {
  // Another customer writes, the agent takes it and answers; the customer reacts 👍 to the answer.
  const tom = "whatsapp:+447700900052";
  await sendInbound(server.base, { from: tom, body: "Do you ship to Spain?", profileName: "Tom" });
  const summary = await agentCall(server.base, AGENT, "GET", `/customers/${encodeURIComponent(tom)}`);
  const tomsId = summary.json.recent_conversations[0].id;
  assert.equal((await agentCall(server.base, AGENT, "POST", `/conversations/${tomsId}/accept`, {})).status, 200);
  const reply = await agentCall(server.base, AGENT, "POST", `/conversations/${tomsId}/messages`, { body: "Yes, in 3 days." });
  assert.equal(reply.status, 201, JSON.stringify(reply.json));
  const target = reply.json.id;
  const reactionSid = await sendInbound(server.base, {
    from: tom,
    body: "👍",
    extra: { MessageType: "reaction", OriginalRepliedMessageSid: target },
  });
  await page.getByRole("navigation", { name: "Queue" }).getByRole("button", { name: /Tom/ }).first().click();
  const reacted = transcript().locator(`[data-message-id="${target}"]`);
  await reacted.getByText("Customer reacted 👍").waitFor();
  const line = transcript().getByRole("button", { name: "Reacted 👍 to a message: go to that message" });
  await line.waitFor();
  assert.equal(await transcript().getByText("Unsupported message (reaction)").count(), 0);
  // Its body is the emoji: said once, by the line.
  assert.equal(await transcript().locator(`[data-message-id="${reactionSid}"] .body`).count(), 0);
  await line.click();
  await page.waitForFunction((sid) => document.activeElement?.dataset?.messageId === sid, target);
  await bothWidths(page, "06-reactions", () => line.scrollIntoViewIfNeeded());
});

test("an administrator's picker lists the approved templates and Other template, and retries a failed load", async () => {
  const admin = await newPage("admin");
  // The first read of the list fails, as when Twilio cannot be reached.
  let refused = 0;
  await admin.route("**/templates", async (route) => {
    if (refused++ === 0) {
      await route.fulfill({ status: 502, json: { error: "twilio_unavailable", message: "Twilio could not be reached; try again." } });
    } else {
      await route.fallback();
    }
  });
  await signIn(admin, ADMIN, { admin: true });
  await admin.getByRole("button", { name: "New conversation" }).click();
  const form = admin.getByRole("form", { name: "New conversation" });
  await form.getByText("The approved templates could not be loaded: Twilio could not be reached; try again.").waitFor();
  await bothWidths(admin, "07-templates-failed", () => form.getByRole("button", { name: "Retry" }).scrollIntoViewIfNeeded());
  await form.getByRole("button", { name: "Retry" }).click();
  await form.getByRole("radio", { name: "order_update" }).waitFor();
  await form.getByRole("radio", { name: "appointment_reminder" }).waitFor();
  await form.getByRole("radio", { name: "Other template" }).check();
  await form.getByRole("textbox", { name: "Content SID" }).fill("HX123");
  await form.getByRole("textbox", { name: "Customer number" }).fill("+447700900053");
  await form.getByRole("button", { name: "Start conversation" }).click();
  await form.getByText("The Content SID is HX followed by 32 hexadecimal characters.").waitFor();
  await form.getByRole("radio", { name: "appointment_reminder" }).check();
  // Another choice: the error about the previous one goes.
  await form.getByText("The Content SID is HX followed by 32 hexadecimal characters.").waitFor({ state: "hidden" });
  await form.getByRole("textbox", { name: "Variable 2" }).fill("14/05");
  await form.getByRole("group", { name: "Preview" }).getByText("Hola Luis, ¿confirmas tu cita del 14/05?").waitFor();
  await bothWidths(admin, "08-new-conversation-admin", () => form.getByRole("group", { name: "Preview" }).scrollIntoViewIfNeeded());
  await admin.context().close();
});

test("the summary of Rosa's next conversation says the previous one came from an ad", async () => {
  await page.getByRole("button", { name: "Close conversation" }).click();
  await page.getByText("This conversation is closed.").waitFor();
  // The wrap-up form opens for the outcome; Later leaves it for afterwards.
  const wrapUp = page.getByRole("dialog", { name: /^Wrap-up: / });
  await wrapUp.getByRole("button", { name: "Later" }).click();
  await wrapUp.waitFor({ state: "hidden" });
  await sendInbound(server.base, { from: ROSA, body: "Hello again!", profileName: "Rosa" });
  const card = page.getByRole("alert", { name: "Conversation request from Rosa" });
  await card.waitFor();
  assert.equal(await card.getByText(/^From ad:/).count(), 0, "this request is not from an ad");
  await card.getByRole("button", { name: "Accept" }).click();
  await messageWith("Hello again!").waitFor();
  const summary = page.getByRole("complementary", { name: "Customer summary" });
  const previous = summary.getByRole("list", { name: "Previous conversations" }).getByRole("listitem");
  await previous.getByText("From ad: Winter boots, 30% off").waitFor();
  assert.equal(await previous.getByRole("link", { name: "Open the ad (new tab)" }).getAttribute("href"), "https://fb.me/abc");
  // This conversation did not come from an ad: the summary's own line is gone.
  assert.equal(await summary.locator(":scope > .ad").count(), 0);
  await summary.screenshot({ path: join(shots, "fidelity-09-summary-previous-ad.png") });
});

test("every control has an accessible name and the page fits 390 px", async () => {
  await page.getByRole("button", { name: "New conversation" }).click();
  await page.getByRole("form", { name: "New conversation" }).getByRole("radio", { name: "order_update" }).waitFor();
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
  // Two pickers on the page (composer and New conversation) keep their ids apart.
  const duplicates = await page.evaluate(() => {
    const ids = [...document.querySelectorAll("[id]")].map((el) => el.id);
    return ids.filter((id, i) => ids.indexOf(id) !== i);
  });
  assert.deepEqual(duplicates, []);
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a 390px window`);
  await page.setViewportSize({ width: 1366, height: 768 });
});

test("the pages threw no error", () => {
  assert.deepEqual(pageErrors, []);
});
