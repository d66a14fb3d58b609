// Offer routing in headless Chromium against a real local-api started with ROUTING_MODE=offer
// and a 60 s offer: a request offered to one agent at a time (Accept, Reject, seconds left on
// the server's clock), Reject and the timer passing it on, the load in the top bar, Away after
// missed offers, and the administrators' board.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { BUSINESS, agentCall, launchChromium, openAdminPage, required, sendInbound, startLocalApi } from "./local-api.mjs";

const ANN = "agent-ann";
const BEN = "agent-ben";
const ADMIN = "agent-boss";
const TIMEOUT = 10_000;
const TIMER = /^(\d+ min )?\d+ s left to accept$/;

let server;
let browser;
let shots;
/** Signed-in pages by agent id. */
const pages = {};
const pageErrors = [];
const foreignRequests = [];
/** Live frames each page received, by agent id. */
const frames = { [ANN]: [], [BEN]: [], [ADMIN]: [] };
let customers = 0;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const card = (page, name) => page.getByRole("alert", { name: `Conversation request from ${name}` });
const anyCard = (page) => page.getByRole("alert", { name: /^Conversation request from/ });

async function screenshot(page, name) {
  await page.screenshot({ path: join(shots, `routing-${name}.png`), fullPage: false });
}

async function openDesk(agentId, { admin = false, available = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on("pageerror", (error) => pageErrors.push(`${agentId}: ${error.message}`));
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.origin !== server.base && url.protocol !== "data:") foreignRequests.push(request.url());
  });
  page.on("websocket", (socket) => {
    socket.on("framereceived", ({ payload }) => frames[agentId].push(JSON.parse(payload)));
  });
  await page.goto(server.base + "/");
  await page.getByRole("textbox", { name: "Agent ID" }).fill(agentId);
  if (admin) await page.getByRole("checkbox", { name: "Sign in as an administrator" }).check();
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("status").filter({ hasText: "Live" }).waitFor();
  if (available) {
    await page.getByRole("combobox", { name: "Presence" }).selectOption("available");
    // The presence is stored before any customer writes.
    await page.getByText("No customer is waiting.").waitFor();
  }
  pages[agentId] = page;
  return page;
}

/** A new customer writes; resolves with their name. */
async function customerWrites(name) {
  customers += 1;
  const from = `whatsapp:+4477009002${String(customers).padStart(2, "0")}`;
  await sendInbound(server.base, { from, body: `Hello, this is ${name}`, profileName: name });
  return name;
}

/** The id of the agent whose desk shows `name`'s card, once one does. */
async function offeredTo(name, among = [ANN, BEN]) {
  const deadline = Date.now() + TIMEOUT;
  while (Date.now() < deadline) {
    for (const id of among) if (await card(pages[id], name).count()) return id;
    await sleep(100);
  }
  const seen = among.map((id) => `${id}: ${frames[id].map((f) => f.event_type).join(", ")}`).join("; ");
  throw new Error(`no agent was offered the request from ${name} (frames ${seen})`);
}

async function moveClock(seconds) {
  const moved = await fetch(`${server.base}/local/clock`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ advance_seconds: seconds }),
  });
  assert.equal(moved.status, 200);
}

async function waitingRequest(name) {
  const { json } = await agentCall(server.base, ADMIN, "GET", "/conversations?state=requested", undefined, "admins");
  return json.conversations.find((c) => c.customer.profile_name === name);
}

const other = (id) => (id === ANN ? BEN : ANN);
const loadOf = (page) => page.locator("#agent-load");

before(async () => {
  shots = required("SCREENSHOT_DIR");
  mkdirSync(shots, { recursive: true });
  server = await startLocalApi({ env: { ROUTING_MODE: "offer", OFFER_TIMEOUT_SECONDS: "60" } });
  for (const id of [ANN, BEN]) {
    const put = await agentCall(server.base, ADMIN, "PUT", `/agents/${id}`, { capacity: 1 }, "admins");
    assert.ok([200, 201].includes(put.status), JSON.stringify(put));
  }
  browser = await launchChromium();
  await openDesk(ANN, { available: true });
  await openDesk(BEN, { available: true });
  await openDesk(ADMIN, { admin: true });
});

after(async () => {
  await browser?.close();
  server?.stop();
});

let first;

