// The desk around a conversation, in headless Chromium against a real local-api: the request
// card's history line, notes, a quick reply with "/", a transfer, a previous conversation's
// transcript from the summary, and the search page; at 1366 px and at 390 px wide.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { agentCall, launchChromium, required, sendInbound, startLocalApi } from "./local-api.mjs";

const ZOE = "whatsapp:+447700900031";
const TIMEOUT = 10_000;

let server;
let browser;
let page;
let shots;
const pageErrors = [];

async function screenshot(name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

async function conversationOf(address) {
  const { json } = await agentCall(server.base, "agent-old", "GET", `/customers/${encodeURIComponent(address)}`);
  return json.recent_conversations[0].id;
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

  // An earlier conversation with Zoë, closed by another agent; a quick reply an admin wrote.
  await sendInbound(server.base, { from: ZOE, body: "Where is parcel Zebra42?", profileName: "Zoë" });
  const earlier = await conversationOf(ZOE);
  assert.equal((await agentCall(server.base, "agent-old", "POST", `/conversations/${earlier}/accept`)).status, 200);
  assert.equal((await agentCall(server.base, "agent-old", "POST", `/conversations/${earlier}/close`)).status, 200);
  const put = await agentCall(server.base, "agent-admin", "PUT", "/quick-replies/shipping", { title: "Shipping times", body: "Orders ship within 24 hours." }, "admins");
  assert.equal(put.status, 201);
  assert.equal((await agentCall(server.base, "agent-bob", "PUT", "/agents/agent-bob/presence", { status: "available" })).status, 200);
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("a returning customer's request card says so", async () => {
  await page.goto(server.base + "/");
  await page.getByRole("textbox", { name: "Agent ID" }).fill("agent-ada");
  await page.keyboard.press("Enter");
  await page.getByRole("combobox", { name: "Presence" }).selectOption("available");
  // The presence is stored before the customer writes: the request is then pushed to Ada.
  await page.getByText("No customer is waiting.").waitFor();
  await sendInbound(server.base, { from: ZOE, body: "Hello again, it's Zoë", profileName: "Zoë" });
  const card = page.getByRole("alert", { name: "Conversation request from Zoë" });
  await card.getByText("Returning customer: 1 earlier conversation").waitFor();
  await screenshot("desk-01-returning-card");
  await card.getByRole("button", { name: "Accept" }).click();
  await page.getByRole("log", { name: "Transcript" }).getByText("Hello again, it's Zoë").waitFor();
});

test("the summary lists the previous conversation and a note is added for agents only", async () => {
  const summary = page.getByRole("complementary", { name: "Customer summary" });
  await summary.getByRole("button", { name: /Open the conversation of .* \(closed\)/ }).waitFor();
  await page.getByRole("textbox", { name: "Note for agents" }).fill("Wants delivery after 6 pm.");
  await page.getByRole("button", { name: "Add note" }).click();
  await page.getByRole("list", { name: "Notes" }).getByText("Wants delivery after 6 pm.").waitFor();
  // A note is no message of the transcript.
  assert.equal(await page.getByRole("log", { name: "Transcript" }).getByText("Wants delivery after 6 pm.").count(), 0);
  await screenshot("desk-02-note-and-summary");
});

test("typing / offers the quick replies and Enter inserts one", async () => {
  const box = page.getByRole("combobox", { name: "Message" });
  await box.click();
  await box.pressSequentially("/ship");
  await page.getByRole("listbox", { name: "Quick replies" }).getByRole("option", { name: /Shipping times/ }).waitFor();
  await screenshot("desk-03-quick-reply");
  await box.press("Enter");
  assert.equal(await box.inputValue(), "Orders ship within 24 hours.");
  // The picker inserts too.
  await box.fill("");
  await page.getByRole("combobox", { name: "Quick reply" }).selectOption("shipping");
  await page.getByRole("button", { name: "Insert" }).click();
  assert.equal(await box.inputValue(), "Orders ship within 24 hours.");
  await box.fill("");
});

test("the conversation is transferred to an available agent and the transcript says so", async () => {
  await page.getByRole("combobox", { name: "Transfer to" }).selectOption("agent-bob");
  await page.getByRole("button", { name: "Transfer", exact: true }).click();
  await page.getByRole("log", { name: "Transcript" }).getByText("agent-ada transferred the conversation to agent-bob.").waitFor();
  await page.getByText("Assigned to agent-bob.").waitFor();
  assert.equal(await page.getByRole("combobox", { name: "Message" }).isVisible(), false);
  await screenshot("desk-04-transferred");
});

test("a previous conversation opens read-only from the summary", async () => {
  const summary = page.getByRole("complementary", { name: "Customer summary" });
  await summary.getByRole("button", { name: /Open the conversation of .* \(closed\)/ }).click();
  await page.getByRole("log", { name: "Transcript" }).getByText("Where is parcel Zebra42?").waitFor();
  await page.getByText("This conversation is closed.").waitFor();
  await screenshot("desk-05-previous-transcript");
});

test("the search page finds the closed conversation by a word whatever its case", async () => {
  await page.getByRole("button", { name: "Search transcripts" }).click();
  await page.getByRole("searchbox", { name: "Words" }).fill("ZEBRA42");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const result = page.getByRole("list", { name: "Search results" }).getByRole("button", { name: /Where is parcel Zebra42/ });
  await result.waitFor();
  await screenshot("desk-06-search");
  await page.getByRole("textbox", { name: "Customer number" }).fill("+447700900999");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.getByText("No message matches.").waitFor();
  await page.getByRole("textbox", { name: "Customer number" }).fill("");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.getByRole("searchbox", { name: "Words" }).fill("aa bb cc dd ee ff gg hh ii");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await page.getByRole("alert").filter({ hasText: "at most 8 words" }).waitFor();
  await page.getByRole("searchbox", { name: "Words" }).fill("ZEBRA42");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await result.click();
  await page.getByRole("log", { name: "Transcript" }).getByText("Where is parcel Zebra42?").waitFor();
});

test("an agent starts a conversation with a template and free text waits for the answer", async () => {
  await page.getByRole("button", { name: "New conversation" }).click();
  await page.getByRole("textbox", { name: "Customer number" }).fill("+44 7700 900077");
  await page.getByRole("searchbox", { name: "Find a template" }).fill("reminder");
  await page.getByRole("radio", { name: "appointment_reminder" }).check();
  await page.getByRole("textbox", { name: "Variable 1" }).fill("Zoë");
  await page.getByText("Hola Zoë, ¿confirmas tu cita del 12/05?").waitFor();
  await screenshot("desk-07-new-conversation");
  await page.getByRole("button", { name: "Start conversation" }).click();
  const log = page.getByRole("log", { name: "Transcript" });
  await log.getByText("Template", { exact: true }).waitFor();
  await page.getByText("This conversation has exceeded the 24 hour limit to respond to the customer.").waitFor();
  await page.getByText("Waiting for the customer's answer").waitFor();
  // Its view state is awaiting_customer, not expired: the header says so.
  await page.getByText("Started by us: awaiting the customer", { exact: false }).first().waitFor();
  await page.getByRole("button", { name: /Awaiting answer/ }).waitFor();
  assert.equal(await page.getByRole("combobox", { name: "Message" }).isVisible(), false);
  await screenshot("desk-08-started");
  // The customer answers: the same conversation opens for free text, with no request card.
  await sendInbound(server.base, { from: "whatsapp:+447700900077", body: "Yes, that works", profileName: "Zoë" });
  await log.getByText("Yes, that works").waitFor();
  await page.getByRole("combobox", { name: "Message" }).waitFor();
  assert.equal(await page.getByRole("alert", { name: /Conversation request from/ }).count(), 0);
});

test("every desk control has an accessible name and the page fits 390 px", async () => {
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll("button, input, select, textarea")]
      .filter((e) => e.offsetParent !== null)
      .filter((e) => !(e.labels?.length || e.getAttribute("aria-label") || e.textContent.trim()))
      .map((e) => e.outerHTML.slice(0, 80)),
  );
  assert.deepEqual(unnamed, []);
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the window`);
  await screenshot("desk-09-narrow");
  await page.getByRole("button", { name: "Search transcripts" }).click();
  await page.getByRole("searchbox", { name: "Words" }).waitFor();
  await screenshot("desk-10-narrow-search");
  assert.deepEqual(pageErrors, []);
});
