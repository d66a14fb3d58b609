// Deferred replies in the browser: after the 24-hour window, a reply left for later waits in the
// transcript, can be cancelled, and goes out (once) when the customer writes again.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";

import { launchChromium, required, sendInbound, startLocalApi } from "./local-api.mjs";

const CUSTOMER = "whatsapp:+447700900091";
let server;
let browser;
let page;
const pageErrors = [];

before(async () => {
  server = await startLocalApi();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(server.base + "/");
  await page.getByRole("textbox", { name: "Agent ID" }).fill("agent-later");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("combobox", { name: "Presence" }).selectOption("available");
  await sendInbound(server.base, { from: CUSTOMER, body: "Where is my refund?", profileName: "Rafa" });
  await page.getByRole("alert", { name: "Conversation request from Rafa" }).getByRole("button", { name: "Accept" }).click();
  await page.getByRole("heading", { name: "Rafa" }).waitFor();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

const transcript = () => page.getByRole("log", { name: "Transcript" });

test("after 24 hours a reply can be left for when the customer writes again", async () => {
  const moved = await fetch(`${server.base}/local/clock`, {
    method: "POST",
    body: JSON.stringify({ advance_seconds: 25 * 3600 }),
  });
  assert.equal(moved.status, 200);
  const later = page.getByRole("textbox", { name: "Reply when the customer writes again" });
  await later.fill("Your refund went out today.");
  await page.getByRole("button", { name: "Send when they write" }).click();
  const kept = transcript().locator(".message.outbound", { hasText: "Your refund went out today." });
  await kept.getByText("Deferred: goes out when the customer writes again").waitFor();

  await later.fill("Ignore this one.");
  await page.getByRole("button", { name: "Send when they write" }).click();
  const dropped = transcript().locator(".message.outbound", { hasText: "Ignore this one." });
  await dropped.getByRole("button", { name: "Cancel deferred reply" }).click();
  await dropped.getByText("Canceled", { exact: true }).waitFor();
  await page.screenshot({ path: join(required("SCREENSHOT_DIR"), "09-deferred.png") });
});

test("the kept reply goes out once when the customer writes again, the cancelled one never", async () => {
  await sendInbound(server.base, { from: CUSTOMER, body: "Any news?", profileName: "Rafa" });
  const sent = transcript().locator(".message.outbound", { hasText: "Your refund went out today." });
  await sent.getByText("Delivered", { exact: true }).waitFor();
  assert.equal(await sent.count(), 1, "the reply shows once");
  assert.equal(await transcript().locator(".message.outbound", { hasText: "Ignore this one." }).getByText("Canceled").count(), 1);
  await page.screenshot({ path: join(required("SCREENSHOT_DIR"), "10-deferred-sent.png") });
});

test("the page threw no error", () => {
  assert.deepEqual(pageErrors, []);
});
