// Assist in headless Chromium against a real local-api: a furious customer's request card and
// message read "Negative" (an icon and the word), the header says the trend, and a turn back to
// negative is a polite notice for the assigned agent; an administrator writes a refund article
// on the Knowledge page (413 and 422 shown as the server says them), an agent finds it with
// "refund", opens it (text, never HTML) and inserts it into Message, copies its link; a customer
// asking about a refund gets the article and a quick reply as suggestion cards, whose Insert
// works and is recorded; an administrator's script for the number is a checklist the assigned
// agent ticks (kept after a reload, undone with the reason when refused); accessible names,
// unique ids, 390 px; screenshots `assist-*.png`. With AXE_CORE (the path of axe.min.js) set,
// axe-core also checks each new state (not in CI: the package is not one of the test's).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { BUSINESS, agentCall, launchChromium, openAdminPage, required, sendInbound, startLocalApi } from "./local-api.mjs";

const ZOE = "whatsapp:+447700900081";
const ANA = "whatsapp:+447700900082";
const AGENT = "agent-oz";
const ADMIN = "agent-sup";
const TIMEOUT = 10_000;
const FURIOUS = "This is terrible, I am furious, worst service ever";
const REFUND_TITLE = "Refunds policy";
const REFUND_BODY =
  "Refunds are paid to the card used for the order within 5 working days of the parcel reaching us.\n\n" +
  "Ask the customer for the order number. <b>Never</b> promise a refund before the parcel is back.";
const REFUND_URL = "https://help.example.com/refunds";
const STEPS = ["Greet the customer by name", "Confirm the order number", "Explain when the refund arrives"];

let server;
let browser;
let page;
let admin;
let shots;
let zoeId;
let anaId;
const pageErrors = [];
const axeReports = [];

async function shot(target, name) {
  await target.screenshot({ path: join(shots, `assist-${name}.png`), fullPage: false });
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

/** axe-core on the page as it is (only when AXE_CORE names axe.min.js): violations kept for the report. */
async function axe(target, state) {
  const path = process.env.AXE_CORE;
  if (!path || !existsSync(path)) return;
  // Evaluated through the debugger, which the page's Content-Security-Policy (no inline script) does not stop.
  if (!(await target.evaluate(() => Boolean(window.axe)))) await target.evaluate(`${readFileSync(path, "utf8")}\n;void 0`);
  const violations = await target.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  });
  axeReports.push({ state, violations });
}

async function newPage(who, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, ...options });
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

const transcript = () => page.getByRole("log", { name: "Transcript" });
const knowledge = (target = page) => target.getByRole("region", { name: "Knowledge", exact: true });
const script = (target = page) => target.getByRole("region", { name: "Script", exact: true });
/** Message is a combobox (a `/` opens the quick replies). */
const message = () => page.getByRole("combobox", { name: "Message" });

before(async () => {
  shots = required("SCREENSHOT_DIR");
  mkdirSync(shots, { recursive: true });
  server = await startLocalApi();
  browser = await launchChromium();
  admin = await newPage("admin");
  // The agent's tab may write to the clipboard (Copy link); the administrator's is left without.
  page = await newPage("agent", { permissions: ["clipboard-read", "clipboard-write"] });
});

after(async () => {
  await browser?.close();
  server?.stop();
  if (axeReports.length) console.log(`axe-core:\n${JSON.stringify(axeReports, null, 1)}`);
});

