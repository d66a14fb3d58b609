// The live channel in the browser: a request reaches the console as a WebSocket frame and its
// card appears, an idle console with an open socket does not poll the queue, and a reply's status
// frame is patched in place without reading the conversation again.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { launchChromium, sendInbound, sendStatus, startLocalApi } from "./local-api.mjs";

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

test("a reply's status frame is patched in place, without reading the conversation again", async () => {
  await page.getByRole("combobox", { name: "Message" }).fill("Yes, here. How can I help?");
  const sent = page.waitForResponse(
    (r) => r.request().method() === "POST" && /^\/conversations\/[^/]+\/messages$/.test(new URL(r.url()).pathname),
  );
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const sid = (await (await sent).json()).id;
  const reply = page.locator(`.transcript .message[data-message-id="${sid}"]`);
  await reply.getByText("Delivered").waitFor();
  const reads = [];
  const onRequest = (r) => {
    if (r.method() === "GET" && /^\/conversations\/[^/]+$/.test(new URL(r.url()).pathname)) reads.push(r.url());
  };
  page.on("request", onRequest);
  // Twilio reports the reply read (the helper fails on any answer but 2xx).
  await sendStatus(server.base, { sid, status: "read", to: "whatsapp:+447700900078" });
  await reply.getByText("Read", { exact: true }).waitFor();
  await page.waitForTimeout(300);
  page.off("request", onRequest);
  assert.ok(frames.some((f) => f.json.event_type === "message.status" && f.json.message_id === sid && f.json.status === "read"));
  assert.deepEqual(reads, [], "the conversation was read again for a status its frame carried");
});

test("the page threw no error", () => {
  assert.deepEqual(pageErrors, []);
});
