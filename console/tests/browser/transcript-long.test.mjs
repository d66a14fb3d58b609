// A long transcript (2,000 messages) in headless Chromium against a real local-api: the newest
// messages are drawn first, at the bottom where the agent reads; the older ones wait above, drawn
// in idle moments or through "Load earlier messages" (a real button, for the keyboard and screen
// readers), until the earliest is reachable; a status change patches its message in place, no
// other message node rebuilt. Timings are the bench's (console/bench/transcript.mjs), not asserted
// here. Screenshot `transcript-long-*.png`; with AXE_CORE (the path of axe.min.js) set, axe-core
// finds no violation.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { agentCall, launchChromium, required, sendInbound, sendStatus, startLocalApi } from "./local-api.mjs";

const CUSTOMER = "whatsapp:+447700900777";
const MESSAGES = 2000;
const TIMEOUT = 15_000;

let server;
let browser;
let page;
let shots;
let oldest;
let newest;
const pageErrors = [];

function transcript() {
  return page.getByRole("log", { name: "Transcript" });
}

function messageWith(text) {
  return transcript().locator(".message", { has: page.locator(".body").getByText(text, { exact: true }) });
}

/** Whether `locator` is within the transcript's visible part. */
async function inView(locator) {
  return locator.evaluate((node) => {
    const log = node.closest(".transcript").getBoundingClientRect();
    const box = node.getBoundingClientRect();
    return box.bottom > log.top && box.top < log.bottom;
  });
}

