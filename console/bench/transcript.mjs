// Benchmark (not a test): how the console copes with a long transcript. Starts local-api, stores
// 500 customer messages in one conversation, opens it in headless Chromium and reports
//   - the first load's bytes as served,
//   - the time from Accept to the 500th message on screen,
//   - the main-thread time of one poll that patches a status (median of 20),
//   - whether a poll re-created any message node.
// Run: LOCAL_API_BIN=target/debug/local-api CHROMIUM_PATH=/usr/bin/chromium \
//      PLAYWRIGHT_CORE=target/xtask/browser/node_modules/playwright-core node console/bench/transcript.mjs

import { launchChromium, sendInbound, startLocalApi } from "../tests/browser/local-api.mjs";

const MESSAGES = Number(process.env.MESSAGES ?? 500);
const server = await startLocalApi();
const browser = await launchChromium();
try {
  const started = Date.now();
  for (let i = 0; i < MESSAGES; i += 1) {
    await sendInbound(server.base, { from: "whatsapp:+447700900555", body: `Message ${i + 1}: ${"lorem ipsum ".repeat(4)}` });
  }
  console.log(`stored ${MESSAGES} messages in ${Date.now() - started} ms`);

  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await page.goto(server.base + "/");
  await page.getByRole("textbox", { name: "Agent ID" }).fill("bench");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("combobox", { name: "Presence" }).waitFor();
  await page.waitForLoadState("networkidle");
  const load = await page.evaluate(() =>
    performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource")).map((e) => e.encodedBodySize),
  );
  const bytes = load.reduce((a, b) => a + b, 0);
  console.log(`first load: ${(bytes / 1024).toFixed(1)} kB as served in ${load.length} requests`);

  await page.getByRole("combobox", { name: "Presence" }).selectOption("available");
  const accept = page.getByRole("button", { name: "Accept" }).first();
  await accept.waitFor();
  const t0 = Date.now();
  await accept.click();
  await page.locator(".message").nth(MESSAGES - 1).waitFor();
  console.log(`accept → ${MESSAGES} messages on screen: ${Date.now() - t0} ms`);

  await page.evaluate(() => document.querySelectorAll(".message").forEach((m) => (m.dataset.bench = "1")));
  // Time the work of a poll: fetch and patch the open conversation, as the 3 s timer does.
  const timings = [];
  for (let i = 0; i < 20; i += 1) {
    timings.push(
      await page.evaluate(async () => {
        const longTasks = [];
        const observer = new PerformanceObserver((list) => longTasks.push(...list.getEntries()));
        observer.observe({ type: "longtask" });
        await new Promise((resolve) => setTimeout(resolve, 3100));
        observer.disconnect();
        return longTasks.reduce((sum, task) => sum + task.duration, 0);
      }),
    );
  }
  timings.sort((a, b) => a - b);
  const recreated = await page.evaluate(() => [...document.querySelectorAll(".message")].filter((m) => !m.dataset.bench).length);
  console.log(`long tasks per poll cycle (>50 ms): median ${timings[10].toFixed(0)} ms, max ${timings[19].toFixed(0)} ms`);
  console.log(`message nodes re-created by 20 polls: ${recreated}`);
} finally {
  await browser.close();
  server.stop();
}
