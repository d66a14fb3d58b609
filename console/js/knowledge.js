// The Knowledge pane beside the conversation: smart suggestions for what the customer asked (up
// to 3 articles and 3 quick replies, refreshed by `conversation.suggestions` frames), a search of
// the knowledge articles, and an article opened as text, with **Insert** (into Message, by the
// rule of `insertion` in assist.js) and **Copy link**. Loaded with the first conversation opened.

import { h, replaceChildren } from "./dom.js";
import { articleLink, insertion, insertionNote, mergeSuggestions, suggestionCards } from "./assist.js";

const SEARCH_DELAY_MS = 300;

export class KnowledgePane {
  /**
   * `room()` is how many characters Message still takes; `insert(text)` puts text in it (at the
   * cursor) and gives it the keyboard.
   */
  constructor({ api, room, insert }) {
    this.api = api;
    this.room = room;
    this.insertText = insert;
    this.conversationId = null;
    this.suggestions = null;
    /** Bumped by each frame: a GET answer older than the latest frame is dropped. */
    this.generation = 0;
    this.insertable = false;
    /** The article open, and whether it was opened from a suggestion (its Insert counts as used). */
    this.article = null;
    this.fromSuggestion = false;
    this.searchTimer = null;
    this.searchSeq = 0;

    this.cards = h("ul", { class: "suggestion-cards" });
    this.cardsStatus = h("p", { class: "muted" }, "Looking for suggestions…");
    this.insertHint = h("p", { class: "hint" });
    this.note = h("p", { class: "muted", role: "status" });
    this.query = h("input", { id: "knowledge-q", type: "search", autocomplete: "off", maxlength: 200, "aria-describedby": "knowledge-q-hint" });
    this.query.addEventListener("input", () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.search(), SEARCH_DELAY_MS);
    });
    const form = h(
      "form",
      { class: "knowledge-search", role: "search", "aria-label": "Search knowledge articles" },
      h("label", { for: "knowledge-q" }, "Search articles"),
      h("div", { class: "search-row" }, this.query, h("button", { type: "submit", class: "secondary" }, "Search")),
      h("p", { id: "knowledge-q-hint", class: "hint" }, "Words from the title or text; search with nothing typed to list every article."),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(this.searchTimer);
      this.search();
    });
    this.count = h("p", { class: "muted", role: "status" });
    this.results = h("ul", { class: "knowledge-results", "aria-label": "Articles found" });
    this.error = h("p", { class: "error", role: "alert", hidden: true });

    // The open article: its text as text (never HTML), its address, Insert, Copy link, Back.
    this.articleTitle = h("h4", { id: "knowledge-article-title", tabindex: "-1" });
    this.articleMeta = h("p", { class: "muted" });
    this.articleBody = h("div", { class: "article-body" });
    this.articleLink = h("p", { class: "article-link" });
    this.insertButton = h("button", { type: "button", class: "primary", onclick: () => this.insertArticle() }, "Insert");
    this.copyButton = h("button", { type: "button", class: "secondary", onclick: () => this.copyLink() }, "Copy link");
    this.backButton = h("button", { type: "button", class: "secondary", onclick: () => this.closeArticle() }, "Back to results");
    this.articleStatus = h("p", { class: "muted", role: "status" });
    this.articleView = h(
      "article",
      { class: "knowledge-article", "aria-labelledby": "knowledge-article-title", hidden: true },
      this.articleTitle,
      this.articleMeta,
      this.articleBody,
      this.articleLink,
      h("div", { class: "actions" }, this.insertButton, this.copyButton, this.backButton),
      this.articleStatus,
    );
    this.found = h("div", { class: "knowledge-found" }, this.count, this.results);

    this.root = h(
      "section",
      { class: "tool knowledge", "aria-labelledby": "knowledge-title" },
      h("h3", { id: "knowledge-title" }, "Knowledge"),
      h(
        "section",
        { class: "suggested", "aria-labelledby": "suggested-title" },
        h("h4", { id: "suggested-title" }, "Suggested for this conversation"),
        this.cardsStatus,
        this.cards,
        this.note,
      ),
      this.insertHint,
      form,
      this.error,
      this.found,
      this.articleView,
    );
    this.setInsertable(false);
  }

  /** A conversation shown: another one starts afresh (its suggestions read once). */
  show(conversation) {
    if (conversation.id === this.conversationId) return;
    this.conversationId = conversation.id;
    this.suggestions = null;
    this.note.textContent = "";
    replaceChildren(this.cards);
    this.cardsStatus.textContent = "Looking for suggestions…";
    this.cardsStatus.hidden = false;
    this.loadSuggestions();
  }

  async loadSuggestions() {
    const id = this.conversationId;
    const generation = this.generation;
    try {
      const answer = await this.api.suggestions(id);
      // A frame that came in meanwhile is newer than this answer.
      if (id === this.conversationId && generation === this.generation) this.suggest(answer);
    } catch (error) {
      if (id === this.conversationId && !this.suggestions) this.cardsStatus.textContent = `Suggestions could not be loaded: ${error.message}`;
    }
  }

  /** A `conversation.suggestions` frame (or the GET's answer): the cards follow. */
  live(event) {
    if (event.conversation_id !== this.conversationId) return;
    this.generation += 1;
    this.suggest(event);
  }

  suggest(incoming) {
    this.suggestions = mergeSuggestions(this.suggestions, incoming, this.conversationId);
    const cards = suggestionCards(this.suggestions);
    this.cardsStatus.textContent = cards.length ? "" : "Nothing to suggest yet: suggestions follow what the customer asks.";
    this.cardsStatus.hidden = cards.length > 0;
    // Cards already shown are kept and moved only when the order changed (a moved node loses the
    // keyboard focus); the order follows the server's.
    const shown = new Map([...this.cards.children].map((li) => [li.dataset.key, li]));
    const focused = this.cards.contains(document.activeElement) ? document.activeElement : null;
    const items = cards.map((card) => shown.get(card.key) ?? this.cardElement(card));
    for (const [key, li] of shown) if (!cards.some((c) => c.key === key)) li.remove();
    items.forEach((li, i) => {
      if (this.cards.children[i] !== li) this.cards.insertBefore(li, this.cards.children[i] ?? null);
    });
    if (focused && document.activeElement !== focused) (focused.isConnected ? focused : (this.cards.querySelector("button") ?? this.query)).focus();
    this.refreshButtons();
  }

  cardElement(card) {
    const insert = h(
      "button",
      { type: "button", class: "primary small", "aria-label": `Insert ${card.kindWord.toLowerCase()}: ${card.title}`, onclick: () => this.useSuggestion(card) },
      "Insert",
    );
    const open =
      card.kind === "article"
        ? h(
            "button",
            { type: "button", class: "secondary small", "aria-label": `Open article: ${card.title}`, onclick: () => this.openArticle(card.id, { fromSuggestion: true }) },
            "Open",
          )
        : null;
    return h(
      "li",
      { class: `suggestion ${card.kind}`, dataset: { key: card.key } },
      h("p", { class: "suggestion-kind" }, card.kindWord),
      h("p", { class: "suggestion-title" }, card.title),
      card.text ? h("p", { class: "suggestion-text" }, card.text) : null,
      h("div", { class: "actions" }, insert, open),
    );
  }

  /** Insert works only while Message does (the assigned agent, the window open). */
  setInsertable(insertable) {
    this.insertable = insertable;
    this.insertHint.textContent = insertable ? "" : "Insert puts text in Message, which is open to the assigned agent while the 24-hour window is.";
    this.insertHint.hidden = insertable;
    this.refreshButtons();
  }

  refreshButtons() {
    for (const button of this.root.querySelectorAll(".suggestion button.primary")) button.disabled = !this.insertable;
    this.insertButton.disabled = !this.insertable;
  }

  async useSuggestion(card) {
    this.error.hidden = true;
    try {
      if (card.kind === "article") {
        const article = await this.api.article(card.id);
        this.put(article);
      } else {
        const reply = this.suggestions?.quick_replies.find((q) => q.id === card.id);
        this.insertText(insertion({ body: reply?.body ?? card.text }, this.room()).text);
        this.note.textContent = "The quick reply was inserted in Message.";
      }
    } catch (error) {
      return this.fail(error);
    }
    this.used(card.kind, card.id);
  }

  /** Tells the server a suggestion was used; a failure is never the agent's problem. */
  used(kind, itemId) {
    const id = this.conversationId;
    this.api.suggestionUsed(id, kind, itemId).catch((error) => console.warn("suggestion use not recorded:", error?.code ?? error?.message ?? error));
  }

  /** Puts an article in Message by the rule (whole, first paragraph and link, link, or its beginning). */
  put(article) {
    const { text, kind } = insertion(article, this.room());
    this.insertText(text);
    const open = this.article?.id === article.id && !this.articleView.hidden;
    (open ? this.articleStatus : this.note).textContent = insertionNote(kind);
  }

  async search() {
    const q = this.query.value.trim();
    const seq = ++this.searchSeq;
    this.error.hidden = true;
    this.count.textContent = "Searching…";
    try {
      const { articles } = await this.api.knowledge(q ? { q, limit: 20 } : { limit: 100 });
      if (seq !== this.searchSeq) return;
      this.count.textContent = articles.length
        ? `${articles.length} article${articles.length === 1 ? "" : "s"}${q ? ` for “${q}”` : ""}`
        : q
          ? `No article matches “${q}”.`
          : "There are no articles yet.";
      replaceChildren(
        this.results,
        articles.map((a) =>
          h(
            "li",
            { class: "knowledge-result", dataset: { articleId: a.id } },
            h("button", { type: "button", class: "link-button", onclick: () => this.openArticle(a.id) }, a.title),
            a.snippet ? h("p", { class: "snippet" }, a.snippet) : null,
          ),
        ),
      );
      this.closeArticle(false);
    } catch (error) {
      if (seq === this.searchSeq) {
        this.count.textContent = "";
        this.fail(error);
      }
    }
  }

  async openArticle(id, { fromSuggestion = false } = {}) {
    this.error.hidden = true;
    let article;
    try {
      article = await this.api.article(id);
    } catch (error) {
      return this.fail(error);
    }
    this.article = article;
    this.fromSuggestion = fromSuggestion;
    this.articleTitle.textContent = article.title;
    this.articleMeta.textContent = [
      article.tags?.length ? `Tags: ${article.tags.join(", ")}` : null,
      article.updated_by ? `Last changed by ${article.updated_by}` : null,
    ]
      .filter(Boolean)
      .join(" · ");
    // Paragraphs as text: an article is never HTML here.
    replaceChildren(
      this.articleBody,
      String(article.body ?? "")
        .split(/\n[ \t]*\n/)
        .filter((p) => p.trim())
        .map((p) => h("p", {}, p.trim())),
    );
    const link = articleLink(article.url);
    replaceChildren(
      this.articleLink,
      link ? h("a", { href: link, target: "_blank", rel: "noopener noreferrer", class: "url" }, link) : h("span", { class: "muted" }, "This article has no link."),
    );
    this.copyButton.hidden = !link;
    this.insertButton.setAttribute("aria-label", `Insert article: ${article.title}`);
    this.copyButton.setAttribute("aria-label", `Copy link of article: ${article.title}`);
    this.articleStatus.textContent = "";
    this.found.hidden = true;
    this.articleView.hidden = false;
    this.refreshButtons();
    this.articleTitle.focus();
  }

  /** Back to the results; the keyboard back on the article's result when it is listed (`focus`). */
  closeArticle(focus = true) {
    if (this.articleView.hidden) return;
    const id = this.article?.id;
    this.articleView.hidden = true;
    this.found.hidden = false;
    this.article = null;
    if (!focus) return;
    const item = [...this.results.children].find((li) => li.dataset.articleId === id);
    (item?.querySelector("button") ?? this.query).focus();
  }

  insertArticle() {
    if (!this.article) return;
    this.put(this.article);
    if (this.fromSuggestion) this.used("article", this.article.id);
  }

  async copyLink() {
    const link = articleLink(this.article?.url);
    if (!link) return;
    try {
      if (!navigator.clipboard?.writeText) throw new Error("no clipboard");
      await navigator.clipboard.writeText(link);
      this.articleStatus.textContent = "Link copied.";
    } catch {
      // Selected for the agent to copy by hand (Ctrl+C, or ⌘C).
      const url = this.articleLink.querySelector(".url");
      if (url) getSelection()?.selectAllChildren(url);
      this.articleStatus.textContent = `This browser did not let the console copy: the link is selected, copy it with Ctrl+C (⌘C on a Mac): ${link}`;
    }
  }

  fail(error) {
    this.error.textContent = error.message;
    this.error.hidden = false;
  }
}
