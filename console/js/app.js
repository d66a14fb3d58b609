// The agent console: sign-in, then the desk (presence, queue, conversation, customer summary).
// The server is the source of truth: the page renders what the API answers. Changes arrive over
// the live channel (a WebSocket); the page re-syncs over REST after every (re)connect, and polls
// every few seconds only while the channel is down.

import { createApi } from "./api.js";
import { beginOidcSignIn, restoreLocal, restoreOidc, signInLocal } from "./auth.js";
import { ServerClock } from "./clock.js";
import { LiveChannel, liveUrl } from "./live.js";
import { clearError, showError } from "./dom.js";
import { LoadMeter, Notices, lapsedText, overflowText } from "./offers.js";
import { Pages, disclosure } from "./pages.js";
import { Queue } from "./queue.js";
import { CustomerSummary } from "./summary.js";
import { negativeText } from "./sentiment.js";
import { customerName } from "./customer.js";

const POLL_MS = 3000;
const TICK_MS = 15000;
const CONFLICT_SHOWN_MS = 4000;
const OFFER_STATUS_MS = 60_000;
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
  const summary = new CustomerSummary($("#summary"), { api, onOpen: (id) => open(id), isAdmin: session.isAdmin });
  // An administrator erased the customer (customer-privacy.js): their open conversation goes, and
  // the queue is read again without theirs.
  $("#summary").addEventListener("customer-erased", (event) => {
    if (panel?.id && queue.conversations.some((c) => c.id === panel.id && c.customer?.address === event.detail.address)) {
      panel.showEmpty();
    }
    refreshQueue();
  });
  // The communication panel (transcript, composer) loads with the first conversation opened:
  // the first load is the queue and its cards, and stays under 100 kB.
  let panel = null;
  let panelModule = null;
  async function loadPanel() {
    panelModule ??= import("./conversation.js").catch(() => {
      panelModule = null;
      throw new Error("The conversation could not be loaded. Reload the page.");
    });
    const { ConversationPanel } = await panelModule;
    panel ??= new ConversationPanel({
      root: $("#panel"),
      api,
      clock,
      agentId: session.agentId,
      isAdmin: session.isAdmin,
      // One place keeps the warnings (the queue): a warning that arrives while the panel is still
      // loading its conversation is shown once it is.
      closingWarning: (id) => queue.closing.get(id),
      onWrapUp: (id) => wrapUp(id),
      onChanged: (conversation) => {
        load.schedule();
        queue.upsert(conversation);
        summary.show(conversation, queue.conversations);
        refreshOpen();
      },
    });
    return panel;
  }
  // The wrap-up form (wrapup.js, loaded the first time one is wanted): after the agent's own
  // Close, from the conversation's header, or `auto` when someone else closed their conversation.
  let wrapUps = null;
  async function wrapUp(id, auto = false) {
    wrapUps ??= import("./wrapup.js").then(
      ({ WrapUps }) =>
        new WrapUps({
          api,
          agentId: session.agentId,
          isAdmin: session.isAdmin,
          onSaved: (conversation) => {
            queue.upsert(conversation);
            if (panel?.id === conversation.id) refreshOpen();
          },
          onChanged: (changedId, partial) => panel?.patch(changedId, partial),
        }),
      () => {
        wrapUps = null;
        throw new Error("The wrap-up form could not be loaded. Reload the page.");
      },
    );
    try {
      (await wrapUps).open(id, { auto });
    } catch (error) {
      showError($("#desk-error"), error);
    }
  }

  // The agent's load (active conversations and outstanding offers) in the top bar.
  const load = new LoadMeter({ element: $("#agent-load"), read: () => api.agent(session.agentId) });
  const notices = new Notices($("#desk-notices"));
  // Polite notices (role="status"): a conversation whose customer's sentiment turned negative.
  const moods = new Notices($("#desk-status"));
  let offerStatusTimer = null;
  // Taken by someone else, or the offer moved on: the card says so for a moment, then the queue re-syncs.
  const conflict = (error) => {
    if (error.status === 409) setTimeout(refreshQueue, CONFLICT_SHOWN_MS);
    throw error;
  };
  const queue = new Queue({
    root: $("#queue"),
    agentId: session.agentId,
    isAdmin: session.isAdmin,
    clock,
    onAccept: async (id) => {
      const conversation = await api.accept(id).catch(conflict);
      load.schedule();
      queue.upsert(conversation);
      await open(id);
    },
    onReject: async (id) => {
      await api.reject(id).catch(conflict);
      load.schedule();
      refreshQueue();
    },
    onLapse: (name) => {
      $("#offer-status").textContent = lapsedText(name);
      clearTimeout(offerStatusTimer);
      offerStatusTimer = setTimeout(() => ($("#offer-status").textContent = ""), OFFER_STATUS_MS);
    },
    onOpen: (id) => open(id),
    history: (address) => api.customer(address),
  });

  // Search, and for administrators quick replies and the board: pages loaded on first use.
  const pages = new Pages({ layout: $(".layout"), onError: (error) => showError($("#desk-error"), error) });
  // Administrators' pages, in the "Manage" menu: closing one gives the keyboard back to "Manage".
  $("#manage").hidden = !session.isAdmin;
  disclosure($("#open-manage"), $("#manage-menu"));
  const back = $("#open-manage");
  pages.add({
    button: $("#open-search"),
    root: $("#search-page"),
    failure: "The search page could not be loaded. Reload the page.",
    create: async (close) => {
      const { SearchPage } = await import("./search.js");
      const onOpen = (id) => {
        close();
        open(id);
      };
      return new SearchPage({ root: $("#search-page"), api, onOpen, onClose: close });
    },
  });
  pages.add({
    button: $("#manage-quick-replies"),
    back,
    root: $("#quick-replies-page"),
    failure: "The quick replies page could not be loaded. Reload the page.",
    create: async (close) => {
      const { QuickRepliesAdmin } = await import("./quickreplies-admin.js");
      const admin = new QuickRepliesAdmin({ root: $("#quick-replies-page"), api, onClose: close });
      return { focus: () => admin.focus(), shown: () => admin.load() };
    },
  });
  pages.add({
    button: $("#manage-dispositions"),
    back,
    root: $("#dispositions-page"),
    failure: "The outcomes page could not be loaded. Reload the page.",
    create: async (close) => {
      const { DispositionsAdmin } = await import("./dispositions-admin.js");
      const admin = new DispositionsAdmin({ root: $("#dispositions-page"), api, onClose: close });
      return { focus: () => admin.focus(), shown: () => admin.load() };
    },
  });
  // Knowledge articles and agent scripts, written by administrators, and the audit log (loaded on first use).
  for (const [button, page, module, name, what] of [
    ["#manage-knowledge", "#knowledge-page", "./knowledge-admin.js", "KnowledgeAdmin", "knowledge"],
    ["#manage-scripts", "#scripts-page", "./scripts-admin.js", "ScriptsAdmin", "scripts"],
    ["#open-audit", "#audit-page", "./audit.js", "AuditPage", "audit"],
  ]) {
    pages.add({
      button: $(button),
      back,
      root: $(page),
      failure: `The ${what} page could not be loaded. Reload the page.`,
      create: async (close) => {
        const admin = new (await import(module))[name]({ root: $(page), api, onClose: close });
        return { focus: () => admin.focus(), shown: () => admin.load() };
      },
    });
  }
  let board = null;
  pages.add({
    button: $("#open-board"),
    back,
    root: $("#board-page"),
    failure: "The board could not be loaded. Reload the page.",
    create: async (close) => {
      const { BoardPage } = await import("./board.js");
      return (board = new BoardPage({ root: $("#board-page"), api, onClose: close }));
    },
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
          isAdmin: session.isAdmin,
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
      const [conversation, shown] = await Promise.all([api.conversation(id), loadPanel()]);
      shown.show(conversation);
      summary.show(conversation, queue.conversations);
      $("#panel").focus();
    } catch (error) {
      showError($("#desk-error"), error);
    }
  }

  async function refreshOpen() {
    if (!panel?.id) return;
    try {
      panel.show(await api.conversation(panel.id));
    } catch (error) {
      if (error.status !== 401) showError($("#desk-error"), error);
    }
  }

  let loadSignature = null;
  async function refreshQueue() {
    try {
      const { conversations } = await api.listConversations();
      // This agent's conversation closed by someone else (an administrator): offer its wrap-up.
      const before = new Map(queue.conversations.map((c) => [c.id, c.state]));
      queue.render(conversations);
      for (const c of conversations) {
        const was = before.get(c.id);
        if (was && was !== "closed" && c.state === "closed" && c.assigned_agent === session.agentId) wrapUp(c.id, true);
      }
      clearError($("#desk-error"));
      // A negative sentiment's notice stands until the list says otherwise (or the conversation closed).
      const over = new Set(conversations.filter((c) => c.state === "closed" || (c.sentiment && c.sentiment.label !== "negative")).map((c) => `negative ${c.id}`));
      moods.prune((key) => over.has(key));
      // A notice of a request nobody could take stands while the request still waits.
      const waiting = new Set(conversations.filter((c) => c.state === "requested").map((c) => `overflow ${c.id}`));
      notices.prune((key) => key.startsWith("overflow ") && !waiting.has(key));
      // The load follows what the queue says is the agent's (also while polling with the socket down).
      const signature = conversations
        .filter((c) => (c.assigned_agent === session.agentId && c.state === "active") || c.offered_to === session.agentId)
        .map((c) => `${c.id} ${c.state} ${c.offered_to}`)
        .join();
      if (signature !== loadSignature) {
        loadSignature = signature;
        load.schedule();
      }
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
      if (status === "available") notices.clear("missed");
      // What waits (or was offered) while the agent was away is read again, not guessed.
      refreshQueue();
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

  // Set to Away by the server after offers ran out: the control and the tab follow.
  const missed = (event) => {
    presence.value = "away";
    sessionStorage.setItem(PRESENCE_KEY, "away");
    queue.setAvailable(false);
    notices.show("missed", event.message || "You were set to Away: offers to you ran out without an answer.");
  };
  const routingEvent = (event) => {
    const mine = !event.agent_id || event.agent_id === session.agentId;
    if (event.event_type === "conversation.offer_expired" && mine) queue.offerEnded(event.conversation_id, true);
    if (event.event_type === "conversation.offer_withdrawn" && mine) queue.offerEnded(event.conversation_id);
    if (event.event_type === "agent.missed" && mine) missed(event);
    if (event.event_type === "conversation.overflow" && session.isAdmin) {
      notices.show(`overflow ${event.conversation_id}`, overflowText(event));
    }
  };
  // Assist's frames: sentiment (the card, the header, the message), suggestions, a turn to negative.
  const assistEvent = (event) => {
    const id = event.conversation_id;
    if (event.event_type === "conversation.sentiment") queue.sentiment(event);
    if (/^conversation\.(sentiment|suggestions)$/.test(event.event_type) && id === panel?.id) panel.live(event);
    const mine = queue.conversations.find((c) => c.id === id)?.assigned_agent === session.agentId;
    if (event.event_type === "conversation.sentiment_negative" && (mine || session.isAdmin)) {
      const name = customerName(event.customer);
      moods.show(`negative ${id}`, negativeText(event), { text: "Open", label: `Open the conversation with ${name}`, run: () => open(id) });
    }
  };

  const refreshAll = () => Promise.all([refreshQueue(), refreshOpen()]);
  const live = new LiveChannel({
    url: () => liveUrl(config, session),
    onState: (connected) => {
      $("#live-status").textContent = connected ? "Live" : "Reconnecting…";
      $("#live-status").dataset.connected = String(connected);
      // Whatever happened while the socket was down is read once over REST.
      if (connected) refreshAll().then(load.schedule);
    },
    onEvent: (event) => {
      // A reply's status is patched from the frame first; the conversation is read again otherwise.
      const patched = event.event_type === "message.status" && panel?.liveStatus(event);
      if (event.event_type === "window.closing") {
        queue.warn(event);
        panel?.warn(event);
      }
      routingEvent(event);
      assistEvent(event);
      refreshQueue();
      // A message or its status changes no load; a conversation's or the agent's own change may.
      if (/^(conversation|agent)\./.test(event.event_type ?? "")) load.schedule();
      board?.schedule();
      if (event.conversation_id && event.conversation_id === panel?.id && !patched) refreshOpen();
    },
  });
  live.start();

  const poll = async () => {
    if (!live.connected && document.visibilityState === "visible") await refreshAll();
    setTimeout(poll, POLL_MS);
  };
  poll();
  setInterval(() => {
    panel?.refreshControls();
    queue.render(queue.conversations);
  }, TICK_MS);
}

window.addEventListener("unhandledrejection", (event) => {
  console.error(event.reason);
});

main();
