// Administrators' page for knowledge articles: every agent searches and reads them (the Knowledge
// pane beside a conversation), only administrators write them (the server answers 403 otherwise).
// Loaded on first use.

import { editDeleteActions } from "./admin-actions.js";
import { h, replaceChildren } from "./dom.js";
import { MAX_ARTICLE_CHARS, articleDraft, articleLink, loadAssistStyles } from "./assist.js";
import { summaryCount } from "./outcomes.js";

const COUNT_ANNOUNCE_MS = 1000;

export class KnowledgeAdmin {
  constructor({ root, api, onClose }) {
    this.api = api;
    loadAssistStyles();
    this.list = h("ul", { class: "results", "aria-label": "Knowledge articles" });
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.status = h("p", { class: "muted", role: "status" });
    const field = (id, label, element, hint = null) =>
      h("div", { class: "field" }, h("label", { for: id }, label), hint, element);
    this.idInput = h("input", { id: "ka-id", type: "text", maxlength: 64, autocomplete: "off", "aria-describedby": "ka-id-hint" });
    this.titleInput = h("input", { id: "ka-title", type: "text", maxlength: 200, autocomplete: "off", required: true });
    this.bodyInput = h("textarea", { id: "ka-body", rows: 8, required: true, "aria-describedby": "ka-body-count" });
    this.count = h("p", { id: "ka-body-count", class: "hint count" });
    // The count is read out once typing pauses, not at every keystroke.
    this.countStatus = h("p", { class: "visually-hidden", role: "status" });
    this.urlInput = h("input", { id: "ka-url", type: "url", autocomplete: "off", placeholder: "https://" });
    this.tagsInput = h("input", { id: "ka-tags", type: "text", autocomplete: "off", "aria-describedby": "ka-tags-hint" });
    this.bodyInput.addEventListener("input", () => this.showCount(true));
    this.form = h(
      "form",
      { class: "template admin-form", "aria-label": "Save a knowledge article", novalidate: true },
      field("ka-title", "Title", this.titleInput),
      field("ka-id", "ID (optional)", this.idInput, h("p", { id: "ka-id-hint", class: "hint" }, "Letters, digits, - and _; made from the title when empty. Saving an existing ID replaces that article.")),
      h("div", { class: "field" }, h("label", { for: "ka-body" }, "Text"), this.bodyInput, this.count, this.countStatus),
      field("ka-url", "Link (https, optional)", this.urlInput),
      field("ka-tags", "Tags (optional)", this.tagsInput, h("p", { id: "ka-tags-hint", class: "hint" }, "Comma-separated, e.g. refund, delivery: at most 10.")),
      this.error,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", class: "primary" }, "Save article"),
        h("button", { type: "button", class: "secondary", onclick: () => this.clear() }, "Clear the form"),
        h("button", { type: "button", class: "secondary", onclick: () => onClose?.() }, "Back to conversations"),
      ),
    );
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    replaceChildren(
      root,
      h("h2", { id: "knowledge-admin-title" }, "Knowledge"),
      h("p", { class: "hint" }, "Articles agents search and insert from the Knowledge pane beside a conversation, and that are suggested for what customers ask. An article is plain text: no formatting."),
      this.form,
      this.status,
      h("h3", {}, "Articles"),
      this.list,
    );
    this.showCount(false);
  }

  focus() {
    this.titleInput.focus();
  }

  showCount(typed) {
    const count = summaryCount(this.bodyInput.value, MAX_ARTICLE_CHARS);
    this.count.textContent = count.text;
    this.count.classList.toggle("over", count.over);
    if (count.over) this.bodyInput.setAttribute("aria-invalid", "true");
    else this.bodyInput.removeAttribute("aria-invalid");
    clearTimeout(this.countTimer);
    if (typed) this.countTimer = setTimeout(() => (this.countStatus.textContent = count.text), COUNT_ANNOUNCE_MS);
  }

  fail(error, field = null) {
    this.error.textContent = error.message;
    this.error.hidden = false;
    field?.focus();
  }

  clear() {
    this.form.reset();
    this.error.hidden = true;
    this.showCount(false);
    this.titleInput.focus();
  }

  async load() {
    this.error.hidden = true;
    try {
      const { articles } = await this.api.knowledge({ limit: 100 });
      this.status.textContent = articles.length ? "" : "No articles yet.";
      replaceChildren(this.list, articles.map((a) => this.item(a)));
    } catch (error) {
      this.fail(error);
    }
  }

  item(a) {
    const link = articleLink(a.url);
    const actions = editDeleteActions({
      what: "article",
      title: a.title,
      consequence: "Agents will no longer find it.",
      onEdit: () => this.edit(a),
      onDelete: () => this.remove(a),
    });
    return h(
      "li",
      { class: "result", dataset: { articleId: a.id } },
      h("p", {}, h("strong", {}, a.title), ` (${a.id})`),
      a.snippet ? h("p", { class: "snippet" }, a.snippet) : null,
      h(
        "p",
        { class: "muted" },
        [a.tags?.length ? `Tags: ${a.tags.join(", ")}` : "No tags", a.updated_by ? `last changed by ${a.updated_by}` : null].filter(Boolean).join(" · "),
      ),
      link ? h("p", { class: "article-link" }, h("a", { href: link, target: "_blank", rel: "noopener noreferrer" }, link)) : null,
      actions,
    );
  }

  async edit(a) {
    this.error.hidden = true;
    let article;
    try {
      article = await this.api.article(a.id);
    } catch (error) {
      return this.fail(error);
    }
    this.idInput.value = article.id;
    this.titleInput.value = article.title;
    this.bodyInput.value = article.body;
    this.urlInput.value = article.url ?? "";
    this.tagsInput.value = (article.tags ?? []).join(", ");
    this.showCount(false);
    this.status.textContent = `Editing “${article.title}”.`;
    this.titleInput.focus();
  }

  async save() {
    this.error.hidden = true;
    const draft = articleDraft({
      id: this.idInput.value,
      title: this.titleInput.value,
      body: this.bodyInput.value,
      url: this.urlInput.value,
      tags: this.tagsInput.value,
    });
    if (draft.problem) {
      const fields = { title: this.titleInput, body: this.bodyInput, id: this.idInput, tags: this.tagsInput };
      return this.fail(new Error(draft.problem), fields[draft.field]);
    }
    try {
      await this.api.putArticle(draft.id, draft.body);
    } catch (error) {
      // The server's reason, in its words; the keyboard on the field it is most likely about.
      const field = error.status === 413 ? this.bodyInput : error.status === 422 ? this.firstSuspect(draft) : null;
      return this.fail(error, field);
    }
    this.form.reset();
    this.showCount(false);
    await this.load();
    this.status.textContent = `Saved “${draft.body.title}” (${draft.id}).`;
    this.titleInput.focus();
  }

  /** A 422's likely field: a link that is not https, else tags, else the title. */
  firstSuspect(draft) {
    if (draft.body.url && !/^https:\/\//i.test(draft.body.url)) return this.urlInput;
    if (draft.body.tags.length) return this.tagsInput;
    return this.titleInput;
  }

  async remove(a) {
    this.error.hidden = true;
    try {
      await this.api.deleteArticle(a.id);
    } catch (error) {
      return this.fail(error);
    }
    await this.load();
    this.status.textContent = `Deleted “${a.title}”.`;
    this.titleInput.focus();
  }
}
