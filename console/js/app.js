// The agent console: sign-in, then the desk (presence, queue, conversation, customer summary).
// The server is the source of truth: the page renders what the API answers. Changes arrive over
// the live channel (a WebSocket); the page re-syncs over REST after every (re)connect, and polls
// every few seconds only while the channel is down.

import { createApi } from "./api.js";
import { beginOidcSignIn, restoreLocal, restoreOidc, signInLocal } from "./auth.js";
import { ServerClock } from "./clock.js";
import { LiveChannel, liveUrl } from "./live.js";
import { ConversationPanel } from "./conversation.js";
import { clearError, showError } from "./dom.js";
import { Queue } from "./queue.js";
import { CustomerSummary } from "./summary.js";

const POLL_MS = 3000;
const TICK_MS = 15000;
const CONFLICT_SHOWN_MS = 4000;
const PRESENCE_KEY = "wa-console.presence";

const $ = (selector) => document.querySelector(selector);

async function main() {
  let config;
  try {
    const response = await fetch("/console/config.json", { cache: "no-store" });
    config = await response.json();
  } catch {
    showError($("#signin-error"), new Error("The console's configuration could not be loaded. Reload the page."));
    $("#signin").hidden = false;
    return;
  }
  let session = null;
  try {
    session = config.mode === "oidc" ? await restoreOidc(config) : restoreLocal();
  } catch (error) {
    showError($("#signin-error"), error);
  }
  if (session) startDesk(session, config);
  else showSignIn(config);
}

function showSignIn(config) {
  $("#desk").hidden = true;
  $("#signin").hidden = false;
  const local = config.mode !== "oidc";
  $("#local-signin").hidden = !local;
  $("#oidc-signin").hidden = local;
  if (local) {
    const form = $("#local-signin");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const agentId = $("#agent-id").value.trim();
      if (!/^[A-Za-z0-9._@+-]{1,128}$/.test(agentId)) {
        showError($("#signin-error"), new Error("An agent ID is 1 to 128 letters, digits or . _ @ + -"));
        $("#agent-id").focus();
        return;
      }
      clearError($("#signin-error"));
      startDesk(signInLocal(agentId, $("#agent-admin").checked), config);
    });
    $("#agent-id").focus();
  } else {
    $("#oidc-signin").addEventListener("click", () => beginOidcSignIn(config));
  }
}