test("a furious customer's request card and message read Negative, as an icon and a word", async () => {
  await signIn(admin, ADMIN, { admin: true });
  await signIn(page, AGENT);
  await page.getByRole("combobox", { name: "Presence" }).selectOption("available");
  await page.getByText("No customer is waiting.").waitFor();

  await sendInbound(server.base, { from: ZOE, body: FURIOUS, profileName: "Zoë" });
  const card = page.getByRole("alert", { name: "Conversation request from Zoë" });
  await card.waitFor();
  // Scored a moment after it arrived: the card follows without a reload.
  const mood = card.locator(".sentiment");
  await mood.getByText("Negative").waitFor();
  // Seen as the icon and the word; read as "Sentiment: Negative" (the icon hidden from screen readers).
  assert.equal(await mood.evaluate((el) => el.textContent), "Sentiment: 😠 Negative");
  assert.equal(await mood.locator('[aria-hidden="true"]').textContent(), "😠");
  assert.equal(await mood.locator(".visually-hidden").textContent(), "Sentiment: ");
  // Supervisors are told, politely, that it turned negative.
  const notice = admin.getByRole("status").getByText("The conversation with Zoë has turned negative");
  await notice.waitFor();
  await bothWidths(page, "01-negative-card", () => card.scrollIntoViewIfNeeded());
  await bothWidths(admin, "02-negative-notice-supervisor");
  await axe(page, "request card with sentiment");
  await axe(admin, "supervisor's negative notice");

  await card.getByRole("button", { name: "Accept" }).click();
  await transcript().getByText(FURIOUS).waitFor();
  zoeId = await conversationOf(ZOE);
  const inbound = transcript().locator(".message.inbound", { hasText: FURIOUS });
  await inbound.locator(".sentiment").getByText("Negative").waitFor();
  const header = page.locator(".conversation-header .mood-line");
  await header.getByText(/Negative/).waitFor();
  assert.match(await header.evaluate((el) => el.textContent), /^Sentiment: 😠 Negative/);
});

test("the header follows the customer's mood live, with its trend in words, and a turn to negative tells the assigned agent", async () => {
  const header = page.locator(".conversation-header .mood-line");
  for (const body of ["Oh wonderful, thank you so much, that is great news!", "Brilliant, you have been really helpful, thanks a lot."]) {
    await sendInbound(server.base, { from: ZOE, body, profileName: "Zoë" });
    await transcript().getByText(body).waitFor();
  }
  await transcript().locator(".message.inbound", { hasText: "Brilliant" }).locator(".sentiment").getByText("Positive").waitFor();
  await header.getByText(/improving/).waitFor();
  await shot(page, "03-header-improving-1366");

  for (const body of ["Actually no, this is awful, the parcel is broken and I am angry.", "Terrible. Useless. I want to complain, this is the worst."]) {
    await sendInbound(server.base, { from: ZOE, body, profileName: "Zoë" });
    await transcript().getByText(body).waitFor();
  }
  await header.getByText(/Negative, worsening/).waitFor();
  const notice = page.getByRole("status").getByText("The conversation with Zoë has turned negative (worsening).");
  await notice.waitFor();
  await bothWidths(page, "04-negative-notice-agent");
  await axe(page, "conversation with sentiment, notice");
  await page.getByRole("button", { name: /^Dismiss: The conversation with Zoë/ }).click();
  await notice.waitFor({ state: "detached" });
  await admin.getByRole("button", { name: /^Dismiss: The conversation with Zoë/ }).click();
});

