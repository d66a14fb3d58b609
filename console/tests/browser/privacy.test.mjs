// Privacy in headless Chromium against a real local-api: an administrator places a legal hold on
// a customer from the customer summary (an inline confirmation first, Cancel keeps it off) and
// still sees it after a reload; an agent sees neither the hold nor the export; the administrator
// downloads the customer's data as JSON (their message in it); the Audit page lists the hold and
// the export that the server recorded, customers pseudonymised, filters by action, customer and
// actor, says when nothing matches, shows the server's reason for a refused time range, and
// pages with Load more; accessible names, unique ids, 390 px. Erasing: a held customer's Erase
// customer… is disabled with its reason, and a hold the page had not heard of is explained when
// the server refuses; the administrator erases the customer who wrote (what is deleted said plainly,
// the number typed to confirm, Cancel and Escape change nothing), follows its progress to done,
// and the summary, the server and the queue no longer have them; an agent has no such control.
// Screenshots `privacy-*.png`.
// With AXE_CORE (the path of axe.min.js) set, axe-core checks the controls and the Audit page.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { agentCall, launchChromium, openAdminPage, required, sendInbound, startLocalApi } from "./local-api.mjs";
import { fieldTime } from "../../js/privacy.js";

const ZOE = "whatsapp:+447700900091";
const ANA = "whatsapp:+447700900092";
const AGENT = "agent-oz";
const ADMIN = "agent-sup";
const TIMEOUT = 10_000;
const ZOE_SAYS = "Please send me everything you hold about me.";
const ANA_SAYS = "Where is my parcel?";
const QUICK_REPLIES = 55;

let server;
let browser;
let page;
let admin;
let shots;
const pageErrors = [];
const axeReports = [];