function startDesk(session, config) {
  $("#signin").hidden = true;
  $("#desk").hidden = false;
  $("#agent-name").textContent = session.displayName;
  $("#agent-role").textContent = session.isAdmin ? "Administrator" : "Agent";

  const clock = new ServerClock();
  const api = createApi({
    auth: session,
    clock,
    onUnauthorized: () => session.signOut(),
  });
  const summary = new CustomerSummary($("#summary"), { api, onOpen: (id) => open(id) });
  const panel = new ConversationPanel({
    root: $("#panel"),
    api,
    clock,
    agentId: session.agentId,
    isAdmin: session.isAdmin,
    // One place keeps the warnings (the queue): a warning that arrives while the panel is still
    // loading its conversation is shown once it is.
    closingWarning: (id) => queue.closing.get(id),
    onChanged: (conversation) => {
      queue.upsert(conversation);
      summary.show(conversation, queue.conversations);
      refreshOpen();
    },
  });
  const queue = new Queue({
    root: $("#queue"),
    agentId: session.agentId,
    clock,
    onAccept: async (id) => {
      let conversation;
      try {
        conversation = await api.accept(id);
      } catch (error) {
        // Taken by someone else: the card says so for a moment, then the queue re-syncs.
        if (error.status === 409) setTimeout(refreshQueue, CONFLICT_SHOWN_MS);
        throw error;
      }
      queue.upsert(conversation);
      await open(id);
    },
    onOpen: (id) => open(id),
    history: (address) => api.customer(address),
  });

  // The search page's module loads the first time it is opened: not part of the first load.
  let searchPage = null;
  async function showSearch(shown) {
    if (shown && !searchPage) {
      try {
        const { SearchPage } = await import("./search.js");
        searchPage = new SearchPage({
          root: $("#search-page"),
          api,
          onOpen: (id) => {
            showSearch(false);
            open(id);
          },
          onClose: () => showSearch(false),
        });
      } catch {
        showError($("#desk-error"), new Error("The search page could not be loaded. Reload the page."));
        return;
      }
    }
    $("#search-page").hidden = !shown;
    $("#quick-replies-page").hidden = true;
    $(".layout").hidden = shown;
    $("#open-search").setAttribute("aria-expanded", String(shown));
    if (shown) searchPage.focus();
    else $("#open-search").focus();
  }
  $("#open-search").addEventListener("click", () => showSearch($("#search-page").hidden));

  // Administrators write the quick replies every agent uses (loaded on first use).
  let quickRepliesAdmin = null;
  $("#manage-quick-replies").hidden = !session.isAdmin;
  $("#manage-quick-replies").addEventListener("click", async () => {
    const page = $("#quick-replies-page");
    const close = () => {
      page.hidden = true;
      $(".layout").hidden = false;
      $("#manage-quick-replies").focus();
    };
    if (!quickRepliesAdmin) {
      try {
        const { QuickRepliesAdmin } = await import("./quickreplies-admin.js");
        quickRepliesAdmin = new QuickRepliesAdmin({ root: page, api, onClose: close });
      } catch {
        return showError($("#desk-error"), new Error("The quick replies page could not be loaded. Reload the page."));
      }
    }
    if (!page.hidden) return close();
    $("#search-page").hidden = true;
    $(".layout").hidden = true;
    page.hidden = false;
    quickRepliesAdmin.load();
    quickRepliesAdmin.focus();
  });

  // "New conversation", loaded on first use like the search page.
  let newConversation = null;
  $("#open-new-conversation").addEventListener("click", async () => {
    const region = $("#new-conversation");
    if (!newConversation) {
      try {
        const { NewConversationForm } = await import("./newconversation.js");
        newConversation = new NewConversationForm({
          root: region,
          api,
          onStarted: (conversation) => {
            region.hidden = true;
            $("#open-new-conversation").setAttribute("aria-expanded", "false");
            queue.upsert(conversation);
            open(conversation.id);
          },
        });
      } catch {
        return showError($("#desk-error"), new Error("The form could not be loaded. Reload the page."));
      }
    }
    region.hidden = !region.hidden;
    $("#open-new-conversation").setAttribute("aria-expanded", String(!region.hidden));
    if (!region.hidden) newConversation.focus();
  });

  async function open(id) {
    queue.select(id);
    clearError($("#desk-error"));
    try {
      const conversation = await api.conversation(id);
      panel.show(conversation);
      summary.show(conversation, queue.conversations);
      $("#panel").focus();
    } catch (error) {
      showError($("#desk-error"), error);
    }
  }

  async function refreshOpen() {
    if (!panel.id) return;
    try {
      panel.show(await api.conversation(panel.id));
    } catch (error) {
      if (error.status !== 401) showError($("#desk-error"), error);
    }
  }

  async function refreshQueue() {
    try {
      const { conversations } = await api.listConversations();
      queue.render(conversations);
      clearError($("#desk-error"));
    } catch (error) {
      if (error.status !== 401) showError($("#desk-error"), error);
    }
  }

  // Presence: the agent's choice, kept for this tab and sent again after a reload.
  const presence = $("#presence");
  const applyPresence = async (status) => {
    clearError($("#presence-error"));
    try {
      await api.setPresence(session.agentId, status);
      sessionStorage.setItem(PRESENCE_KEY, status);
      queue.setAvailable(status === "available");
    } catch (error) {
      showError($("#presence-error"), error);
      presence.value = sessionStorage.getItem(PRESENCE_KEY) ?? "offline";
    }
  };
  presence.value = sessionStorage.getItem(PRESENCE_KEY) ?? "offline";
  if (presence.value !== "offline") applyPresence(presence.value);
  presence.addEventListener("change", () => applyPresence(presence.value));
  $("#sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(PRESENCE_KEY);
    api.setPresence(session.agentId, "offline").catch(() => {}).finally(() => session.signOut());
  });

  const refreshAll = () => Promise.all([refreshQueue(), refreshOpen()]);
  const live = new LiveChannel({
    url: () => liveUrl(config, session),
    onState: (connected) => {
      $("#live-status").textContent = connected ? "Live" : "Reconnecting…";
      $("#live-status").dataset.connected = String(connected);
      // Whatever happened while the socket was down is read once over REST.
      if (connected) refreshAll();
    },
    onEvent: (event) => {
      if (event.event_type === "window.closing") {
        queue.warn(event);
        panel.warn(event);
      }
      refreshQueue();
      if (event.conversation_id && event.conversation_id === panel.id) refreshOpen();
    },
  });
  live.start();

  const poll = async () => {
    if (!live.connected && document.visibilityState === "visible") await refreshAll();
    setTimeout(poll, POLL_MS);
  };
  poll();
  setInterval(() => {
    panel.refreshControls();
    queue.render(queue.conversations);
  }, TICK_MS);
}

window.addEventListener("unhandledrejection", (event) => {
  console.error(event.reason);
});

main();