test("an administrator writes a refund article on the Knowledge page; 413 and 422 read as the server says them", async () => {
  await openAdminPage(admin, "Knowledge");
  const form = admin.getByRole("form", { name: "Save a knowledge article" });
  await admin.getByText("No articles yet.").waitFor();
  await form.getByRole("textbox", { name: "Title" }).fill(REFUND_TITLE);
  const text = form.getByRole("textbox", { name: "Text" });
  // Over 20,000 characters: the count says so in words, and the server's refusal is shown.
  await text.fill("x".repeat(20_001));
  await form.getByText("1 character too many (20,001 of 20,000)").waitFor();
  await form.getByRole("button", { name: "Save article" }).click();
  const error = admin.locator("#knowledge-page").getByRole("alert");
  await error.waitFor();
  assert.ok((await error.innerText()).length > 10, await error.innerText());
  assert.equal(await text.evaluate((el) => el === document.activeElement), true);
  await bothWidths(admin, "05-knowledge-too-long");

  await text.fill(REFUND_BODY);
  await form.getByText(`${REFUND_BODY.length} of 20,000 characters`).waitFor();
  // A link that is not https: the server's 422, and the keyboard on the link.
  await form.getByRole("textbox", { name: "Link (https, optional)" }).fill("http://help.example.com/refunds");
  await form.getByRole("button", { name: "Save article" }).click();
  await error.waitFor();
  const refusal = await error.innerText();
  await admin.waitForFunction(() => document.activeElement?.id === "ka-url");
  await form.getByRole("textbox", { name: "Link (https, optional)" }).fill(REFUND_URL);
  await form.getByRole("textbox", { name: "Tags (optional)" }).fill("refund, money");
  await form.getByRole("button", { name: "Save article" }).click();
  const list = admin.getByRole("list", { name: "Knowledge articles" });
  await list.getByText(REFUND_TITLE).waitFor();
  await admin.getByText(`Saved “${REFUND_TITLE}” (refunds-policy).`).waitFor();
  assert.ok(refusal.length > 10, refusal);

  // A second article, then deleted after its confirmation.
  await form.getByRole("textbox", { name: "Title" }).fill("Old delivery times");
  await text.fill("Deliveries take 10 days.");
  await form.getByRole("button", { name: "Save article" }).click();
  await list.getByText("Old delivery times", { exact: true }).waitFor();
  await list.getByRole("button", { name: "Delete article Old delivery times" }).click();
  await list.getByText("Delete “Old delivery times”? Agents will no longer find it.").waitFor();
  await bothWidths(admin, "06-knowledge-admin-delete-confirm");
  await axe(admin, "Knowledge page, delete confirmation");
  await admin.keyboard.press("Enter");
  await list.getByText("Old delivery times", { exact: true }).waitFor({ state: "detached" });
  await admin.getByText("Deleted “Old delivery times”.").waitFor();

  // Edit: the article's whole text comes back into the form.
  await list.getByRole("button", { name: `Edit article ${REFUND_TITLE}` }).click();
  await admin.waitForFunction((body) => document.querySelector("#ka-body")?.value === body, REFUND_BODY);
  await form.getByRole("button", { name: "Clear the form" }).click();

  const refused = await agentCall(server.base, AGENT, "PUT", "/knowledge/x", { title: "X", body: "Y" });
  assert.equal(refused.status, 403);
  await admin.getByRole("button", { name: "Back to conversations" }).click();
});

test("an agent finds the article with refund, opens it as text and inserts it into Message", async () => {
  const pane = knowledge();
  await pane.getByRole("searchbox", { name: "Search articles" }).fill("refund");
  const results = pane.getByRole("list", { name: "Articles found" });
  await results.getByRole("button", { name: REFUND_TITLE }).click();
  const article = pane.getByRole("article", { name: REFUND_TITLE });
  await article.waitFor();
  // The keyboard lands on the article's title.
  await page.waitForFunction(() => document.activeElement?.id === "knowledge-article-title");
  // Text, never HTML: the tag shows as typed and no element is made of it.
  await article.getByText("<b>Never</b> promise a refund", { exact: false }).waitFor();
  assert.equal(await article.locator("b").count(), 0);
  await article.getByRole("link", { name: REFUND_URL }).waitFor();
  await bothWidths(page, "07-knowledge-article", () => article.scrollIntoViewIfNeeded());
  await axe(page, "Knowledge pane, article open");

  await article.getByRole("button", { name: `Insert article: ${REFUND_TITLE}` }).click();
  assert.equal(await message().inputValue(), REFUND_BODY);
  // Message has the keyboard, ready to edit and send.
  await page.waitForFunction(() => document.activeElement?.id === "message-text");
  await article.getByText("The article was inserted in Message.").waitFor();

  await article.getByRole("button", { name: `Copy link of article: ${REFUND_TITLE}` }).click();
  await article.getByText(/^Link copied\.$|^This browser did not let the console copy/).waitFor();
  if ((await article.getByText("Link copied.").count()) === 1) {
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), REFUND_URL);
  }
  await shot(page, "08-knowledge-inserted-1366");
  await article.getByRole("button", { name: "Back to results" }).click();
  await page.waitForFunction(() => document.activeElement?.textContent === "Refunds policy");
  await message().fill("");
});

