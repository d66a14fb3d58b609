// Benchmark (not a test): push latency on local-api, from the start of a signed webhook POST to
// the `conversation.requested` frame on an agent's WebSocket, both seen from headless Chromium
// (`performance.now()` in the page), over 200 new customers. Part of `cargo xtask bench`, which
// runs it against local-api in an optimised build; by hand:
//   LOCAL_API_BIN=target/load/local-api CHROMIUM_PATH=/usr/bin/chromium \
//   PLAYWRIGHT_CORE=target/xtask/browser/node_modules/playwright-core node console/bench/push-latency.mjs

import { BUSINESS, agentCall, launchChromium, startLocalApi, twilioSignature } from "../tests/browser/local-api.mjs";

const COUNT = Number(process.env.MESSAGES ?? 200);
const server = await startLocalApi();
const browser = await launchChromium();
try {
  await agentCall(server.base, "bench", "PUT", "/agents/bench/presence", { status: "available" });
  // Signed in node (the page has no token), sent and timed by the page.
  const url = `${server.base}/twilio/inbound`;
  const requests = [];
  for (let i = 0; i < COUNT; i += 1) {
    const from = `whatsapp:+4477009${String(10000 + i).padStart(5, "0")}`;
    const params = {
      MessageSid: `SM${String(Date.now()).padStart(16, "0")}${String(i).padStart(16, "0")}`,
      AccountSid: "AC00000000000000000000000000000000",
      From: from,
      To: BUSINESS,
      Body: "Hello",
      NumMedia: "0",
    };
    requests.push({ from, signature: twilioSignature(url, params), body: new URLSearchParams(params).toString() });
  }
  const page = await browser.newPage();
  await page.goto(`${server.base}/openapi.json`);
  const latencies = await page.evaluate(async (requests) => {
    const socket = new WebSocket(`${location.origin.replace("http", "ws")}/ws?agent=bench`);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    const waiting = new Map();
    socket.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.event_type !== "conversation.requested") return;
      waiting.get(frame.customer.address)?.(performance.now());
    };
    const latencies = [];
    for (const request of requests) {
      const arrived = new Promise((resolve) => waiting.set(request.from, resolve));
      const started = performance.now();
      const response = await fetch("/twilio/inbound", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": request.signature },
        body: request.body,
      });
      if (response.status !== 200) throw new Error(`inbound answered ${response.status}`);
      latencies.push((await arrived) - started);
    }
    socket.close();
    return latencies;
  }, requests);
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)];
  const p99 = at(0.99);
  console.log(
    `${COUNT} new customers, webhook POST → frame in Chromium: p50 ${at(0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms (goal p99 ≤ 50 ms: ${p99 <= 50 ? "met" : "missed"})`,
  );
} finally {
  await browser.close();
  server.stop();
}