test("a request is offered to exactly one available agent, with Accept, Reject and the seconds left", async () => {
  await customerWrites("Zoë");
  first = await offeredTo("Zoë");
  const offer = card(pages[first], "Zoë");
  await offer.getByRole("button", { name: "Accept" }).waitFor();
  await offer.getByRole("button", { name: "Reject request from Zoë" }).waitFor();
  await offer.getByText("Offered to you").waitFor();
  const timer = offer.getByRole("timer");
  const before = await timer.textContent();
  assert.match(before, TIMER);
  // It counts down on the server's clock.
  await pages[first].waitForFunction(
    (text) => document.querySelector(".card.offer [role=timer]")?.textContent !== text,
    before,
    { timeout: 3000 },
  );
  await sleep(500);
  assert.equal(await anyCard(pages[other(first)]).count(), 0, "the other agent was shown the request too");
  assert.ok(frames[first].some((f) => f.event_type === "conversation.offered"), "no conversation.offered frame");
  // An outstanding offer counts toward the load.
  await loadOf(pages[first]).filter({ hasText: /^Load 1 of 1/ }).waitFor();
  await screenshot(pages[first], "01-offer-card");
  // A reload keeps the offer: it is read back from GET /conversations.
  await pages[first].reload();
  await card(pages[first], "Zoë").getByRole("timer").filter({ hasText: TIMER }).waitFor();
  await card(pages[first], "Zoë").getByRole("button", { name: "Reject request from Zoë" }).waitFor();
});

test("an administrator sees whom a request is offered to, and no Reject", async () => {
  const admin = pages[ADMIN];
  // Not available: the queue (read again at load) lists the request, with whom it is offered to.
  await admin.reload();
  await admin.getByRole("navigation", { name: "Queue" }).getByRole("button", { name: new RegExp(`Zoë.*Offered to ${first}`) }).waitFor();
  // Available: the card, with "Offered to …", Accept and Dismiss but no Reject.
  await admin.getByRole("combobox", { name: "Presence" }).selectOption("available");
  const seen = card(admin, "Zoë");
  await seen.getByText(new RegExp(`^Offered to ${first}, \\d+ s left$`)).waitFor();
  await seen.getByRole("button", { name: "Accept" }).waitFor();
  assert.equal(await seen.getByRole("button", { name: /Reject/ }).count(), 0);
  await screenshot(admin, "02-admin-offered-to");
  // Busy again, so that the administrator is offered nothing in what follows.
  await admin.getByRole("combobox", { name: "Presence" }).selectOption("busy");
  await seen.waitFor({ state: "detached" });
});

test("Reject removes the card and the other agent is offered the request", async () => {
  const offer = card(pages[first], "Zoë");
  await offer.getByRole("button", { name: "Reject request from Zoë" }).click();
  await offer.waitFor({ state: "detached" });
  const next = card(pages[other(first)], "Zoë");
  await next.getByRole("button", { name: "Reject request from Zoë" }).waitFor();
  assert.match(await next.getByRole("timer").textContent(), TIMER);
  await loadOf(pages[first]).filter({ hasText: /^Load 0 of 1$/ }).waitFor();
  await screenshot(pages[other(first)], "03-offered-on");
});

test("when the offer's time runs out the card goes, the agent is told, and the request moves on", async () => {
  const second = other(first);
  await moveClock(61);
  await card(pages[second], "Zoë").waitFor({ state: "detached", timeout: 5000 });
  await pages[second]
    .getByRole("status")
    .filter({ hasText: "The request from Zoë was not accepted in time and has been passed on." })
    .waitFor();
  await loadOf(pages[second]).filter({ hasText: /^Load 0 of 1$/ }).waitFor();
  const deadline = Date.now() + TIMEOUT;
  let waiting = await waitingRequest("Zoë");
  while (waiting?.offered_to === second && Date.now() < deadline) {
    await sleep(200);
    waiting = await waitingRequest("Zoë");
  }
  assert.ok(waiting, "the request is no longer waiting");
  // Both agents passed on it and the administrator is busy: it waits, offered to nobody.
  assert.equal(waiting.offered_to, null, "the expired offer still stands");
  await screenshot(pages[second], "04-offer-expired");
});

let taker;

test("Accept opens the conversation and the load reads 1 of 1", async () => {
  await customerWrites("Sam");
  taker = await offeredTo("Sam");
  await card(pages[taker], "Sam").getByRole("button", { name: "Accept" }).click();
  await pages[taker].getByRole("log", { name: "Transcript" }).getByText("Hello, this is Sam").waitFor();
  await loadOf(pages[taker]).filter({ hasText: "Load 1 of 1 (full)" }).waitFor();
  assert.equal(await anyCard(pages[other(taker)]).count(), 0);
  await screenshot(pages[taker], "06-accepted-load");
});

