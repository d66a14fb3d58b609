// The live channel in the browser: a request reaches the console as a WebSocket frame and its
// card appears, and an idle console with an open socket does not poll the queue.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { launchChromium, sendInbound, startLocalApi } from "./local-api.mjs";

let server;
let browser;
let page;
const frames = [];
const listRequests = [];
const pageErrors = [];

before(async () => {
  server = await startLocalApi();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("websocket", (socket) => {
    socket.on("framereceived", ({ payload }) => frames.push({ at: Date.now(), json: JSON.parse(payload) }));
  });
  page.on("request", (request) => {
    if (new URL(request.url()).pathname === "/conversations") listRequests.push(Date.now());
  });
  await page.goto(server.base + "/");
  await page.getByRole("textbox", { name: "Agent ID" }).fill("agent-live");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("combobox", { name: "Presence" }).selectOption("available");
  await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("a new request arrives as a WebSocket frame and its card appears", async () => {
  const sent = Date.now();
  await sendInbound(server.base, { from: "whatsapp:+447700900077", body: "Hello?", profileName: "Noor" });
  await page.getByRole("alert", { name: "Conversation request from Noor" }).waitFor();
  const frame = frames.find((f) => f.json.event_type === "conversation.requested");
  assert.ok(frame, "no conversation.requested frame came over the socket");
  assert.equal(frame.json.customer.profile_name, "Noor");
  console.log(`webhook → frame: ${frame.at - sent} ms`);
});

test("an idle console with its socket open makes at most 2 queue requests in 20 s", async () => {
  const from = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  const during = listRequests.filter((at) => at >= from).length;
  assert.ok(during <= 2, `${during} GET /conversations in 20 s`);
});

test("a window.closing warning highlights the conversation and warns in its panel", async () => {
  await sendInbound(server.base, { from: "whatsapp:+447700900078", body: "Are you there?", profileName: "Ines" });
  const card = page.getByRole("alert", { name: "Conversation request from Ines" });
  await card.getByRole("button", { name: "Accept" }).click();
  await page.getByRole("heading", { name: "Ines" }).waitFor();
  // 22 h after the customer's message: the 2-hour warning is due.
  const moved = await fetch(`${server.base}/local/clock`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ advance_seconds: 22 * 3600 }),
  });
  assert.equal(moved.status, 200);
  // On the server's clock (read from the answers' Date header): under 2 h left.
  await page
    .getByRole("alert")
    .filter({ hasText: /The 24-hour window closes at .*, in 1 h 5\d min\. Reply now/ })
    .waitFor();
  const row = page.locator("button.row.closing", { hasText: "Ines" });
  await row.waitFor();
  assert.match(await row.textContent(), /Closes in 1 h 5\d min/);
  const frame = frames.find((f) => f.json.event_type === "window.closing");
  assert.equal(frame?.json.warning, "2h");
  await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/08-window-closing.png` });
});

test("the page threw no error", () => {
  assert.deepEqual(pageErrors, []);
});
