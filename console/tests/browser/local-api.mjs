// The browser tests' harness: starts local-api (embedded store, local Twilio stub) and the
// system's headless Chromium, and speaks to local-api as Twilio and as an administrator would.

import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { createServer } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Twilio's local test token, printed by local-api at start: not a secret. */
const LOCAL_AUTH_TOKEN = "local-auth-token-not-a-secret";
export const BUSINESS = "whatsapp:+14155238886";

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns the binary at LOCAL_API_BIN and resolves once it listens. Requests reach every
 * available agent (`ROUTING_MODE=broadcast`) unless `env` says otherwise, e.g.
 * `startLocalApi({ env: { ROUTING_MODE: "offer", OFFER_TIMEOUT_SECONDS: "60" } })`.
 */
export async function startLocalApi({ env: overrides = {} } = {}) {
  const bin = process.env.LOCAL_API_BIN;
  if (!bin) throw new Error("LOCAL_API_BIN is not set: run the browser tests through `cargo xtask test`.");
  const port = await freePort();
  const env = { ...process.env, RUST_LOG: "warn" };
  for (const name of [
    "ROUTING_MODE",
    "OFFER_TIMEOUT_SECONDS",
    "TABLE_NAME",
    "AGENT_NOTIFICATIONS_TOPIC_ARN",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_INBOUND_URL",
    "TWILIO_STATUS_URL",
    "TWILIO_API_BASE_URL",
    "WHATSAPP_FROM",
    "WHATSAPP_SENDERS",
  ]) {
    delete env[name];
  }
  Object.assign(env, { ROUTING_MODE: "broadcast", WRAP_UP_SECONDS: "0" }, overrides);
  const child = spawn(bin, ["--port", String(port)], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stderr.on("data", (chunk) => (output += chunk));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local-api did not start in 30 s:\n${output}`)), 30_000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      if (output.includes("local-api on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`local-api exited (${code}):\n${output}`));
    });
  });
  const base = `http://127.0.0.1:${port}`;
  return { base, stop: () => child.kill("SIGTERM"), output: () => output };
}

/** Twilio's signature: HMAC-SHA1 over the URL and the sorted name+value pairs, base64. */
export function twilioSignature(url, params, token = LOCAL_AUTH_TOKEN) {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, name) => acc + name + params[name], url);
  return createHmac("sha1", token).update(data).digest("base64");
}

let sequence = 0;

/**
 * A correctly signed inbound WhatsApp message, as Twilio posts it; `extra` adds (or replaces)
 * Twilio parameters, e.g. an ad's `ReferralHeadline`, signed with the rest.
 */
export async function sendInbound(base, { from, body, profileName, media, extra = {} }) {
  sequence += 1;
  const sid = `${media ? "MM" : "SM"}${String(Date.now()).padStart(16, "0")}${String(sequence).padStart(16, "0")}`;
  const params = {
    MessageSid: sid,
    AccountSid: "AC00000000000000000000000000000000",
    From: from,
    To: BUSINESS,
    Body: body,
    NumMedia: "0",
    ...(profileName ? { ProfileName: profileName } : {}),
  };
  if (media) {
    // Twilio's media URL: here local-api's Twilio stub, which wants the account's credentials.
    Object.assign(params, {
      NumMedia: "1",
      MessageType: "image",
      MediaUrl0: `${base}/local/twilio/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages/${sid}/Media/ME${sid.slice(2)}`,
      MediaContentType0: media.contentType,
    });
  }
  Object.assign(params, extra);
  const url = `${base}/twilio/inbound`;
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "X-Twilio-Signature": twilioSignature(url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  if (response.status !== 200) throw new Error(`inbound answered ${response.status}: ${await response.text()}`);
  return sid;
}

/** Twilio's signed status callback: reply `sid` to customer `to` moved to `status`. */
export async function sendStatus(base, { sid, status, to }) {
  const url = `${base}/twilio/status`;
  const params = { MessageSid: sid, MessageStatus: status, SmsStatus: status, AccountSid: "AC00000000000000000000000000000000", To: to, From: BUSINESS };
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": twilioSignature(url, params) },
    body: new URLSearchParams(params).toString(),
  });
  if (response.status >= 300) throw new Error(`status callback answered ${response.status}: ${await response.text()}`);
}

/** What local-api's Twilio stand-in was asked, in order: `[{method, path, form, authorized}]`. */
export async function twilioCalls(base) {
  const response = await fetch(`${base}/local/twilio/calls`);
  if (response.status !== 200) throw new Error(`/local/twilio/calls answered ${response.status}: ${await response.text()}`);
  return (await response.json()).calls;
}

export async function agentCall(base, agent, method, path, body, groups) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      "X-Agent-Id": agent,
      ...(groups ? { "X-Agent-Groups": groups } : {}),
      ...(body ? { "Content-Type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

/** An administrator's page (Quick replies, Outcomes, Knowledge, Scripts, Audit, Board): open the top bar's "Manage" menu, then the page's button. */
export async function openAdminPage(page, name) {
  const manage = page.getByRole("button", { name: "Manage", exact: true });
  if ((await manage.getAttribute("aria-expanded")) !== "true") await manage.click();
  await page.getByRole("button", { name, exact: true }).click();
}

/** A variable `cargo xtask test` sets; a clear error when a test is run some other way. */
export function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through \`cargo xtask test\`.`);
  return value;
}

/**
 * Debian's Chromium (CHROMIUM_PATH), driven by playwright-core (PLAYWRIGHT_CORE), with the flags
 * that keep it off the network: it never fetches anything but the pages it is sent to.
 */
export async function launchChromium() {
  const { chromium } = await import(pathToFileURL(join(required("PLAYWRIGHT_CORE"), "index.mjs")).href);
  return chromium.launch({
    executablePath: required("CHROMIUM_PATH"),
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
