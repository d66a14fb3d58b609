// Benchmark (not a test): the console with a long transcript, in headless Chromium, timed in the
// page with `performance.now()`. Starts local-api, stores 2,000 customer messages in one
// conversation, and reports
//   - the first load's bytes as served,
//   - first render: Accept clicked → the newest (2,000th) message in the document, at the bottom
//     where the agent sees it (and the part of it after the last API answer arrived: the
//     console's own work); and when all 2,000 are (the older ones are drawn in idle moments),
//   - one status update: a `read` callback for the agent's reply, from the poll's answer that
//     carries it to the status element patched,
//   - whether the polls re-created any message node.
// Part of `cargo xtask bench`; by hand:
//   LOCAL_API_BIN=target/load/local-api CHROMIUM_PATH=/usr/bin/chromium \
//   PLAYWRIGHT_CORE=target/xtask/browser/node_modules/playwright-core node console/bench/transcript.mjs
// With SOCKET=off the live socket is held down, and statuses arrive by the 3-second poll's answer.

import { agentCall, launchChromium, sendInbound, sendStatus, startLocalApi } from "../tests/browser/local-api.mjs";

const MESSAGES = Number(process.env.MESSAGES ?? 2000);
const CUSTOMER = "whatsapp:+447700900555";
const server = await startLocalApi();
const browser = await launchChromium();
try {
  const started = Date.now();
  await sendInbound(server.base, { from: CUSTOMER, body: "Message 1" });
  for (let i = 1; i < MESSAGES; i += 8) {
    const batch = [];
    for (let j = i; j < Math.min(i + 8, MESSAGES); j += 1) {
      batch.push(sendInbound(server.base, { from: CUSTOMER, body: `Message ${j + 1}: ${"lorem ipsum ".repeat(4)}` }));
    }
    await Promise.all(batch);
  }
  console.log(`stored ${MESSAGES} messages in ${Date.now() - started} ms`);

  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  page.on("pageerror", (error) => console.error("page error:", error));
  // A status reaches the console by a poll's answer or by a live frame: note when each frame
  // arrives (this listener is added before the console's own).
  await page.addInitScript((socketOff) => {
    window.benchFrames = [];
    // SOCKET=off: the socket held down, the console polls the whole conversation every 3 seconds.
    if (socketOff) {
      window.WebSocket = class extends EventTarget {
        constructor() {
          super();
          this.readyState = 0;
          setTimeout(() => ((this.readyState = 3), this.dispatchEvent(new Event("close"))), 10);
        }
        send() {}
        close() {}
      };
      return;
    }
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener("message", () => window.benchFrames.push(performance.now()));
      }
    };
  }, process.env.SOCKET === "off");
  await page.goto(server.base + "/");
  await page.getByRole("textbox", { name: "Agent ID" }).fill("bench");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("combobox", { name: "Presence" }).waitFor();
  await page.waitForLoadState("networkidle");
  const load = await page.evaluate(() =>
    performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource")).map((e) => e.encodedBodySize),
  );
  const bytes = load.reduce((a, b) => a + b, 0);
  console.log(`first load: ${(bytes / 1024).toFixed(1)} kB as served in ${load.length} requests (goal ≤ 100 kB: ${bytes <= 100 * 1024 ? "met" : "missed"})`);

  await page.getByRole("combobox", { name: "Presence" }).selectOption("available");
  await page.getByRole("button", { name: "Accept" }).first().waitFor();
  // The newest message (sent eight at a time, they are stored in no set order).
  const { json: customer } = await agentCall(server.base, "bench", "GET", `/customers/${encodeURIComponent(CUSTOMER)}`);
  const conversation = customer.recent_conversations[0].id;
  const { json: stored } = await agentCall(server.base, "bench", "GET", `/conversations/${conversation}`);
  const newest = stored.messages.at(-1).body;
  const render = await page.evaluate(async ({ count, newest }) => {
    // Resource timing keeps 250 entries by default; the polls would fill it.
    performance.setResourceTimingBufferSize(100_000);
    performance.clearResourceTimings();
    const accept = [...document.querySelectorAll("button")].find((b) => b.textContent.trim() === "Accept");
    let shown = null;
    const done = new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        // First render: the newest message, the one the agent sees at the bottom, is in the document.
        const last = [...document.querySelectorAll(".transcript > .message:nth-last-child(-n+3) .body")];
        shown ??= last.some((body) => body.textContent === newest) ? performance.now() : null;
        if (document.querySelectorAll(".transcript .message").length >= count) {
          observer.disconnect();
          resolve(performance.now());
        }
      });
      observer.observe(document.body, { childList: true, subtree: true });
    });
    const clicked = performance.now();
    accept.click();
    const all = await done;
    const answers = performance
      .getEntriesByType("resource")
      .filter((e) => e.initiatorType === "fetch" && e.startTime >= clicked && e.responseEnd <= shown);
    const lastAnswer = Math.max(clicked, ...answers.map((e) => e.responseEnd));
    return { total: shown - clicked, afterData: shown - lastAnswer, all: all - clicked };
  }, { count: MESSAGES, newest });
  console.log(
    `first render (the newest message shown, of ${MESSAGES}): ${render.total.toFixed(1)} ms from Accept, ${render.afterData.toFixed(1)} ms after the last API answer (goal ≤ 150 ms: ${render.total <= 150 ? "met" : "missed"})`,
  );
  console.log(`all ${MESSAGES} messages in the document (the older ones drawn in idle moments): ${render.all.toFixed(1)} ms from Accept`);

  // The agent's reply; local-api's Twilio stand-in reports it sent, then delivered.
  const reply = await agentCall(server.base, "bench", "POST", `/conversations/${conversation}/messages`, { body: "On its way." });
  if (reply.status !== 201) throw new Error(`reply answered ${reply.status}: ${JSON.stringify(reply.json)}`);
  const sid = reply.json.id;
  await page
    .waitForFunction(() => document.querySelector(".message:last-child .status")?.dataset.status === "delivered", null, { timeout: 20_000 })
    .catch(async (error) => {
      console.error(await page.evaluate(() => [...document.querySelectorAll(".transcript > *")].slice(-2).map((e) => e.outerHTML)));
      console.error(await page.evaluate(() => [document.querySelectorAll(".transcript .message").length, document.querySelector("#desk-error")?.textContent, document.querySelector("#live-status")?.textContent, window.benchFrames.length, performance.now() - window.benchFrames.at(-1)]));
      const { json } = await agentCall(server.base, "bench", "GET", `/conversations/${conversation}`);
      console.error(json.messages.length, json.messages.at(-1));
      throw error;
    });
  await page.evaluate(() => {
    document.querySelectorAll(".message").forEach((m) => (m.dataset.bench = "1"));
    performance.clearResourceTimings();
  });

  // The observer is in place before the callback is sent (a live frame can patch within a
  // millisecond of it), and its promise is awaited afterwards.
  await page.evaluate(() => {
    window.benchPatched = new Promise((resolve) => {
      const status = document.querySelector(".message:last-child .status");
      const observer = new MutationObserver(() => {
        if (status.dataset.status !== "read") return;
        const at = performance.now();
        observer.disconnect();
        // The answer's resource timing entry may be queued after the patch: look a little later.
        setTimeout(() => settle(at), 100);
      });
      observer.observe(status, { attributes: true, childList: true, characterData: true, subtree: true });
      const settle = (at) => {
        const answers = performance.getEntriesByType("resource").filter((e) => e.initiatorType === "fetch" && e.responseEnd <= at);
        const answer = answers.reduce((last, e) => (e.responseEnd > last.responseEnd ? e : last), { responseEnd: 0, name: "" });
        const frame = Math.max(0, ...window.benchFrames.filter((t) => t <= at));
        resolve(
          frame > answer.responseEnd
            ? { afterAnswer: at - frame, via: "a live frame" }
            : { afterAnswer: at - answer.responseEnd, via: `the answer of ${new URL(answer.name || location.href).pathname}` },
        );
      };
    });
  });
  const patched = page.evaluate(() => window.benchPatched);
  // Twilio reports the reply read (the helper fails on any answer but 2xx).
  await sendStatus(server.base, { sid, status: "read", to: CUSTOMER });
  const patch = await patched;
  console.log(
    `one status update (read) patched ${patch.afterAnswer.toFixed(2)} ms after it arrived (by ${patch.via}; goal ≤ 2 ms: ${patch.afterAnswer <= 2 ? "met" : "missed"})`,
  );
  // What the poll's answer costs before the console sees it: JSON.parse of the whole conversation.
  const parse = await page.evaluate(async (path) => {
    const text = await (await fetch(path, { headers: { "X-Agent-Id": "bench", Accept: "application/json" } })).text();
    const started = performance.now();
    for (let i = 0; i < 10; i += 1) JSON.parse(text);
    return { bytes: text.length, ms: (performance.now() - started) / 10 };
  }, `/conversations/${conversation}`);
  console.log(`the poll's answer: ${(parse.bytes / 1024).toFixed(0)} kB of JSON, parsed in ${parse.ms.toFixed(2)} ms (inside the figure above)`);
  const recreated = await page.evaluate(() => [...document.querySelectorAll(".message")].filter((m) => !m.dataset.bench).length);
  console.log(`message nodes re-created by the polls: ${recreated}`);
} finally {
  await browser.close();
  server.stop();
}