test("a customer asking about a refund gets the article and a quick reply as suggestions, and Insert works", async () => {
  const qr = await agentCall(server.base, ADMIN, "PUT", "/quick-replies/refund-timing", { title: "Refund timing", body: "Your refund will reach your card within 5 working days." }, "admins");
  assert.ok([200, 201].includes(qr.status), JSON.stringify(qr));
  await sendInbound(server.base, { from: ANA, body: "Hello, can I get a refund for my order please?", profileName: "Ana" });
  const card = page.getByRole("alert", { name: "Conversation request from Ana" });
  await card.getByRole("button", { name: "Accept" }).click();
  await transcript().getByText("can I get a refund").waitFor();
  anaId = await conversationOf(ANA);

  const suggested = knowledge().getByRole("region", { name: "Suggested for this conversation" });
  const insertArticle = suggested.getByRole("button", { name: `Insert article: ${REFUND_TITLE}` });
  await insertArticle.waitFor();
  await suggested.getByRole("button", { name: "Insert quick reply: Refund timing" }).waitFor();
  await bothWidths(page, "09-suggestions", () => suggested.scrollIntoViewIfNeeded());
  await axe(page, "suggestion cards");

  await insertArticle.click();
  await page.waitForFunction((body) => document.querySelector("#message-text")?.value === body, REFUND_BODY);
  await message().fill("");
  await suggested.getByRole("button", { name: "Insert quick reply: Refund timing" }).click();
  await page.waitForFunction(() => document.querySelector("#message-text")?.value === "Your refund will reach your card within 5 working days.");
  await shot(page, "10-suggestion-inserted-1366");

  // Each use is recorded on the conversation (not drawn in the transcript).
  await waitFor(async () => {
    const { json } = await agentCall(server.base, AGENT, "GET", `/conversations/${anaId}`);
    const used = (json.events ?? []).filter((e) => /suggestion_used$/.test(e.event_type));
    return used.length === 2 && used.map((e) => e.kind).sort().join() === "article,quick_reply";
  }, "two suggestion_used events");
  assert.equal(await transcript().getByText("suggestion_used").count(), 0);

  // A refused record of the use is the console's log, never the agent's error.
  await page.route("**/suggestions/*/*/used", (route) => route.fulfill({ status: 500, contentType: "application/json", body: '{"error":"internal","message":"boom"}' }));
  await message().fill("");
  await insertArticle.click();
  await page.waitForFunction((body) => document.querySelector("#message-text")?.value === body, REFUND_BODY);
  assert.equal(await knowledge().getByRole("alert").filter({ hasText: "boom" }).count(), 0);
  await page.unroute("**/suggestions/*/*/used");
  await message().fill("");

  // A new customer message brings the live frame: the cards are still there, the same ones.
  await sendInbound(server.base, { from: ANA, body: "How long does the refund take to arrive?", profileName: "Ana" });
  await transcript().getByText("How long does the refund take").waitFor();
  await insertArticle.waitFor();
});

