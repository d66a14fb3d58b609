// The agent's whole path through the console, in headless Chromium (Debian's package) driven by
// playwright-core, against a real local-api. Run by `cargo xtask test`, which sets
// LOCAL_API_BIN, CHROMIUM_PATH, PLAYWRIGHT_CORE and SCREENSHOT_DIR.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { agentCall, launchChromium, required, sendInbound, startLocalApi } from "./local-api.mjs";

const WINDOW_EXPIRED = "This conversation has exceeded the 24 hour limit to respond to the customer.";
const ADA = "whatsapp:+447700900001";
const SAM = "whatsapp:+447700900002";
const TIMEOUT = 10_000;

let server;
let browser;
let page;
let shots;
const pageErrors = [];
const foreignRequests = [];
const conversationListRequests = [];

async function screenshot(name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

before(async () => {
  shots = required("SCREENSHOT_DIR");
  mkdirSync(shots, { recursive: true });
  server = await startLocalApi();
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.origin !== server.base && url.protocol !== "data:") foreignRequests.push(request.url());
    if (url.pathname === "/conversations") conversationListRequests.push(Date.now());
  });
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("an agent signs in with the keyboard alone", async () => {
  await page.goto(server.base + "/");
  await page.getByRole("textbox", { name: "Agent ID" }).waitFor();
  await screenshot("01-sign-in");
  // The field has focus at load: type and press Enter.
  await page.keyboard.type("agent-ada");
  await page.keyboard.press("Enter");
  await page.getByRole("combobox", { name: "Presence" }).waitFor();
  // Bytes as served (no compression here, as API Gateway's HTTP API sends them).
  const sizes = await page.evaluate(() =>
    performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource")).map((e) => e.encodedBodySize),
  );
  const bytes = sizes.reduce((a, b) => a + b, 0);
  assert.ok(bytes > 10_000 && bytes <= 100 * 1024, `first load was ${bytes} bytes`);
});

test("both kinds of request card appear without a reload once the agent is available", async () => {
  const admin = await agentCall(server.base, "admin", "PUT", `/contacts/${encodeURIComponent(ADA)}`, {
    name: "Ada Lovelace",
    contact_id: "C-1001",
    plan: "Gold",
  }, "admins");
  assert.ok([200, 201].includes(admin.status), JSON.stringify(admin));

  await page.getByRole("combobox", { name: "Presence" }).selectOption({ label: "Available" });
  await page.getByText("No customer is waiting.").waitFor();

  await sendInbound(server.base, { from: ADA, body: "Hi, where is my order?", profileName: "Ada L" });
  await sendInbound(server.base, { from: SAM, body: "Hello, can I change my address?", profileName: "Sam Customer" });

  const known = page.getByRole("alert", { name: "Conversation request from Ada Lovelace" });
  await known.waitFor();
  await assertText(known, "Authenticated customer");
  await assertText(known, "Ada Lovelace");
  await assertText(known, "Contact ID: C-1001");
  await known.getByRole("button", { name: "Accept" }).waitFor();

  const unknown = page.getByRole("alert", { name: "Conversation request from Sam Customer" });
  await unknown.waitFor();
  await assertText(unknown, "Unauthenticated customer");
  await assertText(unknown, "Sam Customer");
  await assertText(unknown, "+447700900002");
  await assertText(unknown, "Wrote to +14155238886");
  await unknown.getByRole("button", { name: "Dismiss request from Sam Customer" }).waitFor();
  await screenshot("02-request-cards");
});

test("a card disappears when another agent accepts the request", async () => {
  const { json } = await agentCall(server.base, "agent-bob", "GET", "/conversations");
  const sam = json.conversations.find((c) => c.customer.address === SAM);
  const accepted = await agentCall(server.base, "agent-bob", "POST", `/conversations/${sam.id}/accept`);
  assert.equal(accepted.status, 200);
  await page.getByRole("alert", { name: "Conversation request from Sam Customer" }).waitFor({ state: "detached" });
});

