// Quick replies as an administrator writes them, in headless Chromium against a real local-api;
// a plain agent sees no such page and the server refuses their writes.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { agentCall, launchChromium, openAdminPage, required, startLocalApi } from "./local-api.mjs";

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
  await openAdminPage(page, "Quick replies");
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

test("the administrators' pages are in one Manage menu, and the top bar stays one row", async () => {
  const manage = page.getByRole("button", { name: "Manage", exact: true });
  const menu = page.locator("#manage-menu");
  const topbar = page.locator("header.topbar");
  // Back from the quick replies page, the keyboard is on "Manage" (the page's own button is in the closed menu).
  await page.getByRole("button", { name: "Back to conversations" }).click();
  await page.waitForFunction(() => document.activeElement?.id === "open-manage");
  assert.ok((await topbar.boundingBox()).height < 80, "the top bar wrapped at 1366 px");
  assert.equal(await manage.getAttribute("aria-controls"), "manage-menu");
  await manage.click();
  assert.equal(await manage.getAttribute("aria-expanded"), "true");
  const names = await menu.getByRole("button").allTextContents();
  assert.deepEqual(names, ["Quick replies", "Outcomes", "Knowledge", "Scripts", "Audit", "Board"]);
  await page.screenshot({ path: join(shots, "manage-menu.png") });
  // Escape closes it and gives the keyboard back to "Manage".
  await menu.getByRole("button", { name: "Outcomes" }).focus();
  await page.keyboard.press("Escape");
  assert.equal(await menu.isVisible(), false);
  assert.equal(await manage.getAttribute("aria-expanded"), "false");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "open-manage");
  // Enter opens it again; a click outside closes it.
  await page.keyboard.press("Enter");
  await menu.getByRole("button", { name: "Board" }).waitFor();
  await page.getByRole("heading", { name: "Agent console" }).click();
  assert.equal(await menu.isVisible(), false);
  assert.equal(await manage.getAttribute("aria-expanded"), "false");
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
  assert.equal(await page.getByRole("button", { name: "Manage", exact: true }).count(), 0);
  assert.deepEqual(pageErrors, []);
});