async function shot(target, name) {
  await target.screenshot({ path: join(shots, `privacy-${name}.png`), fullPage: false });
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

/** axe-core on `selector` as it is (only when AXE_CORE names axe.min.js): violations kept for the last test. */
async function axe(target, state, selector) {
  const path = process.env.AXE_CORE;
  if (!path || !existsSync(path)) return;
  // Evaluated through the debugger, which the page's Content-Security-Policy (no inline script) does not stop.
  if (!(await target.evaluate(() => Boolean(window.axe)))) await target.evaluate(`${readFileSync(path, "utf8")}\n;void 0`);
  const violations = await target.evaluate(async (include) => {
    const result = await window.axe.run({ include: [include] }, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  }, selector);
  axeReports.push({ state, violations });
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

/** A customer writes and `target` accepts their request card. */
async function acceptFrom(target, address, name, body) {
  await sendInbound(server.base, { from: address, body, profileName: name });
  await target.getByRole("alert", { name: `Conversation request from ${name}` }).getByRole("button", { name: "Accept" }).click();
  await target.getByRole("log", { name: "Transcript" }).getByText(body).waitFor();
}

const summary = (target) => target.getByRole("complementary", { name: "Customer summary" });
const privacy = (target) => summary(target).getByRole("region", { name: "Data protection" });
const auditTable = () => admin.getByRole("table", { name: "Audit entries, newest first" });
const filters = () => admin.getByRole("form", { name: "Filter the audit log" });

/** The Action column of every row shown. */
async function actionsShown() {
  return auditTable().locator("tbody tr td:nth-child(3)").allInnerTexts();
}

/** Show entries, then wait for the answer (the status says "Reading…" from the click until it comes). */
async function showEntries() {
  await filters().getByRole("button", { name: "Show entries" }).click();
  await admin.waitForFunction(() => !document.querySelector(".audit-status")?.textContent.startsWith("Reading"));
}

before(async () => {
  shots = required("SCREENSHOT_DIR");
  mkdirSync(shots, { recursive: true });
  server = await startLocalApi();
  browser = await launchChromium();
  admin = await newPage("admin");
  page = await newPage("agent");
});

after(async () => {
  await browser?.close();
  server?.stop();
  if (axeReports.length) console.log(`axe-core:\n${JSON.stringify(axeReports, null, 1)}`);
});

test("an administrator places a legal hold from the customer summary, after confirming it", async () => {
  await signIn(admin, ADMIN, { admin: true });
  await admin.getByRole("combobox", { name: "Presence" }).selectOption("available");
  await admin.getByText("No customer is waiting.").waitFor();
  await acceptFrom(admin, ZOE, "Zoë", ZOE_SAYS);

  const controls = privacy(admin);
  await controls.getByText("Not on hold", { exact: true }).waitFor();
  const place = controls.getByRole("button", { name: "Place legal hold" });
  await controls.getByRole("button", { name: "Export customer data" }).waitFor();

  // Asked in place (no window.confirm); Cancel changes nothing and gives the keyboard back.
  await place.click();
  await controls.getByText(/^Place a legal hold on this customer\?/).waitFor();
  assert.equal(await admin.evaluate(() => document.activeElement?.textContent), "Yes, place hold");
  await bothWidths(admin, "01-hold-confirm", () => controls.scrollIntoViewIfNeeded());
  await axe(admin, "the legal hold's confirmation", "#summary");
  await controls.getByRole("button", { name: "Cancel" }).click();
  await place.waitFor();
  assert.equal(await admin.evaluate(() => document.activeElement?.textContent), "Place legal hold");
  assert.equal((await agentCall(server.base, ADMIN, "GET", `/customers/${encodeURIComponent(ZOE)}`, null, "admins")).json.legal_hold, null);

  await place.click();
  await controls.getByRole("button", { name: "Yes, place hold" }).click();
  await controls.getByText("Legal hold placed.").waitFor();
  await controls.getByText(new RegExp(`^On legal hold since .+ by ${ADMIN}$`)).waitFor();
  await controls.getByRole("button", { name: "Release legal hold" }).waitFor();
  assert.equal(await admin.evaluate(() => document.activeElement?.textContent), "Release legal hold");
  const read = await agentCall(server.base, ADMIN, "GET", `/customers/${encodeURIComponent(ZOE)}`, null, "admins");
  assert.equal(read.json.legal_hold?.set_by, ADMIN, JSON.stringify(read.json.legal_hold));
  await bothWidths(admin, "02-on-hold", () => controls.scrollIntoViewIfNeeded());
  await axe(admin, "on legal hold", "#summary");

  // Read from the server again after a reload.
  await admin.reload();
  await admin.getByRole("combobox", { name: "Presence" }).waitFor();
  await admin.locator("#my-conversations").getByRole("button", { name: /Zoë/ }).click();
  await privacy(admin).getByText(new RegExp(`^On legal hold since .+ by ${ADMIN}$`)).waitFor();
});

test("an agent sees neither the legal hold nor the export, and the server refuses them", async () => {
  await signIn(page, AGENT);
  await page.getByRole("combobox", { name: "Presence" }).selectOption("available");
  await page.getByText("No customer is waiting.").waitFor();
  await acceptFrom(page, ANA, "Ana", ANA_SAYS);
  await summary(page).getByText("+447700900092").waitFor();
  // The summary has read the server's answer (the conversation count comes from it).
  await summary(page).getByRole("heading", { name: "Previous conversations" }).waitFor();
  assert.equal(await summary(page).getByRole("region", { name: "Data protection" }).count(), 0);
  for (const name of ["Place legal hold", "Release legal hold", "Export customer data", "Erase customer…"]) {
    assert.equal(await page.getByRole("button", { name }).count(), 0, name);
  }
  assert.equal(await page.getByText(/legal hold/i).count(), 0);
  assert.equal(await page.getByRole("button", { name: "Audit", exact: true }).isVisible(), false);
  assert.equal(await page.getByRole("button", { name: "Manage", exact: true }).count(), 0);
  // Nor does the module load for an agent.
  assert.equal(await page.evaluate(() => performance.getEntriesByType("resource").some((e) => /customer-privacy|privacy\.css|audit\.js/.test(e.name))), false);

  const enc = encodeURIComponent;
  assert.equal((await agentCall(server.base, AGENT, "PUT", `/customers/${enc(ANA)}/hold`, { hold: true })).status, 403);
  assert.equal((await agentCall(server.base, AGENT, "GET", `/customers/${enc(ANA)}/export`)).status, 403);
  assert.equal((await agentCall(server.base, AGENT, "GET", "/audit")).status, 403);
  const refused = await agentCall(server.base, AGENT, "DELETE", `/customers/${enc(ANA)}`);
  assert.deepEqual([refused.status, refused.json?.error], [403, "forbidden"]);
  assert.equal((await agentCall(server.base, AGENT, "GET", "/erasures/00000000-0000-4000-8000-000000000000")).status, 403);
  await bothWidths(page, "03-agent-summary", () => summary(page).scrollIntoViewIfNeeded());
});

test("the administrator downloads everything held about the customer as JSON", async () => {
  const controls = privacy(admin);
  const [download] = await Promise.all([
    admin.waitForEvent("download"),
    controls.getByRole("button", { name: "Export customer data" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "customer-447700900091.json");
  const exported = JSON.parse(readFileSync(await download.path(), "utf8"));
  assert.equal(exported.format_version, 1);
  assert.equal(exported.customer, ZOE);
  assert.equal(exported.legal_hold?.set_by, ADMIN);
  assert.ok(exported.conversations.length >= 1);
  assert.ok(JSON.stringify(exported.conversations).includes(ZOE_SAYS), JSON.stringify(exported).slice(0, 500));
  assert.ok(!JSON.stringify(exported).includes(ANA_SAYS), "another customer's message in the export");
  await controls.getByText("Downloaded customer-447700900091.json.").waitFor();
  await bothWidths(admin, "04-exported", () => controls.scrollIntoViewIfNeeded());
});

test("the Audit page lists the hold and the export, customers pseudonymised", async () => {
  await openAdminPage(admin, "Audit");
  await admin.getByRole("heading", { name: "Audit", level: 2 }).waitFor();
  // Choosing it closed the "Manage" menu; its button, in the menu, says the page is open.
  assert.equal(await admin.getByRole("button", { name: "Manage", exact: true }).getAttribute("aria-expanded"), "false");
  assert.equal(await admin.locator("#open-audit").getAttribute("aria-expanded"), "true");
  // The page's first field has the keyboard.
  assert.equal(await admin.evaluate(() => document.activeElement?.id), "audit-actor");
  await auditTable().waitFor();
  const actions = await actionsShown();
  // Newest first: the export, then the hold (with the signing in and accepting before them).
  const exported = actions.indexOf("Exported a customer's data");
  const held = actions.indexOf("Placed a legal hold");
  assert.ok(exported >= 0 && held > exported, actions.join(" | "));
  assert.ok(actions.includes("Accepted a conversation"), actions.join(" | "));

  const holdRow = auditTable().locator("tbody tr", { hasText: "Placed a legal hold" });
  const cells = await holdRow.locator("td").allInnerTexts();
  assert.equal(cells[1], ADMIN);
  assert.match(cells[3], /^Customer \(pseudonymised\)\s+hmac:[0-9a-f]{32}$/);
  assert.equal(cells[4], "Hold: on");
  assert.match(await holdRow.locator("time").getAttribute("datetime"), /^\d{4}-\d{2}-\d{2}T/);
  // The number appears nowhere in the log: only the server's keyed hash.
  const table = await auditTable().innerText();
  assert.ok(!table.includes("447700900091"), table);
  await bothWidths(admin, "05-audit");
  await axe(admin, "the Audit page", "#audit-page");
});

test("the Audit page filters by action, customer and actor, and says when nothing matches", async () => {
  await filters().getByRole("combobox", { name: "Action" }).selectOption({ label: "Exported a customer's data" });
  await showEntries();
  assert.deepEqual(await actionsShown(), ["Exported a customer's data"]);
  await admin.getByText("Showing 1 entry.").waitFor();

  // The customer typed as agents see it: the server finds their pseudonym.
  await filters().getByRole("combobox", { name: "Action" }).selectOption({ label: "Any" });
  await filters().getByRole("textbox", { name: "Customer number" }).fill("+44 7700 900091");
  await showEntries();
  const zoe = await actionsShown();
  assert.ok(zoe.includes("Placed a legal hold") && zoe.includes("Exported a customer's data"), zoe.join(" | "));
  const ana = await agentCall(server.base, ADMIN, "GET", `/audit?customer=${encodeURIComponent(ANA)}`, null, "admins");
  assert.equal(ana.status, 200);
  assert.ok(!ana.json.entries.some((e) => e.action.startsWith("customer.")), JSON.stringify(ana.json));
  await bothWidths(admin, "06-audit-customer", () => auditTable().scrollIntoViewIfNeeded());

  // A number that is not international is explained before anything is sent.
  await filters().getByRole("textbox", { name: "Customer number" }).fill("07700 900091");
  await filters().getByRole("button", { name: "Show entries" }).click();
  await admin.locator("#audit-page").getByRole("alert").getByText(/country code/).waitFor();
  assert.equal(await filters().getByRole("textbox", { name: "Customer number" }).getAttribute("aria-invalid"), "true");
  assert.equal(await admin.evaluate(() => document.activeElement?.id), "audit-customer");

  // The agent never placed a hold.
  await filters().getByRole("textbox", { name: "Customer number" }).fill("");
  await filters().getByRole("textbox", { name: "Actor (agent ID)" }).fill(AGENT);
  await filters().getByRole("combobox", { name: "Action" }).selectOption("customer.hold");
  await showEntries();
  await admin.getByText("No entries match these filters. Widen the time range or clear a filter.").waitFor();
  assert.equal(await auditTable().isVisible(), false);
  await bothWidths(admin, "07-audit-empty", () => admin.locator(".audit-status").scrollIntoViewIfNeeded());
  await filters().getByRole("button", { name: "Clear filters" }).click();
  await auditTable().waitFor();
});

test("a time range the server refuses is explained in its words", async () => {
  const from = "2025-01-01T00:00";
  const to = "2025-03-01T00:00";
  await filters().getByLabel("From", { exact: true }).fill(from);
  await filters().getByLabel("To", { exact: true }).fill(to);
  await filters().getByRole("button", { name: "Show entries" }).click();
  // The same range as the page sends it.
  const query = new URLSearchParams({ from: fieldTime(from), to: fieldTime(to, { end: true }) });
  const refused = await agentCall(server.base, ADMIN, "GET", `/audit?${query}`, null, "admins");
  assert.equal(refused.status, 400);
  assert.equal(refused.json.error, "invalid_time");
  const alert = admin.locator("#audit-page").getByRole("alert");
  await alert.getByText(refused.json.message, { exact: true }).waitFor();
  assert.equal(await filters().getByLabel("From", { exact: true }).getAttribute("aria-invalid"), "true");
  assert.equal(await filters().getByLabel("To", { exact: true }).getAttribute("aria-invalid"), "true");
  assert.equal(await admin.evaluate(() => document.activeElement?.id), "audit-from");
  await bothWidths(admin, "08-audit-refused", () => alert.scrollIntoViewIfNeeded());
  await axe(admin, "the Audit page's error", "#audit-page");
  await filters().getByRole("button", { name: "Clear filters" }).click();
  await auditTable().waitFor();
  await alert.waitFor({ state: "hidden" });
});

test("Load more follows the server's cursor to older entries", async () => {
  for (let i = 0; i < QUICK_REPLIES; i += 1) {
    const saved = await agentCall(server.base, ADMIN, "PUT", `/quick-replies/privacy-${i}`, { title: `Reply ${i}`, body: "Thank you." }, "admins");
    assert.ok([200, 201].includes(saved.status), JSON.stringify(saved));
  }
  await filters().getByRole("combobox", { name: "Action" }).selectOption({ label: "Saved a quick reply" });
  await showEntries();
  const more = admin.getByRole("button", { name: "Load more" });
  await more.waitFor();
  const first = (await actionsShown()).length;
  assert.ok(first < QUICK_REPLIES, `the first page had ${first} entries`);
  await admin.getByText(`Showing ${first} entries: there are more.`).waitFor();
  const newest = await auditTable().locator("tbody tr").first().locator("td").nth(3).innerText();
  assert.match(newest, new RegExp(`privacy-${QUICK_REPLIES - 1}$`));
  while (await more.isVisible()) {
    await more.click();
    await admin.waitForFunction(() => !document.querySelector(".audit-status")?.textContent.startsWith("Reading"));
  }
  const all = await actionsShown();
  assert.equal(all.length, QUICK_REPLIES);
  assert.ok(all.every((a) => a === "Saved a quick reply"));
  await admin.getByText(`Showing ${QUICK_REPLIES} entries.`).waitFor();
  const oldest = await auditTable().locator("tbody tr").last().locator("td").nth(3).innerText();
  assert.match(oldest, /privacy-0$/);
  // No more to load: the keyboard is on the first entry added.
  assert.equal(await admin.evaluate(() => document.activeElement?.tagName), "TR");
  await bothWidths(admin, "09-audit-load-more", () => auditTable().locator("tbody tr").last().scrollIntoViewIfNeeded());
});

test("every control has an accessible name, ids are unique and the pages fit 390 px", async () => {
  for (const [target, view] of [[admin, "Audit page"], [page, "agent's desk"]]) {
    const unnamed = await target.evaluate(() =>
      [...document.querySelectorAll("button, input, select, textarea, a[href], summary")]
        .filter((el) => el.offsetParent !== null)
        .filter((el) => {
          const labelled = el.labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
          return !labelled && !el.textContent.trim();
        })
        .map((el) => el.outerHTML),
    );
    assert.deepEqual(unnamed, [], view);
    const duplicates = await target.evaluate(() => {
      const ids = [...document.querySelectorAll("[id]")].map((el) => el.id);
      return ids.filter((id, i) => ids.indexOf(id) !== i);
    });
    assert.deepEqual(duplicates, [], view);
    await target.setViewportSize({ width: 390, height: 844 });
    const overflow = await target.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the ${view} is ${overflow}px wider than a 390px window`);
    await target.setViewportSize({ width: 1366, height: 768 });
  }
  // Back to the conversations: the summary's controls too.
  await admin.getByRole("button", { name: "Back to conversations" }).click();
  await privacy(admin).getByRole("button", { name: "Release legal hold" }).waitFor();
  await admin.setViewportSize({ width: 390, height: 844 });
  const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the administrator's desk is ${overflow}px wider than a 390px window`);
  await admin.setViewportSize({ width: 1366, height: 768 });
});

test("a held customer cannot be erased: the control is disabled and says why", async () => {
  const controls = privacy(admin);
  await controls.getByText(new RegExp(`^On legal hold since .+ by ${ADMIN}$`)).waitFor();
  const erase = controls.getByRole("button", { name: "Erase customer…" });
  await erase.waitFor();
  assert.equal(await erase.isDisabled(), true);
  // The reason is words beside it, and the button's description.
  const reason = "Erasing is not possible while the customer is on legal hold. Release the hold first.";
  await controls.getByText(reason, { exact: true }).waitFor();
  const describedBy = await erase.getAttribute("aria-describedby");
  assert.equal(await admin.evaluate((id) => document.getElementById(id)?.textContent, describedBy), reason);
  // And the server refuses it anyway.
  const refused = await agentCall(server.base, ADMIN, "DELETE", `/customers/${encodeURIComponent(ZOE)}`, null, "admins");
  assert.equal(refused.status, 409);
  assert.equal(refused.json.error, "legal_hold");
  await bothWidths(admin, "10-erase-held", () => erase.scrollIntoViewIfNeeded());
  await axe(admin, "the erase control on hold", "#summary");
});

test("the administrator releases the hold, and the log says so", async () => {
  const controls = privacy(admin);
  await controls.getByRole("button", { name: "Release legal hold" }).click();
  await controls.getByText(/^Release the legal hold\?/).waitFor();
  await controls.getByRole("button", { name: "Yes, release hold" }).click();
  await controls.getByText("Legal hold released.").waitFor();
  await controls.getByText("Not on hold", { exact: true }).waitFor();
  const log = await agentCall(server.base, ADMIN, "GET", `/audit?action=customer.hold&customer=${encodeURIComponent(ZOE)}`, null, "admins");
  assert.deepEqual(log.json.entries.map((e) => e.detail?.hold), [false, true]);
});

/** Erase customer…, the number typed, then the red button. */
async function eraseFromSummary(number) {
  const controls = privacy(admin);
  await controls.getByRole("button", { name: "Erase customer…" }).click();
  const form = controls.getByRole("form", { name: "Erase this customer permanently?" });
  await form.getByRole("textbox", { name: "Type the customer's number to confirm" }).fill(number);
  await form.getByRole("button", { name: "Erase customer permanently" }).click();
  return form;
}

test("a hold placed elsewhere is explained when the erasure is refused", async () => {
  const controls = privacy(admin);
  await controls.getByText("Not on hold", { exact: true }).waitFor();
  // Another administrator places a hold: this page has not heard of it.
  const held = await agentCall(server.base, "agent-sup2", "PUT", `/customers/${encodeURIComponent(ZOE)}/hold`, { hold: true }, "admins");
  assert.equal(held.status, 200);
  await eraseFromSummary("+447700900091");
  const alert = controls.getByRole("alert");
  await alert.getByText(
    "The customer was not erased. This customer is under a legal hold: release the hold before erasing them.",
    { exact: true },
  ).waitFor();
  // The page read the hold again: the line says who placed it, and the control why it is disabled.
  await controls.getByText(/^On legal hold since .+ by agent-sup2$/).waitFor();
  assert.equal(await controls.getByRole("button", { name: "Erase customer…" }).isDisabled(), true);
  await controls.getByText(/^Erasing is not possible while the customer is on legal hold/).waitFor();
  await bothWidths(admin, "11-erase-refused", () => alert.scrollIntoViewIfNeeded());
  await axe(admin, "an erasure refused for a hold", "#summary");
  // Nothing was erased.
  assert.equal((await agentCall(server.base, ADMIN, "GET", `/customers/${encodeURIComponent(ZOE)}`, null, "admins")).status, 200);

  await controls.getByRole("button", { name: "Release legal hold" }).click();
  await controls.getByRole("button", { name: "Yes, release hold" }).click();
  await controls.getByText("Not on hold", { exact: true }).waitFor();
  await controls.getByRole("button", { name: "Erase customer…" }).waitFor({ state: "visible" });
  assert.equal(await controls.getByRole("button", { name: "Erase customer…" }).isDisabled(), false);
});

test("the administrator erases the customer who wrote: progress to done, then nothing of them is left", async () => {
  const enc = encodeURIComponent;
  const before = await agentCall(server.base, ADMIN, "GET", `/customers/${enc(ZOE)}`, null, "admins");
  assert.equal(before.status, 200);
  const conversationId = before.json.recent_conversations?.[0]?.id;
  assert.ok(conversationId, JSON.stringify(before.json));
  assert.equal((await agentCall(server.base, ADMIN, "GET", `/conversations/${enc(conversationId)}`, null, "admins")).status, 200);

  const controls = privacy(admin);
  const erase = controls.getByRole("button", { name: "Erase customer…" });
  await erase.click();
  const form = controls.getByRole("form", { name: "Erase this customer permanently?" });
  // What goes, plainly, and that it cannot be undone; the keyboard is on the number's field.
  await form.getByText(/^Everything stored about \+447700900091 is deleted: every conversation with them/).waitFor();
  await form.getByText("This cannot be undone.").waitFor();
  const number = form.getByRole("textbox", { name: "Type the customer's number to confirm" });
  assert.equal(await admin.evaluate(() => document.activeElement?.id), "erase-number");
  await bothWidths(admin, "12-erase-confirm", () => form.scrollIntoViewIfNeeded());
  await axe(admin, "the erasure's confirmation", "#summary");

  // Cancel, and Escape, change nothing and give the keyboard back to the button.
  await form.getByRole("button", { name: "Cancel" }).click();
  await erase.waitFor();
  assert.equal(await admin.evaluate(() => document.activeElement?.textContent), "Erase customer…");
  await erase.click();
  await number.waitFor();
  await admin.keyboard.press("Escape");
  await erase.waitFor();
  assert.equal(await admin.evaluate(() => document.activeElement?.textContent), "Erase customer…");

  // Without the number, or with another customer's, nothing is sent.
  await erase.click();
  await form.getByRole("button", { name: "Erase customer permanently" }).click();
  await form.getByText("Type the customer's number, +447700900091, to erase them.", { exact: true }).waitFor();
  assert.equal(await number.getAttribute("aria-invalid"), "true");
  assert.equal(await admin.evaluate(() => document.activeElement?.id), "erase-number");
  await number.fill("+447700900092");
  await number.press("Enter");
  await form.getByText("That is not this customer's number. Type +447700900091 to erase them.", { exact: true }).waitFor();
  await bothWidths(admin, "13-erase-wrong-number", () => form.scrollIntoViewIfNeeded());
  await axe(admin, "the erasure's confirmation with a wrong number", "#summary");
  assert.equal((await agentCall(server.base, ADMIN, "GET", `/customers/${enc(ZOE)}`, null, "admins")).status, 200);

  // Typed as people write it: spaces are fine.
  await number.fill("+44 7700 900091");
  await form.getByRole("button", { name: "Erase customer permanently" }).click();
  const progress = controls.locator(".erase-progress");
  await progress.getByText(/^(Erasing this customer…|Customer erased\.)/).waitFor();
  assert.equal(await progress.getAttribute("role"), "status");
  assert.equal(await admin.evaluate(() => document.activeElement?.classList.contains("erase-progress")), true);
  await shot(admin, "14-erasing-1366");
  await controls.getByText(new RegExp(`^(Erasure requested|Erased) on .+ by ${ADMIN}$`)).waitFor();
  await progress.getByText(/^Customer erased\. Erased 1 conversation, \d+ messages?\b.*\.$/).waitFor({ timeout: 30_000 });
  const line = await progress.innerText();
  await controls.getByText(new RegExp(`^Erased on .+ by ${ADMIN}$`)).waitFor();

  // The summary no longer shows them: a notice, no number, no name, no previous conversations.
  await summary(admin).getByText(/^This customer was erased: their conversations, messages, files and contact details are no longer stored/).waitFor();
  const shown = await summary(admin).innerText();
  for (const gone of ["447700900091", "Zoë", "Previous conversations", "Place legal hold", "Export customer data", "Erase customer…"]) {
    assert.ok(!shown.includes(gone), `the summary still shows ${gone}:\n${shown}`);
  }
  await bothWidths(admin, "15-erased", () => summary(admin).scrollIntoViewIfNeeded());
  await axe(admin, "the summary once the customer is erased", "#summary");

  // The server agrees: the customer and their conversation are gone, the erasure is done.
  assert.equal((await agentCall(server.base, ADMIN, "GET", `/customers/${enc(ZOE)}`, null, "admins")).status, 404);
  assert.equal((await agentCall(server.base, ADMIN, "GET", `/conversations/${enc(conversationId)}`, null, "admins")).status, 404);
  const log = await agentCall(server.base, ADMIN, "GET", `/audit?action=customer.erase`, null, "admins");
  assert.equal(log.json.entries.length, 1);
  assert.equal(log.json.entries[0].actor, ADMIN);
  const erasure = await agentCall(server.base, ADMIN, "GET", `/erasures/${enc(log.json.entries[0].detail.erasure_id)}`, null, "admins");
  assert.equal(erasure.json.state, "done");
  assert.ok(erasure.json.finished_at);
  assert.equal(erasure.json.counts.conversations, 1);
  assert.ok(erasure.json.counts.messages >= 1, JSON.stringify(erasure.json.counts));
  // The line said what the server counted.
  const messages = erasure.json.counts.messages;
  assert.ok(line.includes(`1 conversation, ${messages} message${messages === 1 ? "" : "s"}`), line);

  // After a reload the conversation is not on the desk; Ana's customer is untouched.
  await admin.reload();
  await admin.getByRole("combobox", { name: "Presence" }).waitFor();
  await admin.locator("#my-conversations").waitFor();
  assert.equal(await admin.locator("#my-conversations").getByRole("button", { name: /Zoë/ }).count(), 0);
  assert.equal(await admin.getByText(ZOE_SAYS).count(), 0);
  assert.equal((await agentCall(server.base, ADMIN, "GET", `/customers/${enc(ANA)}`, null, "admins")).status, 200);
  await bothWidths(admin, "16-after-erasure-desk");
});

test("the pages threw no error and axe-core found nothing", () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(axeReports.filter((r) => r.violations.length), []);
});
