// Quick replies in the composer: a picker (Quick reply + Insert), and "/" at the start of the
// message box, which lists the quick replies whose title matches what follows; arrows move,
// Enter or a click inserts, Escape closes.

import { h, replaceChildren } from "./dom.js";

export class QuickReplies {
  constructor({ api }) {
    this.api = api;
    this.all = [];
    this.loaded = null;
    this.active = -1;
    this.matches = [];
    this.textarea = null;
    this.select = h("select", { id: "quick-reply" });
    this.insertButton = h("button", { type: "button", class: "secondary", onclick: () => this.insertChosen() }, "Insert");
    this.error = h("p", { class: "error", role: "alert", hidden: true });
    this.suggestions = h("ul", { id: "quick-reply-suggestions", class: "suggestions", role: "listbox", "aria-label": "Quick replies", hidden: true });
    this.root = h(
      "div",
      { class: "quick-replies" },
      h("label", { for: "quick-reply" }, "Quick reply"),
      h("div", { class: "actions" }, this.select, this.insertButton),
      this.error,
    );
    this.select.addEventListener("focus", () => this.load());
  }

  /** Loads the list once (and again after `refresh`). */
  load() {
    this.loaded ??= this.api
      .quickReplies()
      .then(({ quick_replies }) => {
        this.all = quick_replies;
        this.error.hidden = true;
        replaceChildren(
          this.select,
          this.all.length ? this.all.map((q) => h("option", { value: q.id }, q.title)) : h("option", { value: "" }, "No quick replies yet"),
        );
        this.insertButton.disabled = this.all.length === 0;
      })
      .catch((error) => {
        this.loaded = null;
        this.error.textContent = error.message;
        this.error.hidden = false;
      });
    return this.loaded;
  }

  refresh() {
    this.loaded = null;
    return this.load();
  }

  /** Binds to the composer's message box. */
  attach(textarea) {
    this.textarea = textarea;
    // A box that pops up a list is a combobox (ARIA 1.2): the role that allows aria-expanded.
    textarea.setAttribute("role", "combobox");
    textarea.setAttribute("aria-haspopup", "listbox");
    textarea.setAttribute("aria-expanded", "false");
    textarea.setAttribute("aria-controls", "quick-reply-suggestions");
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.addEventListener("input", () => this.suggest());
    textarea.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    this.load();
  }

  async suggest() {
    const typed = /^\/(\S*)$/.exec(this.textarea.value);
    if (!typed) return this.close();
    await this.load();
    const wanted = typed[1].toLowerCase();
    this.matches = this.all.filter((q) => q.title.toLowerCase().includes(wanted) || q.id.includes(wanted));
    this.active = this.matches.length ? 0 : -1;
    this.renderSuggestions();
  }

  renderSuggestions() {
    if (!this.matches.length) {
      replaceChildren(this.suggestions, h("li", { class: "muted", role: "option", "aria-disabled": "true" }, "No quick reply matches."));
    } else {
      replaceChildren(
        this.suggestions,
        this.matches.map((q, i) =>
          h(
            "li",
            {
              id: `quick-reply-option-${i}`,
              role: "option",
              "aria-selected": String(i === this.active),
              class: i === this.active ? "active" : "",
              onmousedown: (event) => {
                event.preventDefault();
                this.insert(q);
              },
            },
            h("strong", {}, q.title),
            " ",
            h("span", { class: "muted" }, q.body.length > 60 ? `${q.body.slice(0, 60)}…` : q.body),
          ),
        ),
      );
    }
    this.suggestions.hidden = false;
    this.textarea.setAttribute("aria-expanded", "true");
    if (this.active >= 0) this.textarea.setAttribute("aria-activedescendant", `quick-reply-option-${this.active}`);
  }

  close() {
    this.suggestions.hidden = true;
    this.matches = [];
    this.active = -1;
    this.textarea?.setAttribute("aria-expanded", "false");
    this.textarea?.removeAttribute("aria-activedescendant");
  }

  /** The composer asks first: `true` when the key was for the suggestions. */
  onKeydown(event) {
    if (this.suggestions.hidden) return false;
    if (event.key === "Escape") {
      this.close();
      return true;
    }
    if (!this.matches.length) return false;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.active = (this.active + step + this.matches.length) % this.matches.length;
      this.renderSuggestions();
      event.preventDefault();
      return true;
    }
    if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      this.insert(this.matches[this.active]);
      return true;
    }
    return false;
  }

  insertChosen() {
    const chosen = this.all.find((q) => q.id === this.select.value);
    if (chosen) this.insert(chosen);
  }

  /** Puts a quick reply in the message box: in place of "/…", else at the cursor. */
  insert(quickReply) {
    const box = this.textarea;
    if (!box || !quickReply) return;
    if (/^\/\S*$/.test(box.value)) {
      box.value = quickReply.body;
    } else {
      const start = box.selectionStart ?? box.value.length;
      const end = box.selectionEnd ?? start;
      box.value = box.value.slice(0, start) + quickReply.body + box.value.slice(end);
    }
    this.close();
    box.dispatchEvent(new Event("input"));
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }
}