test("offers that run out twice in a row set the agent to Away, and the desk says why", async () => {
  const idle = other(taker);
  const page = pages[idle];
  const presence = page.getByRole("combobox", { name: "Presence" });
  // The agent at capacity is offered nothing: each new request goes to the idle one.
  for (const name of ["Lou", "Kim"]) {
    if ((await presence.inputValue()) === "away") break;
    await customerWrites(name);
    assert.equal(await offeredTo(name, [idle]), idle);
    assert.equal(await anyCard(pages[taker]).count(), 0);
    await moveClock(61);
    await card(page, name).waitFor({ state: "detached", timeout: 5000 });
    await page.waitForFunction(() => document.querySelector("#presence").value === "away", null, { timeout: 3000 }).catch(() => {});
  }
  assert.equal(await presence.inputValue(), "away");
  const missed = frames[idle].find((f) => f.event_type === "agent.missed");
  assert.ok(missed, "no agent.missed frame");
  await page.getByRole("alert").filter({ hasText: missed.message }).waitFor();
  await screenshot(page, "07-set-away");
});

test("a request still waiting after the overflow time is announced to the administrator", async () => {
  // OVERFLOW_AFTER_SECONDS is 300 by default: Zoë has waited 122 s so far.
  await moveClock(300);
  const notice = pages[ADMIN].getByRole("alert").filter({ hasText: /The request from Zoë to \+14155238886 has waited \d+ min and no agent has accepted it\./ });
  await notice.waitFor();
  assert.equal(await pages[ANN].getByText(/no agent has accepted it/).count(), 0, "an agent was told");
  await screenshot(pages[ADMIN], "05-overflow-notice");
  // Dismissed with the keyboard.
  await notice.getByRole("button", { name: /^Dismiss: The request from Zoë/ }).focus();
  await pages[ADMIN].keyboard.press("Enter");
  await pages[ADMIN].getByText(/The request from Zoë to .* no agent has accepted it/).waitFor({ state: "detached" });
});

test("an administrator's board lists the numbers and the agents, and follows the requests", async () => {
  const admin = pages[ADMIN];
  await openAdminPage(admin, "Board");
  await admin.getByRole("heading", { name: "Board" }).waitFor();
  const numbers = admin.getByRole("table", { name: "Requests by number" });
  const row = numbers.getByRole("row", { name: new RegExp(BUSINESS.replace("whatsapp:", "").replace("+", "\\+")) });
  await row.waitFor();
  const agents = admin.getByRole("table", { name: "Agents" });
  for (const id of [ANN, BEN]) await agents.getByRole("rowheader", { name: id, exact: true }).waitFor();
  await agents.getByRole("row", { name: new RegExp(`${taker} Available 1 of 1 \\(full\\)`) }).waitFor();
  await screenshot(admin, "08-board");
  // A new request shows without a click (a live frame, or the 15 s refresh at the latest).
  // The first cell after the number: how many wait, offered to nobody.
  const before = await row.getByRole("cell").first().textContent();
  await customerWrites("Ola");
  await admin.waitForFunction(
    ([number, text]) => {
      const cells = [...document.querySelectorAll("#board-numbers tbody tr")].find((r) => r.textContent.includes(number))?.querySelectorAll("td");
      return cells && cells[0].textContent !== text;
    },
    [BUSINESS.replace("whatsapp:", ""), before],
    { timeout: 20_000 },
  );
});

test("every board control has an accessible name and the board fits 390 px", async () => {
  const admin = pages[ADMIN];
  const unnamed = await admin.evaluate(() =>
    [...document.querySelectorAll("button, input, select, textarea, [tabindex]")]
      .filter((e) => e.offsetParent !== null && e.tabIndex >= 0)
      .filter((e) => !(e.labels?.length || e.getAttribute("aria-label") || e.getAttribute("aria-labelledby") || e.textContent.trim()))
      .map((e) => e.outerHTML.slice(0, 80)),
  );
  assert.deepEqual(unnamed, []);
  await admin.setViewportSize({ width: 390, height: 844 });
  const overflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the window`);
  await screenshot(admin, "09-board-narrow");
  await admin.getByRole("button", { name: "Back to conversations" }).click();
  await admin.getByRole("navigation", { name: "Queue" }).waitFor();
});

test("a plain agent has no board, and the server refuses it to them", async () => {
  assert.equal(await pages[ANN].getByRole("button", { name: "Board" }).count(), 0);
  const refused = await agentCall(server.base, ANN, "GET", "/board");
  assert.equal(refused.status, 403);
  assert.equal(refused.json.error, "forbidden");
});

test("nothing was loaded from another host and no page threw an error", () => {
  assert.deepEqual(foreignRequests, []);
  assert.deepEqual(pageErrors, []);
});
