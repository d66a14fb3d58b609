// Outcomes in headless Chromium against a real local-api: an administrator defines the outcome
// codes on the Outcomes page; an agent tags a conversation, creates a record in the CRM through
// local-api's in-memory stand-in (after a refusal and a failure, faked in the browser, that keep
// what was typed), closes the conversation, and the wrap-up form
// opens (outcome, summary with its count, tags, a linked CRM record); the header then shows the
// outcome and the record finds the conversation; an administrator's close of the agent's other
// conversation opens the agent's wrap-up by itself, Escape leaves it "Wrap-up pending"; Export
// opens the printable page and downloads the JSON; with no outcome codes the form says whom to
// ask; the wrap-up form creates a record too, in the system last used; accessible names, unique
// ids, 390 px; screenshots `outcomes-*.png`. With AXE_CORE (the path of axe.min.js) set, axe-core
// checks the linked records' panel too.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { agentCall, launchChromium, openAdminPage, required, sendInbound, startLocalApi } from "./local-api.mjs";

const ZOE = "whatsapp:+447700900071";
const ANA = "whatsapp:+447700900072";
const AGENT = "agent-oz";
const ADMIN = "agent-sup";
const TIMEOUT = 10_000;
const SUMMARY = "Refund of 12.50 sent; the parcel was lost in transit.";
const RECORD_URL = "https://crm.example.com/cases/42";
const NEW_RECORD_TITLE = "Card charged twice";
/** The CSAT survey: one of the local Twilio stand-in's approved templates. */
const SURVEY_SID = "HXa1b2c3d4e5f60718293a4b5c6d7e8f90";

let server;
let browser;
let page;
let admin;
let shots;
let zoeId;
let anaId;
const pageErrors = [];