test("accepting opens the transcript and the customer summary", async () => {
  await page.getByRole("alert", { name: "Conversation request from Ada Lovelace" }).getByRole("button", { name: "Accept" }).click();
  const log = page.getByRole("log", { name: "Transcript" });
  await log.getByText("Hi, where is my order?").waitFor();
  const summary = page.getByRole("complementary", { name: "Customer summary" });
  await assertText(summary, "Authenticated customer");
  await assertText(summary, "C-1001");
  await assertText(summary, "+447700900001");
  await assertText(summary, "Ada L");
  await assertText(summary, "Gold");
  await page.getByText(/Replies accepted for another 2[34] h \d+ min/).waitFor();
  await screenshot("03-conversation");
});

test("a reply is sent once and reaches Delivered without a reload", async () => {
  // Polls patch the transcript: the nodes already shown are kept, never rebuilt.
  await page.locator(".message.inbound").first().evaluate((node) => (node.dataset.seen = "yes"));
  const message = page.getByRole("combobox", { name: "Message" });
  await message.fill("Your order ships today.");
  await page.getByRole("button", { name: "Send", exact: true }).dblclick();
  const log = page.getByRole("log", { name: "Transcript" });
  const sent = log.locator(".message.outbound", { hasText: "Your order ships today." });
  await sent.getByText("Delivered", { exact: true }).waitFor();
  assert.equal(await sent.count(), 1, "a double click sent the reply twice");
  assert.equal(await message.inputValue(), "");

  // Enter sends; Shift+Enter adds a line.
  await message.focus();
  await page.keyboard.type("Line one");
  await page.keyboard.press("Shift+Enter");
  await page.keyboard.type("line two");
  await page.keyboard.press("Enter");
  await log.locator(".message.outbound", { hasText: "Line one" }).getByText(/Queued|Sent|Delivered/).waitFor();
  const text = await log.locator(".message.outbound .body", { hasText: "Line one" }).innerText();
  assert.equal(text, "Line one\nline two");
  await sent.getByText("Delivered", { exact: true }).waitFor();
  assert.equal(await page.locator('.message.inbound[data-seen="yes"]').count(), 1, "the transcript was re-rendered");
  await screenshot("04-delivered");
});

test("24 hours later the exact refusal is shown and a template can still be sent", async () => {
  const moved = await fetch(`${server.base}/local/clock`, {
    method: "POST",
    body: JSON.stringify({ advance_seconds: 24 * 3600 }),
  });
  assert.equal(moved.status, 200);
  await page.getByText(WINDOW_EXPIRED, { exact: true }).waitFor();
  // Free text is no longer offered at all; the template form is.
  await page.getByRole("combobox", { name: "Message" }).waitFor({ state: "hidden" });
  await screenshot("05-window-expired");

  await page.getByRole("radio", { name: "order_update" }).check();
  await page.getByRole("textbox", { name: "Variable 1" }).fill("Ada");
  await page.getByRole("button", { name: "Send template" }).click();
  const template = page.getByRole("log", { name: "Transcript" }).locator(".message.outbound", { hasText: "Template" });
  await template.getByText("Delivered", { exact: true }).waitFor();
  await screenshot("06-template-sent");
});

test("the agent closes the conversation", async () => {
  await page.getByRole("button", { name: "Close conversation" }).click();
  await page.getByText("This conversation is closed.").waitFor();
  // The wrap-up form opens for the outcome; Later leaves it for afterwards.
  const wrapUp = page.getByRole("dialog", { name: /^Wrap-up: / });
  await wrapUp.getByRole("button", { name: "Later" }).click();
  await wrapUp.waitFor({ state: "hidden" });
  await page.getByRole("navigation", { name: "Queue" }).getByRole("button", { name: /Ada Lovelace/ }).waitFor();
});

test("every control has an accessible name and the page fits a narrow window", async () => {
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
  await page.setViewportSize({ width: 400, height: 860 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a 400px window`);
  await screenshot("07-narrow");
  await page.setViewportSize({ width: 1366, height: 768 });
});

test("nothing was loaded from another host and the page threw no error", () => {
  assert.deepEqual(foreignRequests, []);
  assert.deepEqual(pageErrors, []);
});

async function assertText(locator, text) {
  await locator.getByText(text, { exact: false }).first().waitFor();
}
