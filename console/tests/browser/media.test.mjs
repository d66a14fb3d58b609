// Media in the console, in headless Chromium against a real local-api and its Twilio stub: a
// customer's image opens through our media route with the agent's identity, and an agent's
// attachment is uploaded, then sent.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { agentCall, launchChromium, required, sendInbound, startLocalApi } from "./local-api.mjs";

const ADA = "whatsapp:+447700900011";
const TIMEOUT = 10_000;
/** A 1×1 PNG. */
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478" +
    "9c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082",
  "hex",
);

let server;
let browser;
let page;
let shots;
const pageErrors = [];
const foreignRequests = [];
const mediaRequests = [];

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
    if (url.protocol === "blob:") return;
    if (url.origin !== server.base && url.protocol !== "data:") foreignRequests.push(request.url());
    if (url.pathname.includes("/media")) mediaRequests.push({ path: url.pathname, headers: request.headers() });
  });
  await page.goto(server.base + "/");
  await page.getByRole("textbox", { name: "Agent ID" }).fill("agent-ada");
  await page.keyboard.press("Enter");
  await page.getByRole("combobox", { name: "Presence" }).selectOption({ label: "Available" });
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("a customer's image opens through our media route with the agent's identity", async () => {
  const sid = await sendInbound(server.base, { from: ADA, body: "", profileName: "Ada Media", media: { contentType: "image/png" } });
  await page.getByRole("alert", { name: "Conversation request from Ada Media" }).getByRole("button", { name: "Accept" }).click();
  const image = page.getByRole("log", { name: "Transcript" }).getByRole("img", { name: "Attachment from the customer 1 (image/png)" });
  await image.waitFor();
  await page.waitForFunction(() => document.querySelector(".message.inbound img")?.naturalWidth === 1);
  assert.match(await image.getAttribute("src"), /^blob:/);
  const routed = mediaRequests.filter((r) => r.path.endsWith(`/messages/${sid}/media/0`));
  assert.equal(routed.length, 1, JSON.stringify(mediaRequests));
  assert.equal(routed[0].headers["x-agent-id"], "agent-ada");
  // The page never asked Twilio (or its stub) itself.
  assert.deepEqual(mediaRequests.filter((r) => r.path.startsWith("/local/twilio")), []);
  await page.screenshot({ path: join(shots, "media-01-inbound-image.png") });
});

test("a file WhatsApp does not take is refused before it is sent", async () => {
  await page.getByLabel("Attach file").setInputFiles({ name: "setup.exe", mimeType: "application/x-msdownload", buffer: Buffer.from("MZ") });
  await page.getByText("setup.exe cannot be sent on WhatsApp", { exact: false }).waitFor();
  const uploads = mediaRequests.filter((r) => /\/conversations\/[^/]+\/media$/.test(r.path));
  assert.deepEqual(uploads, []);
});

test("an agent's attachment is uploaded, then sent with its caption", async () => {
  await page.getByLabel("Attach file").setInputFiles({ name: "label.png", mimeType: "image/png", buffer: PNG });
  await page.getByText("Attached: label.png").waitFor();
  await page.getByRole("combobox", { name: "Message" }).fill("Your return label");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const log = page.getByRole("log", { name: "Transcript" });
  const sent = log.locator(".message.outbound", { hasText: "Your return label" });
  await sent.getByText(/Queued|Sent|Delivered/).waitFor();
  // The reply records the address it was sent from (its type is Twilio's business).
  await sent.getByRole("link", { name: /Open attachment sent 1/ }).waitFor();

  const { json } = await agentCall(server.base, "agent-ada", "GET", "/conversations");
  const conversation = json.conversations.find((c) => c.customer.address === ADA);
  const full = await agentCall(server.base, "agent-ada", "GET", `/conversations/${conversation.id}`);
  const outbound = full.json.messages.find((m) => m.direction === "outbound");
  const mediaUrl = outbound.media[0].url;
  assert.match(mediaUrl, new RegExp(`^${server.base}/media/uploads/${conversation.id}/`));
  // What Twilio does with it: a GET without any credentials.
  const fetched = await fetch(mediaUrl);
  assert.equal(fetched.status, 200);
  assert.equal(fetched.headers.get("content-type"), "image/png");
  assert.deepEqual(Buffer.from(await fetched.arrayBuffer()), PNG);
  assert.equal(await page.getByText("Attached: label.png").count(), 0);
  await page.screenshot({ path: join(shots, "media-02-attachment-sent.png") });
});

test("nothing was loaded from another host and the page threw no error", () => {
  assert.deepEqual(foreignRequests, []);
  assert.deepEqual(pageErrors, []);
});
