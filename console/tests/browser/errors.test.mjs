// Refusals the server gives while the page still shows an older state. The live socket is down
// (refused by the test) and the page's timers are paused (Playwright's clock), so no frame and
// no poll can hide the race; each refusal must be explained next to the control that caused it.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { agentCall, launchChromium, sendInbound, startLocalApi } from "./local-api.mjs";

const WINDOW_EXPIRED = "This conversation has exceeded the 24 hour limit to respond to the customer.";

let server;
let browser;
let page;
const pageErrors = [];

before(async () => {
  server = await startLocalApi();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await sendInbound(server.base, { from: "whatsapp:+447700900011", body: "First", profileName: "Kim" });
  await sendInbound(server.base, { from: "whatsapp:+447700900012", body: "Second", profileName: "Lou" });
  await page.routeWebSocket(/\/ws/, (socket) => socket.close());
  await page.clock.install();
  await page.goto(server.base + "/");
  await page.getByRole("textbox", { name: "Agent ID" }).fill("agent-eve");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("combobox", { name: "Presence" }).selectOption("available");
  await page.getByRole("alert", { name: "Conversation request from Kim" }).waitFor();
  // From here on, no timer runs unless the test moves the clock.
  await page.clock.pauseAt(Date.now() + 1_000);
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test("accepting a request another agent took first is explained on its card", async () => {
  const { json } = await agentCall(server.base, "agent-fay", "GET", "/conversations");
  const kim = json.conversations.find((c) => c.customer.profile_name === "Kim");
  assert.equal((await agentCall(server.base, "agent-fay", "POST", `/conversations/${kim.id}/accept`)).status, 200);

  const card = page.getByRole("alert", { name: "Conversation request from Kim" });
  await card.getByRole("button", { name: "Accept" }).click();
  await card.getByText("Another agent accepted this conversation first.").waitFor();
  // A moment later the queue re-syncs and the card goes.
  await page.clock.runFor(4_500);
  await card.waitFor({ state: "detached" });
});

test("a reply the server refuses after 24 hours shows the exact text, whatever the page thought", async () => {
  await page.getByRole("alert", { name: "Conversation request from Lou" }).getByRole("button", { name: "Accept" }).click();
  const message = page.getByRole("combobox", { name: "Message" });
  await message.waitFor();
  const moved = await fetch(`${server.base}/local/clock`, { method: "POST", body: JSON.stringify({ advance_seconds: 86_400 }) });
  assert.equal(moved.status, 200);
  await message.fill("Are you still there?");
  await message.press("Enter");
  await page.getByText(WINDOW_EXPIRED, { exact: true }).waitFor();
  await message.waitFor({ state: "hidden" });
  await page.getByRole("searchbox", { name: "Find a template" }).waitFor();
  const { json } = await agentCall(server.base, "agent-eve", "GET", "/conversations");
  const lou = json.conversations.find((c) => c.customer.profile_name === "Lou");
  const transcript = await agentCall(server.base, "agent-eve", "GET", `/conversations/${lou.id}`);
  assert.equal(transcript.json.messages.filter((m) => m.direction === "outbound").length, 0, "the refused reply was stored");
});

test("a template sent before one is picked is explained next to its form and nothing is sent", async () => {
  await page.getByRole("radio", { name: "order_update" }).waitFor();
  await page.getByRole("button", { name: "Send template" }).click();
  await page.getByRole("form", { name: "Approved template" }).getByText("Pick a template first.").waitFor();
  // An agent who is not an administrator cannot type a Content SID.
  assert.equal(await page.getByRole("radio", { name: "Other template" }).count(), 0);
  assert.equal(await page.getByRole("textbox", { name: "Content SID" }).count(), 0);
});

test("the page threw no error", () => {
  assert.deepEqual(pageErrors, []);
});
