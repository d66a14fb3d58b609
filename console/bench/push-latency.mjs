// Benchmark (not a test): push latency on local-api, from the start of a signed webhook POST to
// the `conversation.requested` frame on an agent's WebSocket, over 200 new customers.
// Run: LOCAL_API_BIN=target/debug/local-api node --experimental-websocket console/bench/push-latency.mjs

import { agentCall, sendInbound, startLocalApi } from "../tests/browser/local-api.mjs";

const COUNT = Number(process.env.MESSAGES ?? 200);
const server = await startLocalApi();
try {
  await agentCall(server.base, "bench", "PUT", "/agents/bench/presence", { status: "available" });
  const socket = new WebSocket(`${server.base.replace("http", "ws")}/ws?agent=bench`);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  const waiting = new Map();
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    if (frame.event_type !== "conversation.requested") return;
    const done = waiting.get(frame.customer.address);
    if (done) done(performance.now());
  };
  const latencies = [];
  for (let i = 0; i < COUNT; i += 1) {
    const from = `whatsapp:+4477009${String(10000 + i).padStart(5, "0")}`;
    const arrived = new Promise((resolve) => waiting.set(from, resolve));
    const started = performance.now();
    await sendInbound(server.base, { from, body: "Hello" });
    latencies.push((await arrived) - started);
  }
  socket.close();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  console.log(`${COUNT} requests, webhook → frame: p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms`);
} finally {
  server.stop();
}