async function shot(target, name) {
  await target.screenshot({ path: join(shots, `outcomes-${name}.png`), fullPage: false });
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

/** axe-core's violations inside `selector` (none checked, [] given, when AXE_CORE is not set). */
async function axeViolations(target, selector) {
  const path = process.env.AXE_CORE;
  if (!path || !existsSync(path)) return [];
  // Evaluated through the debugger, which the page's Content-Security-Policy (no inline script) does not stop.
  if (!(await target.evaluate(() => Boolean(window.axe)))) await target.evaluate(`${readFileSync(path, "utf8")}\n;void 0`);
  return target.evaluate(async (include) => {
    const result = await window.axe.run({ include: [include] }, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  }, selector);
}

async function newPage(who) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const created = await context.newPage();
  created.setDefaultTimeout(TIMEOUT);
  created.on("pageerror", (error) => pageErrors.push(`${who}: ${error.message}`));
  return created;
}

async function signIn(target, agentId, { admin: isAdmin = false } = {}) {
  await target.goto(server.base + "/");
  await target.getByRole("textbox", { name: "Agent ID" }).fill(agentId);
  if (isAdmin) await target.getByRole("checkbox", { name: "Sign in as an administrator" }).check();
  await target.getByRole("button", { name: "Sign in" }).click();
  await target.getByRole("combobox", { name: "Presence" }).waitFor();
}

async function conversationOf(address) {
  const { json } = await agentCall(server.base, ADMIN, "GET", `/customers/${encodeURIComponent(address)}`, null, "admins");
  return json.recent_conversations[0].id;
}

/** A customer writes and the agent accepts their request card. */
async function acceptFrom(address, name, body) {
  await sendInbound(server.base, { from: address, body, profileName: name });
  const card = page.getByRole("alert", { name: `Conversation request from ${name}` });
  await card.getByRole("button", { name: "Accept" }).click();
  await page.getByRole("log", { name: "Transcript" }).getByText(body).waitFor();
  return conversationOf(address);
}

function wrapUp(name) {
  return page.getByRole("dialog", { name: `Wrap-up: ${name}` });
}

before(async () => {
  shots = required("SCREENSHOT_DIR");
  mkdirSync(shots, { recursive: true });
  server = await startLocalApi({ env: { CSAT_CONTENT_SID: SURVEY_SID, CSAT_WAIT_MINUTES: "60" } });
  browser = await launchChromium();
  admin = await newPage("admin");
  page = await newPage("agent");
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("an administrator defines the outcome codes on the Outcomes page", async () => {
  await signIn(admin, ADMIN, { admin: true });
  await openAdminPage(admin, "Outcomes");
  const form = admin.getByRole("form", { name: "Save an outcome code" });
  await admin.getByText("No outcome codes yet: agents cannot record an outcome until you add one.").waitFor();
  // A code with a space is explained before anything is sent.
  await form.getByRole("textbox", { name: "Code (letters, digits, - and _)" }).fill("not resolved");
  await form.getByRole("textbox", { name: "Label" }).fill("Not resolved");
  await form.getByRole("button", { name: "Save outcome code" }).click();
  await admin.getByText("A code is 1 to 64 letters, digits, - or _ (for example resolved).").waitFor();

  const list = admin.getByRole("list", { name: "Outcome codes" });
  for (const [code, label] of [["resolved", "Solved"], ["callback", "Call back later"]]) {
    await form.getByRole("textbox", { name: "Code (letters, digits, - and _)" }).fill(code);
    await form.getByRole("textbox", { name: "Label" }).fill(label);
    await form.getByRole("button", { name: "Save outcome code" }).click();
    await list.getByText(label, { exact: true }).waitFor();
  }
  // Edit: the same code, another label.
  await admin.getByRole("button", { name: "Edit outcome Solved" }).click();
  await form.getByRole("textbox", { name: "Label" }).fill("Resolved");
  await form.getByRole("button", { name: "Save outcome code" }).click();
  await list.getByText("Resolved", { exact: true }).waitFor();
  await admin.getByText("Saved Resolved.").waitFor();
  await bothWidths(admin, "01-admin-page");

  // Every agent reads them, sorted by label; only administrators write them.
  const read = await agentCall(server.base, AGENT, "GET", "/dispositions");
  assert.equal(read.status, 200);
  assert.deepEqual(read.json.dispositions.map((d) => [d.code, d.label]), [["callback", "Call back later"], ["resolved", "Resolved"]]);
  const refused = await agentCall(server.base, AGENT, "PUT", "/dispositions/x", { label: "X" });
  assert.equal(refused.status, 403);
  await admin.getByRole("button", { name: "Back to conversations" }).click();
});

test("an agent tags an active conversation", async () => {
  await signIn(page, AGENT);
  await page.getByRole("combobox", { name: "Presence" }).selectOption("available");
  await page.getByText("No customer is waiting.").waitFor();
  zoeId = await acceptFrom(ZOE, "Zoë", "My parcel never arrived.");

  const tags = page.getByRole("region", { name: "Tags" });
  await tags.getByText("No tags yet.").waitFor();
  await tags.getByRole("textbox", { name: "New tags" }).fill("refund, Refund ,vip");
  await tags.getByRole("button", { name: "Add tags" }).click();
  const chips = tags.getByRole("list", { name: "Tags" });
  await chips.getByRole("button", { name: "Remove tag vip" }).waitFor();
  assert.deepEqual(await chips.getByRole("listitem").allInnerTexts().then((t) => t.map((s) => s.replace("×", "").trim())), ["refund", "vip"]);
  await chips.getByRole("button", { name: "Remove tag vip" }).click();
  await chips.getByRole("button", { name: "Remove tag vip" }).waitFor({ state: "detached" });
  // A tag over 32 characters is explained, nothing sent.
  await tags.getByRole("textbox", { name: "New tags" }).fill("x".repeat(33));
  await tags.getByRole("button", { name: "Add tags" }).click();
  await tags.getByText(/^A tag is at most 32 characters/).waitFor();
  await tags.getByRole("textbox", { name: "New tags" }).fill("");
  const view = await agentCall(server.base, AGENT, "GET", `/conversations/${zoeId}`);
  assert.deepEqual(view.json.tags, ["refund"]);
  const found = await agentCall(server.base, AGENT, "GET", "/conversations?tag=refund");
  assert.deepEqual(found.json.conversations.map((c) => c.id), [zoeId]);
  await bothWidths(page, "02-tags", () => tags.scrollIntoViewIfNeeded());
});

test("an agent creates a record in the CRM from the conversation view; a failure keeps what was typed", async () => {
  const records = page.getByRole("main").getByRole("region", { name: "Linked records" });
  const create = records.getByRole("form", { name: "Create a record" });
  const system = create.getByRole("textbox", { name: "System" });
  const title = create.getByRole("textbox", { name: "Title" });
  // Prefilled: the system "crm" (none used yet), the customer's name.
  assert.equal(await system.inputValue(), "crm");
  assert.equal(await title.inputValue(), "WhatsApp conversation with Zoë");
  // An empty title is explained before anything is sent.
  await title.fill("  ");
  await create.getByRole("button", { name: "Create record" }).click();
  await create.getByRole("alert").getByText("Enter a title for the new record.").waitFor();
  assert.equal(await title.getAttribute("aria-invalid"), "true");
  await title.fill(NEW_RECORD_TITLE);
  await create.getByRole("alert").waitFor({ state: "hidden" });

  // The CRM fails (faked here: local-api's stand-in always succeeds); held until the button was seen waiting.
  const path = `**/conversations/${zoeId}/records`;
  const sent = [];
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route(path, async (route) => {
    sent.push(route.request().postDataJSON());
    await held;
    await route.fulfill({
      status: 502,
      contentType: "application/json",
      body: JSON.stringify({ error: "records_webhook_failed", message: "The CRM did not create the record; nothing was linked. Try again, or link an existing record." }),
    });
  });
  await create.getByRole("button", { name: "Create record" }).click();
  const creating = create.getByRole("button", { name: "Creating…" });
  await creating.waitFor();
  assert.equal(await creating.isDisabled(), true);
  await bothWidths(page, "02b-creating-record", () => create.scrollIntoViewIfNeeded());
  release();
  await create
    .getByRole("alert")
    .getByText("The records system did not create the record, so nothing was linked. Try again, or link an existing record.")
    .waitFor();
  assert.equal(await create.getByRole("button", { name: "Create record" }).isEnabled(), true);
  assert.equal(await title.inputValue(), NEW_RECORD_TITLE);
  assert.equal(await system.inputValue(), "crm");
  assert.deepEqual(sent, [{ system: "crm", create: true, title: NEW_RECORD_TITLE }]);
  await records.getByText("No records linked.").waitFor();
  await bothWidths(page, "02c-create-record-failed", () => create.scrollIntoViewIfNeeded());

  // No records system configured (503): said in words, what was typed still there.
  await page.unroute(path);
  await page.route(path, (route) =>
    route.fulfill({
      status: 503,
      contentType: "application/json",
      body: JSON.stringify({ error: "records_webhook_unavailable", message: "This deployment has no records webhook (RECORDS_WEBHOOK_URL) to create records with." }),
    }),
  );
  await create.getByRole("button", { name: "Create record" }).click();
  await create.getByRole("alert").getByText("No records system is connected to this channel; link an existing record instead.").waitFor();
  assert.equal(await title.inputValue(), NEW_RECORD_TITLE);
  await page.unroute(path);

  // Through local-api's in-memory CRM: it chooses the id, and the link appears as a linked one does.
  await create.getByRole("button", { name: "Create record" }).click();
  const link = records.getByRole("link", { name: "crm REC-1 (opens in a new tab)" });
  await link.waitFor();
  assert.equal(await link.getAttribute("href"), "https://records.example.com/REC-1");
  await records.getByRole("status").filter({ hasText: "Record REC-1 created and linked." }).waitFor({ state: "attached" });
  await create.getByRole("alert").waitFor({ state: "hidden" });
  await records.getByRole("button", { name: "Unlink crm REC-1" }).waitFor();
  // The title empties (a second press would create a second record); the system stays.
  assert.equal(await title.inputValue(), "");
  assert.equal(await system.inputValue(), "crm");
  await bothWidths(page, "02d-record-created", () => create.scrollIntoViewIfNeeded());
  assert.deepEqual(await axeViolations(page, "main .records-panel"), []);

  const view = await agentCall(server.base, AGENT, "GET", `/conversations/${zoeId}`);
  assert.deepEqual(view.json.records.map((r) => [r.system, r.id, r.url, r.linked_by]), [["crm", "REC-1", "https://records.example.com/REC-1", AGENT]]);
});

test("closing the conversation opens the wrap-up form, which records the outcome, a summary and a CRM record", async () => {
  await page.getByRole("button", { name: "Close conversation" }).click();
  const dialog = wrapUp("Zoë");
  await dialog.waitFor();
  const outcome = dialog.getByRole("combobox", { name: "Outcome" });
  await outcome.locator("option", { hasText: "Resolved" }).waitFor({ state: "attached" });
  // The keyboard is in the form.
  await page.waitForFunction(() => document.activeElement?.closest("dialog")?.id === "wrapup");
  assert.equal(await dialog.getByRole("textbox", { name: "Tags" }).inputValue(), "refund");
  assert.deepEqual(await outcome.locator("option").allInnerTexts(), ["Choose an outcome", "Call back later", "Resolved"]);

  // Save with nothing chosen, then a summary too long: both said in words.
  await dialog.getByRole("button", { name: "Save outcome" }).click();
  await dialog.getByText("Choose an outcome.", { exact: true }).waitFor();
  await outcome.selectOption("resolved");
  const summary = dialog.getByRole("textbox", { name: "Summary (optional)" });
  await summary.fill("a".repeat(2001));
  await dialog.getByText("1 character too many (2,001 of 2,000)").waitFor();
  await dialog.getByRole("button", { name: "Save outcome" }).click();
  await dialog.getByText("The summary is at most 2,000 characters: 1 character too many (2,001 of 2,000).").waitFor();
  await summary.fill(SUMMARY);
  await dialog.getByText(`${SUMMARY.length} of 2,000 characters`).waitFor();
  await dialog.getByRole("textbox", { name: "Tags" }).fill("refund, lost-parcel");

  // A record: the link must be https; then linked at once.
  const records = dialog.getByRole("region", { name: "Linked records" });
  await records.getByRole("link", { name: "crm REC-1 (opens in a new tab)" }).waitFor();
  const linkForm = records.getByRole("form", { name: "Link a record" });
  await linkForm.getByRole("textbox", { name: "System" }).fill("crm");
  await linkForm.getByRole("textbox", { name: "Record ID" }).fill("CASE-42");
  await linkForm.getByRole("textbox", { name: "Link (https, optional)" }).fill("http://crm.example.com/cases/42");
  await linkForm.getByRole("button", { name: "Link record" }).click();
  await records.getByText("The link must be a full https:// address.").waitFor();
  await linkForm.getByRole("textbox", { name: "Link (https, optional)" }).fill(RECORD_URL);
  await linkForm.getByRole("button", { name: "Link record" }).click();
  const link = records.getByRole("link", { name: "crm CASE-42 (opens in a new tab)" });
  await link.waitFor();
  assert.equal(await link.getAttribute("href"), RECORD_URL);
  await bothWidths(page, "03-wrap-up-form", () => dialog.getByRole("heading", { name: "Wrap-up: Zoë" }).scrollIntoViewIfNeeded());

  await dialog.getByRole("button", { name: "Save outcome" }).click();
  await dialog.waitFor({ state: "hidden" });
  const header = page.getByRole("region", { name: "Zoë" }).locator(".conversation-header");
  await header.getByText(`Outcome: Resolved — ${SUMMARY} (recorded by ${AGENT})`).waitFor();
  await header.getByRole("button", { name: "Edit outcome" }).waitFor();
  await page.locator("#closed-conversations").getByRole("button", { name: /Zoë\s*Closed/ }).waitFor();
  // The conversation view's linked records and tags follow.
  const panelRecords = page.getByRole("main").getByRole("region", { name: "Linked records" });
  await panelRecords.getByRole("link", { name: "crm CASE-42 (opens in a new tab)" }).waitFor();
  await page.getByRole("region", { name: "Tags" }).getByRole("button", { name: "Remove tag lost-parcel" }).waitFor();
  await bothWidths(page, "04-outcome-in-header", () => header.scrollIntoViewIfNeeded());

  const view = await agentCall(server.base, AGENT, "GET", `/conversations/${zoeId}`);
  assert.equal(view.json.outcome.disposition, "resolved");
  assert.equal(view.json.outcome.summary, SUMMARY);
  assert.deepEqual(view.json.tags, ["refund", "lost-parcel"]);
  assert.deepEqual(
    view.json.records.map((r) => [r.system, r.id, r.url]).sort(),
    [["crm", "CASE-42", RECORD_URL], ["crm", "REC-1", "https://records.example.com/REC-1"]],
  );
  const byRecord = await agentCall(server.base, AGENT, "GET", "/conversations?record=crm:CASE-42");
  assert.equal(byRecord.status, 200);
  assert.deepEqual(byRecord.json.conversations.map((c) => c.id), [zoeId]);
});

test("the customer's answer to the survey shows as their rating", async () => {
  // Closed with the window open: the survey went out; Zoë answers 5.
  await sendInbound(server.base, { from: ZOE, body: "5", profileName: "Zoë" });
  const header = page.getByRole("region", { name: "Zoë" }).locator(".conversation-header");
  // Re-read on the frame of her message, or when the row is opened again.
  await page.locator("#closed-conversations").getByRole("button", { name: /Zoë\s*Closed/ }).click();
  await header.getByText("Customer rated 5 of 5", { exact: true }).waitFor();
  const view = await agentCall(server.base, AGENT, "GET", `/conversations/${zoeId}`);
  assert.equal(view.json.csat.score, 5);
  assert.equal(view.json.state, "closed", "the answer opens no new request");
  // The survey in the transcript is the channel's, not an agent's.
  const panel = page.getByRole("region", { name: "Zoë" });
  await panel.locator(".who").filter({ hasText: /^Satisfaction survey$/ }).first().waitFor();
  assert.equal(await panel.locator(".who").filter({ hasText: "csat-survey" }).count(), 0);
  await bothWidths(page, "05-rating", () => header.scrollIntoViewIfNeeded());

  // Her next conversation: the summary's previous one says how it ended and how she rated it.
  await acceptFrom(ZOE, "Zoë", "Thanks! One more question about my order.");
  const summary = page.getByRole("complementary", { name: "Customer summary" });
  const previous = summary.getByRole("button", { name: /Open the conversation of .* \(closed\): Resolved · Rated 5 of 5/ });
  await previous.waitFor();
  await summary.screenshot({ path: join(shots, "outcomes-05-summary-previous.png") });
});

test("an administrator's close of the agent's conversation opens the agent's wrap-up form by itself", async () => {
  anaId = await acceptFrom(ANA, "Ana", "Can I change my delivery address?");
  const closed = await agentCall(server.base, ADMIN, "POST", `/conversations/${anaId}/close`, null, "admins");
  assert.equal(closed.status, 200, JSON.stringify(closed.json));
  const dialog = wrapUp("Ana");
  await dialog.waitFor();
  await dialog.getByText(`${ADMIN} closed this conversation at`).waitFor();
  await page.waitForFunction(() => document.activeElement?.closest("dialog")?.id === "wrapup");
  await bothWidths(page, "06-wrap-up-after-admin-close");

  // Escape leaves it for later: pending in Recently closed and in the header.
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  const row = page.locator("#closed-conversations").getByRole("button", { name: /Ana\s*Wrap-up pending/ });
  await row.waitFor();
  await row.click();
  const header = page.getByRole("region", { name: "Ana" }).locator(".conversation-header");
  await header.getByText("Wrap-up pending: no outcome recorded yet.").waitFor();
  await bothWidths(page, "07-wrap-up-pending", () => row.scrollIntoViewIfNeeded());
  // It does not open again by itself; "Wrap up" brings it back, and Later leaves it.
  await header.getByRole("button", { name: "Wrap up" }).click();
  await dialog.waitFor();
  await dialog.getByRole("button", { name: "Later" }).click();
  await dialog.waitFor({ state: "hidden" });
  await page.waitForFunction(() => document.activeElement?.textContent === "Wrap up");
});

test("Export opens the printable page and downloads the JSON of the whole conversation", async () => {
  await page.locator("#closed-conversations").getByRole("button", { name: /Zoë\s*Closed/ }).click();
  const header = page.getByRole("region", { name: "Zoë" }).locator(".conversation-header");
  await header.getByText(/^Outcome: Resolved/).waitFor();
  await header.locator("summary", { hasText: "Export" }).click();
  const [printable] = await Promise.all([
    page.context().waitForEvent("page"),
    header.getByRole("button", { name: "Printable page" }).click(),
  ]);
  await printable.waitForLoadState();
  assert.match(printable.url(), /^blob:/);
  // Its own styles, applied by the console (the console's policy refuses the page's <style>), and no script.
  await printable.waitForFunction(() => document.adoptedStyleSheets.length > 0);
  assert.notEqual(await printable.evaluate(() => getComputedStyle(document.body).maxWidth), "none");
  assert.equal(await printable.evaluate(() => window.opener), null);
  const text = await printable.locator("body").innerText();
  assert.ok(text.includes("My parcel never arrived."), text);
  assert.ok(text.includes("Resolved"), text);
  assert.ok(text.includes(SUMMARY), text);
  // The CSAT survey is the Satisfaction survey's, not an "Agent csat-survey".
  assert.ok(text.includes("Satisfaction survey") && !text.includes("csat-survey"), text);
  await printable.setViewportSize({ width: 1366, height: 768 });
  await shot(printable, "08-printable-page-1366");
  await printable.close();
  await header.getByRole("button", { name: "Open the printable page again" }).waitFor();
  await bothWidths(page, "09-export-menu", () => header.scrollIntoViewIfNeeded());

  // The same page, as the API serves it to the assigned agent (and to no other agent).
  const response = await fetch(`${server.base}/conversations/${zoeId}/export?format=html`, { headers: { "X-Agent-Id": AGENT } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /^text\/html/);
  const html = await response.text();
  assert.ok(html.includes("My parcel never arrived.") && html.includes("Resolved") && html.includes("CASE-42"));
  const stranger = await agentCall(server.base, "agent-other", "GET", `/conversations/${zoeId}/export?format=json`);
  assert.equal(stranger.status, 403);

  const [download] = await Promise.all([page.waitForEvent("download"), header.getByRole("button", { name: "Download JSON" }).click()]);
  assert.match(download.suggestedFilename(), /\.json$/);
  const exported = JSON.parse(readFileSync(await download.path(), "utf8"));
  const flat = JSON.stringify(exported);
  assert.ok(flat.includes("My parcel never arrived.") && flat.includes("CASE-42") && flat.includes(SUMMARY), flat.slice(0, 500));
  await header.getByText(`Downloaded ${download.suggestedFilename()}.`).waitFor();
});

test("with no outcome codes the wrap-up form says to ask an administrator", async () => {
  await openAdminPage(admin, "Outcomes");
  for (const label of ["Resolved", "Call back later"]) {
    await admin.getByRole("button", { name: `Delete outcome ${label}` }).click();
    await admin.getByRole("button", { name: `Delete outcome ${label}` }).waitFor({ state: "detached" });
  }
  await admin.getByText("No outcome codes yet: agents cannot record an outcome until you add one.").waitFor();

  await page.locator("#closed-conversations").getByRole("button", { name: /Ana\s*Wrap-up pending/ }).click();
  await page.getByRole("region", { name: "Ana" }).getByRole("button", { name: "Wrap up" }).click();
  const dialog = wrapUp("Ana");
  await dialog.getByText(/^No outcomes have been defined yet, so none can be recorded: ask an administrator/).waitFor();
  assert.equal(await dialog.getByRole("button", { name: "Save outcome" }).isDisabled(), true);
  await bothWidths(page, "10-no-outcome-codes");
  await dialog.getByRole("button", { name: "Later" }).click();
  await dialog.waitFor({ state: "hidden" });
});

test("the wrap-up form creates a record too, and the conversation view follows", async () => {
  await page.getByRole("region", { name: "Ana" }).getByRole("button", { name: "Wrap up" }).click();
  const dialog = wrapUp("Ana");
  const records = dialog.getByRole("region", { name: "Linked records" });
  const create = records.getByRole("form", { name: "Create a record" });
  assert.equal(await create.getByRole("textbox", { name: "Title" }).inputValue(), "WhatsApp conversation with Ana");
  // Another system than the one last used.
  await create.getByRole("textbox", { name: "System" }).fill("helpdesk");
  await create.getByRole("textbox", { name: "Title" }).fill("Change of delivery address");
  await create.getByRole("button", { name: "Create record" }).click();
  await records.getByRole("link", { name: "helpdesk REC-2 (opens in a new tab)" }).waitFor();
  await records.getByRole("status").filter({ hasText: "Record REC-2 created and linked." }).waitFor({ state: "attached" });
  await bothWidths(page, "11-wrap-up-record-created", () => create.scrollIntoViewIfNeeded());
  assert.deepEqual(await axeViolations(page, "dialog#wrapup .records-panel"), []);
  await dialog.getByRole("button", { name: "Later" }).click();
  await dialog.waitFor({ state: "hidden" });
  // The conversation view behind it shows the new link without a re-read.
  const panelRecords = page.getByRole("main").getByRole("region", { name: "Linked records" });
  await panelRecords.getByRole("link", { name: "helpdesk REC-2 (opens in a new tab)" }).waitFor();
  const view = await agentCall(server.base, AGENT, "GET", `/conversations/${anaId}`);
  assert.deepEqual(view.json.records.map((r) => [r.system, r.id, r.linked_by]), [["helpdesk", "REC-2", AGENT]]);
});

test("every control has an accessible name, ids are unique and the page fits 390 px", async () => {
  // The wrap-up form and the conversation view at once (the dialog holds its own record forms).
  await page.getByRole("region", { name: "Ana" }).getByRole("button", { name: "Wrap up" }).click();
  await wrapUp("Ana").waitFor();
  // A new record starts in the system last used.
  const create = wrapUp("Ana").getByRole("form", { name: "Create a record" });
  assert.equal(await create.getByRole("textbox", { name: "System" }).inputValue(), "helpdesk");
  for (const target of [page, admin]) {
    const unnamed = await target.evaluate(() =>
      [...document.querySelectorAll("button, input, select, textarea, a[href], summary")]
        .filter((el) => el.offsetParent !== null || el.closest("dialog[open]"))
        .filter((el) => {
          const labelled = el.labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
          return !labelled && !el.textContent.trim();
        })
        .map((el) => el.outerHTML),
    );
    assert.deepEqual(unnamed, []);
    const duplicates = await target.evaluate(() => {
      const ids = [...document.querySelectorAll("[id]")].map((el) => el.id);
      return ids.filter((id, i) => ids.indexOf(id) !== i);
    });
    assert.deepEqual(duplicates, []);
    await target.setViewportSize({ width: 390, height: 844 });
    const overflow = await target.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a 390px window`);
    await target.setViewportSize({ width: 1366, height: 768 });
  }
  await page.keyboard.press("Escape");
});

test("the pages threw no error", () => {
  assert.deepEqual(pageErrors, []);
});
