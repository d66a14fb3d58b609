// The agent API, over fetch: same origin only, JSON in and out, errors as readable ApiErrors.

/** An API failure an agent can read: `message` is the server's own `{"message"}` when it sent one. */
export class ApiError extends Error {
  constructor(status, code, message, body = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

const GENERIC = {
  400: "The server could not read that request.",
  401: "Your sign-in has expired. Sign in again.",
  403: "You are not allowed to do that.",
  404: "Not found: it may have been removed.",
  409: "That conflicts with a change made elsewhere; the view has been refreshed.",
  413: "That is too large.",
  415: "That kind of file cannot be sent on WhatsApp.",
  422: "The server refused that content.",
  429: "Too many requests; wait a moment and try again.",
  502: "Twilio refused the request.",
  503: "The service is busy; try again in a moment.",
  504: "The service took too long to answer; try again.",
};

/**
 * `auth.headers()` gives the identity headers of every request; `onUnauthorized()` is called on a
 * 401 (back to sign-in); `clock.observeDateHeader()` learns the server's time from each answer.
 */
export function createApi({ auth, clock, onUnauthorized }) {
  /** With `raw`, a successful answer is `{blob, disposition}` (an export), not JSON. */
  async function request(method, path, { body, file, headers = {}, raw = false } = {}) {
    const init = { method, headers: { Accept: "application/json", ...(await auth.headers()), ...headers } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    if (file !== undefined) {
      // The file as it is: its bytes, typed by its own Content-Type.
      init.headers["Content-Type"] = file.type || "application/octet-stream";
      init.body = file;
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      throw new ApiError(0, "network", "The server could not be reached. Check your connection and try again.");
    }
    clock?.observeDateHeader(response.headers.get("Date"));
    if (raw && response.ok) return { blob: await response.blob(), disposition: response.headers.get("Content-Disposition") };
    const text = await response.text();
    let json = null;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    if (!response.ok) {
      const error = new ApiError(
        response.status,
        json?.error ?? `http_${response.status}`,
        json?.message ?? GENERIC[response.status] ?? `The server answered ${response.status}.`,
        json,
      );
      if (response.status === 401) onUnauthorized?.(error);
      throw error;
    }
    return json;
  }

  const enc = encodeURIComponent;
  return {
    listConversations: () => request("GET", "/conversations?limit=200"),
    conversation: (id) => request("GET", `/conversations/${enc(id)}`),
    accept: (id) => request("POST", `/conversations/${enc(id)}/accept`),
    reject: (id) => request("POST", `/conversations/${enc(id)}/reject`),
    close: (id) => request("POST", `/conversations/${enc(id)}/close`),
    send: (id, content, idempotencyKey) =>
      request("POST", `/conversations/${enc(id)}/messages`, {
        body: content,
        headers: { "Idempotency-Key": idempotencyKey },
      }),
    cancelDeferred: (id, messageId) => request("DELETE", `/conversations/${enc(id)}/messages/${enc(messageId)}`),
    setPresence: (agentId, status) => request("PUT", `/agents/${enc(agentId)}/presence`, { body: { status } }),
    upload: (id, file) => request("POST", `/conversations/${enc(id)}/media`, { file }),
    addNote: (id, body, idempotencyKey) =>
      request("POST", `/conversations/${enc(id)}/notes`, { body: { body }, headers: { "Idempotency-Key": idempotencyKey } }),
    transfer: (id, agentId) => request("POST", `/conversations/${enc(id)}/transfer`, { body: { agent_id: agentId } }),
    availableAgents: () => request("GET", "/agents"),
    agent: (agentId) => request("GET", `/agents/${enc(agentId)}`),
    board: () => request("GET", "/board"),
    quickReplies: () => request("GET", "/quick-replies"),
    putQuickReply: (id, title, body) => request("PUT", `/quick-replies/${enc(id)}`, { body: { title, body } }),
    deleteQuickReply: (id) => request("DELETE", `/quick-replies/${enc(id)}`),
    customer: (address) => request("GET", `/customers/${enc(address)}`),
    search: (params) => request("GET", `/search?${new URLSearchParams(params)}`),
    startConversation: (body, key) => request("POST", "/conversations", { body, headers: { "Idempotency-Key": key } }),
    templates: () => request("GET", "/templates"),
    typing: (id) => request("POST", `/conversations/${enc(id)}/typing`),
    dispositions: () => request("GET", "/dispositions"),
    putDisposition: (code, label) => request("PUT", `/dispositions/${enc(code)}`, { body: { label } }),
    deleteDisposition: (code) => request("DELETE", `/dispositions/${enc(code)}`),
    saveOutcome: (id, outcome) => request("PUT", `/conversations/${enc(id)}/outcome`, { body: outcome }),
    setTags: (id, tags) => request("PUT", `/conversations/${enc(id)}/tags`, { body: { tags } }),
    linkRecord: (id, record) => request("POST", `/conversations/${enc(id)}/records`, { body: record }),
    unlinkRecord: (id, system, recordId) => request("DELETE", `/conversations/${enc(id)}/records/${enc(system)}/${enc(recordId)}`),
    exportConversation: (id, format) =>
      request("GET", `/conversations/${enc(id)}/export?format=${enc(format)}`, {
        raw: true,
        headers: { Accept: format === "html" ? "text/html, application/json" : "application/json" },
      }),
    media: (path) => openMedia(path),
    knowledge: (params) => request("GET", `/knowledge?${new URLSearchParams(params)}`),
    article: (id) => request("GET", `/knowledge/${enc(id)}`),
    putArticle: (id, article) => request("PUT", `/knowledge/${enc(id)}`, { body: article }),
    deleteArticle: (id) => request("DELETE", `/knowledge/${enc(id)}`),
    suggestions: (id) => request("GET", `/conversations/${enc(id)}/suggestions`),
    suggestionUsed: (id, kind, itemId) => request("POST", `/conversations/${enc(id)}/suggestions/${enc(kind)}/${enc(itemId)}/used`),
    scripts: () => request("GET", "/scripts"),
    putScript: (id, script) => request("PUT", `/scripts/${enc(id)}`, { body: script }),
    deleteScript: (id) => request("DELETE", `/scripts/${enc(id)}`),
    tickStep: (id, index, done) => request("POST", `/conversations/${enc(id)}/script/steps/${index}`, { body: { done } }),
    audit: (params) => request("GET", `/audit?${new URLSearchParams(params)}`),
    setHold: (address, hold) => request("PUT", `/customers/${enc(address)}/hold`, { body: { hold } }),
    exportCustomer: (address) => request("GET", `/customers/${enc(address)}/export`, { raw: true }),
    eraseCustomer: (address) => request("DELETE", `/customers/${enc(address)}`),
    erasure: (id) => request("GET", `/erasures/${enc(id)}`),
  };

  /**
   * A customer's attachment, through our route and with the agent's identity: in AWS the
   * route answers the address of a short-lived copy (asked as JSON), locally the bytes, which
   * become a blob: URL. Resolves with an address an <img>, <audio> or link can use.
   */
  async function openMedia(path) {
    let response;
    try {
      response = await fetch(path, { headers: { Accept: "application/json", ...(await auth.headers()) } });
    } catch {
      throw new ApiError(0, "network", "The attachment could not be loaded.");
    }
    const type = response.headers.get("Content-Type") ?? "";
    if (type.startsWith("application/json")) {
      const json = await response.json().catch(() => null);
      if (response.ok && typeof json?.url === "string") return json.url;
      if (response.status === 401) onUnauthorized?.(new ApiError(401, "unauthenticated", GENERIC[401]));
      throw new ApiError(response.status, json?.error ?? `http_${response.status}`, json?.message ?? GENERIC[response.status] ?? "The attachment could not be loaded.", json);
    }
    if (!response.ok) throw new ApiError(response.status, `http_${response.status}`, GENERIC[response.status] ?? "The attachment could not be loaded.");
    // A blob: URL is of the console's own origin: only pictures, sound and video keep their
    // type; anything else (an HTML page, an SVG) becomes bytes to download, never a page.
    const blob = await response.blob();
    const inline = /^(image\/(jpeg|png|gif|webp)|audio\/|video\/)/i.test(blob.type);
    return URL.createObjectURL(inline ? blob : new Blob([blob], { type: "application/octet-stream" }));
  }
}