before(async () => {
  shots = required("SCREENSHOT_DIR");
  mkdirSync(shots, { recursive: true });
  server = await startLocalApi();
  // 2,000 messages, eight at a time (as the bench stores them).
  await sendInbound(server.base, { from: CUSTOMER, body: "Message 1", profileName: "Noor" });
  for (let i = 1; i < MESSAGES; i += 8) {
    const batch = [];
    for (let j = i; j < Math.min(i + 8, MESSAGES); j += 1) batch.push(sendInbound(server.base, { from: CUSTOMER, body: `Message ${j + 1}` }));
    await Promise.all(batch);
  }
  // Sent eight at a time, they are stored in no set order: the server says which is first and last.
  const { json: customer } = await agentCall(server.base, "agent-ada", "GET", `/customers/${encodeURIComponent(CUSTOMER)}`);
  const { json: stored } = await agentCall(server.base, "agent-ada", "GET", `/conversations/${customer.recent_conversations[0].id}`);
  assert.equal(stored.messages.length, MESSAGES);
  oldest = stored.messages[0].body;
  newest = stored.messages.at(-1).body;

  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  // Idle moments are held here, so that the older messages wait for the button (released by a test).
  // The socket held down: the console reads the whole conversation every 3 seconds (its poll), the
  // case where a status change must patch one node among 2,000.
  await page.addInitScript(() => {
    window.heldIdle = [];
    window.requestIdleCallback = (run) => window.heldIdle.push(run);
    window.WebSocket = class extends EventTarget {
      static CONNECTING = 0;
      static OPEN = 1;
      static CLOSING = 2;
      static CLOSED = 3;
      constructor() {
        super();
        this.readyState = 0;
        setTimeout(() => {
          this.readyState = 3;
          this.dispatchEvent(new Event("close"));
        }, 10);
      }
      send() {}
      close() {}
    };
  });
  await page.goto(server.base + "/");
  await page.getByRole("textbox", { name: "Agent ID" }).fill("agent-ada");
  await page.keyboard.press("Enter");
  await page.getByRole("combobox", { name: "Presence" }).selectOption("available");
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("the newest message is drawn first, at the bottom; the older ones wait behind Load earlier messages", async () => {
  await page.getByRole("alert", { name: "Conversation request from Noor" }).getByRole("button", { name: "Accept" }).click();
  const last = messageWith(newest).last();
  await last.waitFor();
  assert.ok(await inView(last), "the newest message is in sight");
  const drawn = await transcript().locator(".message").count();
  assert.ok(drawn > 0 && drawn < MESSAGES, `${drawn} messages drawn at first`);
  const earlier = transcript().getByRole("button", { name: /^Load earlier messages/ });
  await earlier.waitFor();
  assert.equal(await earlier.innerText(), `Load earlier messages (${MESSAGES - drawn} more)`);
  assert.equal(await transcript().getAttribute("aria-busy"), "true");
  assert.equal(await messageWith(oldest).count(), 0);
  // With the button and the older messages waiting: no violation either.
  assert.deepEqual((await axe(".transcript")) ?? [], []);
  await transcript().screenshot({ path: join(shots, "transcript-long-01-newest.png") });
});

test("Load earlier messages and idle moments draw older ones above, the view kept; by keyboard it reaches the earliest", async () => {
  const earlier = transcript().getByRole("button", { name: /^Load earlier messages/ });
  const before = await transcript().locator(".message").count();
  // The agent at the top of what is drawn: the button in sight, the first drawn message under it.
  await earlier.scrollIntoViewIfNeeded();
  await transcript().screenshot({ path: join(shots, "transcript-long-02-earlier.png") });
  await transcript().locator(".message").first().evaluate((node) => (node.dataset.firstDrawn = "true"));
  const kept = transcript().locator(".message[data-first-drawn]");
  const top = await kept.evaluate((node) => node.getBoundingClientRect().top);
  await earlier.click();
  await page.waitForFunction((n) => document.querySelectorAll(".transcript .message").length > n, before);
  // Drawn above: what the agent was reading has not moved.
  assert.equal(await kept.evaluate((node) => node.getBoundingClientRect().top), top);
  // An idle moment draws some more too.
  const clicked = await transcript().locator(".message").count();
  const idle = await page.evaluate(() => window.heldIdle.length);
  assert.ok(idle > 0, "older messages are left for idle moments");
  await page.evaluate(() => window.heldIdle.splice(0).forEach((run) => run({ timeRemaining: () => 50 })));
  assert.ok((await transcript().locator(".message").count()) > clicked);
  assert.equal(await kept.evaluate((node) => node.getBoundingClientRect().top), top);
  // By keyboard, to the end: the focus then moves to the earliest message.
  await earlier.focus();
  for (let i = 0; i < MESSAGES && (await earlier.count()); i += 1) await page.keyboard.press("Enter");
  assert.equal(await transcript().locator(".message").count(), MESSAGES);
  assert.equal(await transcript().getAttribute("aria-busy"), null);
  const first = transcript().locator(".message").first();
  assert.equal(await first.locator(".body").innerText(), oldest);
  assert.equal(await first.evaluate((node) => document.activeElement === node), true, "the focus is on the earliest message");
  await first.scrollIntoViewIfNeeded();
  assert.ok(await inView(first));
  // Idle moments have nothing left to draw.
  await page.evaluate(() => window.heldIdle.splice(0).forEach((run) => run({ timeRemaining: () => 50 })));
  assert.equal(await transcript().locator(".message").count(), MESSAGES);
});

test("a status change patches its message in place: no other message node is rebuilt", async () => {
  await page.getByRole("combobox", { name: "Message" }).fill("Your order ships today.");
  const sent = page.waitForResponse(
    (r) => r.request().method() === "POST" && /^\/conversations\/[^/]+\/messages$/.test(new URL(r.url()).pathname),
  );
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const sid = (await (await sent).json()).id;
  const reply = transcript().locator(`.message[data-message-id="${sid}"]`);
  await reply.getByText("Delivered").waitFor();
  const marked = await page.evaluate(() => {
    const nodes = document.querySelectorAll(".transcript .message");
    nodes.forEach((node) => (node.keptNode = true));
    window.statusElement = document.querySelector(".transcript .message:last-child .status");
    return nodes.length;
  });
  assert.equal(marked, MESSAGES + 1);

  // Twilio reports the reply read (the helper fails on any answer but 2xx).
  await sendStatus(server.base, { sid, status: "read", to: CUSTOMER });
  await reply.getByText("Read", { exact: true }).waitFor();
  const kept = await page.evaluate(() => {
    const nodes = [...document.querySelectorAll(".transcript .message")];
    return {
      count: nodes.length,
      rebuilt: nodes.filter((node) => !node.keptNode).length,
      sameStatusElement: document.querySelector(".transcript .message:last-child .status") === window.statusElement,
    };
  });
  assert.deepEqual(kept, { count: MESSAGES + 1, rebuilt: 0, sameStatusElement: true });
  await reply.scrollIntoViewIfNeeded();
  await transcript().screenshot({ path: join(shots, "transcript-long-03-read.png") });
});

/** axe-core's violations in `selector` (null: the whole page); null without AXE_CORE. */
async function axe(selector) {
  const path = process.env.AXE_CORE;
  if (!path || !existsSync(path)) return null;
  // Evaluated through the debugger, which the page's Content-Security-Policy (no inline script) does not stop.
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(`${readFileSync(path, "utf8")}\n;void 0`);
  return page.evaluate(async (context) => {
    const result = await window.axe.run(context ?? document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  }, selector);
}

test("axe-core finds no violation in the long transcript", async (t) => {
  const whole = await axe(null);
  if (!whole) return t.skip("AXE_CORE is not set");
  // The page as a whole, for the report (the composer is not this file's subject).
  if (whole.length) console.log(`axe-core, whole page:\n${JSON.stringify(whole, null, 1)}`);
  assert.deepEqual(await axe(".transcript"), []);
});

test("no page error", () => {
  assert.deepEqual(pageErrors, []);
});
