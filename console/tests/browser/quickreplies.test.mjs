// Quick replies as an administrator writes them, in headless Chromium against a real local-api;
// a plain agent sees no such page and the server refuses their writes.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { agentCall, launchChromium, required, startLocalApi } from "./local-api.mjs";

let server;
let browser;
let page;
let shots;
const pageErrors = [];

before(async () => {
  shots = required("SCREENSHOT_DIR");
  mkdirSync(shots, { recursive: true });
  server = await startLocalApi();
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (error) => pageErrors.push(error.message));
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("an administrator saves, edits and deletes a quick reply", async () => {
  await page.goto(server.base + "/");
  await page.getByRole("textbox", { name: "Agent ID" }).fill("agent-admin");
  await page.getByRole("checkbox", { name: "Sign in as an administrator" }).check();
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Quick replies" }).click();
  await page.getByRole("textbox", { name: "ID (letters, digits, - and _)" }).fill("returns");
  await page.getByRole("textbox", { name: "Title" }).fill("Returns");
  await page.getByRole("textbox", { name: "Text" }).fill("Returns are free within 30 days.");
  await page.getByRole("button", { name: "Save quick reply" }).click();
  const list = page.getByRole("list", { name: "Quick replies" });
  await list.getByText("Returns are free within 30 days.").waitFor();
  await page.screenshot({ path: join(shots, "quick-replies-admin.png") });
  // Every agent reads it.
  const read = await agentCall(server.base, "agent-plain", "GET", "/quick-replies");
  assert.equal(read.json.quick_replies[0].body, "Returns are free within 30 days.");
  await page.getByRole("button", { name: "Edit quick reply Returns" }).click();
  await page.getByRole("textbox", { name: "Text" }).fill("Returns are free within 60 days.");
  await page.getByRole("button", { name: "Save quick reply" }).click();
  await list.getByText("Returns are free within 60 days.").waitFor();
  await page.getByRole("button", { name: "Delete quick reply Returns" }).click();
  await page.getByText("No quick replies yet.").waitFor();
});

test("a plain agent has no quick replies page and the server refuses their writes", async () => {
  const refused = await agentCall(server.base, "agent-plain", "PUT", "/quick-replies/x", { title: "X", body: "Y" });
  assert.equal(refused.status, 403);
  assert.equal(refused.json.error, "forbidden");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("textbox", { name: "Agent ID" }).fill("agent-plain");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("combobox", { name: "Presence" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Quick replies" }).count(), 0);
  assert.deepEqual(pageErrors, []);
});