test("an administrator's script for the number is a checklist the assigned agent ticks, kept after a reload", async () => {
  await openAdminPage(admin, "Scripts");
  const form = admin.getByRole("form", { name: "Save a script" });
  await admin.getByText("No scripts yet.").waitFor();
  await form.getByRole("textbox", { name: "Title" }).fill("Refund script");
  await form.getByRole("textbox", { name: "Steps, one per line" }).fill(STEPS.join("\n"));
  await form.getByText("3 steps").waitFor();
  // A number typed wrongly is explained before anything is sent.
  await form.getByRole("textbox", { name: "Our numbers (optional)" }).fill("4155238886");
  await form.getByRole("button", { name: "Save script" }).click();
  await admin.getByText("“4155238886” is not a WhatsApp number: write it as +14155238886.").waitFor();
  await form.getByRole("textbox", { name: "Our numbers (optional)" }).fill(BUSINESS.replace("whatsapp:", ""));
  await form.getByRole("button", { name: "Save script" }).click();
  const list = admin.getByRole("list", { name: "Scripts" });
  await list.getByText("Refund script").waitFor();
  await list.getByText(`Applies to ${BUSINESS.replace("whatsapp:", "")}`, { exact: false }).waitFor();
  await bothWidths(admin, "11-scripts-admin");
  await axe(admin, "Scripts page");
  await admin.getByRole("button", { name: "Back to conversations" }).click();

  // The agent's conversation with Ana, read again (the script was not there when it opened).
  await page.getByRole("navigation", { name: "Queue" }).getByRole("button", { name: /^Ana/ }).click();
  const checklist = script();
  await checklist.getByText("Refund script").waitFor();
  await checklist.getByText("0 of 3 steps done").waitFor();
  const confirm = checklist.getByRole("checkbox", { name: "Confirm the order number" });
  assert.equal(await confirm.isEnabled(), true);
  // With the keyboard: Space ticks.
  await confirm.focus();
  await page.keyboard.press("Space");
  await checklist.getByText("1 of 3 steps done").waitFor();
  await checklist.getByText(/^Ticked by you/).waitFor();
  assert.equal(await confirm.isChecked(), true);
  await bothWidths(page, "12-script-checklist", () => checklist.scrollIntoViewIfNeeded());
  await axe(page, "script checklist");

  await page.reload();
  await page.getByRole("navigation", { name: "Queue" }).getByRole("button", { name: /^Ana/ }).click();
  await script().getByText("1 of 3 steps done").waitFor();
  assert.equal(await script().getByRole("checkbox", { name: "Confirm the order number" }).isChecked(), true);
  assert.equal(await script().getByRole("checkbox", { name: "Greet the customer by name" }).isChecked(), false);

  // A refusal undoes the tick and says why.
  await page.route("**/script/steps/*", (route) =>
    route.fulfill({ status: 409, contentType: "application/json", body: '{"error":"not_active","message":"The conversation is not active."}' }),
  );
  const greet = script().getByRole("checkbox", { name: "Greet the customer by name" });
  await greet.click();
  await script().getByRole("alert").getByText("“Greet the customer by name” could not be ticked: The conversation is not active.").waitFor();
  assert.equal(await greet.isChecked(), false);
  await shot(page, "13-script-refused-1366");
  await page.unroute("**/script/steps/*");

  // Anyone else (an administrator too, opening it from a search) sees it, disabled, and why.
  await admin.getByRole("button", { name: "Search transcripts" }).click();
  await admin.getByRole("searchbox", { name: "Words" }).fill("arrive");
  await admin.keyboard.press("Enter");
  await admin.getByRole("button", { name: /^Open the conversation: customer wrote “How long does the refund take/ }).click();
  await admin.getByRole("heading", { name: "Ana", exact: true }).waitFor();
  await script(admin).getByText(`Only the assigned agent (${AGENT}) ticks the steps.`).waitFor();
  assert.equal(await script(admin).getByRole("checkbox", { name: "Confirm the order number" }).isDisabled(), true);
  assert.equal(await script(admin).getByRole("checkbox", { name: "Confirm the order number" }).isChecked(), true);
  const refused = await agentCall(server.base, ADMIN, "POST", `/conversations/${anaId}/script/steps/0`, { done: true }, "admins");
  assert.equal(refused.status, 403);
});

test("every control has an accessible name, ids are unique and the pages fit 390 px", async () => {
  for (const target of [page, admin]) {
    const unnamed = await target.evaluate(() =>
      [...document.querySelectorAll("button, input, select, textarea, a[href], summary")]
        .filter((el) => el.offsetParent !== null)
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
  // The "Manage" menu, open, fits too.
  await admin.setViewportSize({ width: 390, height: 844 });
  await admin.getByRole("button", { name: "Manage", exact: true }).click();
  await admin.getByRole("button", { name: "Board", exact: true }).waitFor();
  const menuOverflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(menuOverflow <= 0, `the open Manage menu is ${menuOverflow}px wider than a 390px window`);
  await admin.screenshot({ path: join(shots, "assist-manage-menu-390.png") });
  await admin.keyboard.press("Escape");
  await admin.setViewportSize({ width: 1366, height: 768 });
  for (const button of ["Knowledge", "Scripts"]) {
    await openAdminPage(admin, button);
    await admin.setViewportSize({ width: 390, height: 844 });
    const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the ${button} page is ${overflow}px wider than a 390px window`);
    await admin.setViewportSize({ width: 1366, height: 768 });
    await admin.getByRole("button", { name: "Back to conversations" }).click();
  }
});

test("the pages threw no error", () => {
  assert.deepEqual(pageErrors, []);
});

async function waitFor(check, what, ms = TIMEOUT) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}
