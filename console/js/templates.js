// The template picker, shared by the composer and "New conversation": the approved WhatsApp
// templates (GET /templates, read once for the page's life), found by name, language or
// category; one field per variable with its sample as placeholder; a live preview of the body.
// Administrators may also type any Content SID ("Other template", the numbered variables).
// Loaded the first time a template is needed, never with the page.

import { h, replaceChildren } from "./dom.js";

export const CONTENT_SID = /^HX[0-9a-fA-F]{32}$/;
export const SID_PROBLEM = "The Content SID is HX followed by 32 hexadecimal characters.";
export const NOT_APPROVED_TEXT = "This template is not approved for WhatsApp any more; pick another.";
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;
const OTHER = "other";

/** The list as the server answered it, shared by every picker of the page. */
let cached = null;

/** The approved templates, read once for the page's life (read again after a failure or `forgetTemplates`). */
export function loadTemplates(api) {
  cached ??= api.templates().then(
    (answer) => (Array.isArray(answer?.templates) ? answer.templates.filter((t) => typeof t?.content_sid === "string") : []),
    (error) => {
      cached = null;
      throw error;
    },
  );
  return cached;
}

/** Forgets the list: the next picker that needs it reads it again (after a template was refused). */
export function forgetTemplates() {
  cached = null;
}

/** A template's variable names in number order: those it has samples for and those its body uses. */
export function variableNames(template) {
  const names = new Set(Object.keys(template?.variables ?? {}));
  for (const match of String(template?.body ?? "").matchAll(PLACEHOLDER)) names.add(match[1]);
  return [...names].sort(byNumber);
}

function byNumber(a, b) {
  const [x, y] = [Number(a), Number(b)];
  if (Number.isInteger(x) && Number.isInteger(y)) return x - y;
  return a.localeCompare(b);
}

/**
 * The body in pieces, for the preview: plain text, a value the agent typed (`value`), the sample
 * standing in for an empty variable (`sample`), or a placeholder with neither (`missing`).
 */
export function previewParts(body, values = {}, samples = {}) {
  const text = String(body ?? "");
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ kind: "text", text: text.slice(last, match.index) });
    const name = match[1];
    const value = values[name];
    if (typeof value === "string" && value.trim()) parts.push({ kind: "value", name, text: value });
    else if (samples?.[name] !== undefined && String(samples[name]) !== "") parts.push({ kind: "sample", name, text: String(samples[name]) });
    else parts.push({ kind: "missing", name, text: match[0] });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ kind: "text", text: text.slice(last) });
  return parts;
}

/** "Hi {{1}}" with {"1": "Zoë"} → "Hi Zoë"; an empty variable shows its sample. */
export function fillTemplate(body, values = {}, samples = {}) {
  return previewParts(body, values, samples)
    .map((part) => part.text)
    .join("");
}

/** "en" → "English (en)"; a code the browser cannot name stays as it is. */
export function languageName(code) {
  if (!code) return "Language not given";
  try {
    const name = new Intl.DisplayNames(["en"], { type: "language" }).of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code;
  }
}

/** "UTILITY" → "Utility". */
export function categoryName(category) {
  if (!category) return "No category";
  const words = String(category).toLowerCase().replace(/[_-]+/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "twilio/quick-reply" → "Quick reply". */
export function typeName(type) {
  const words = String(type ?? "").replace(/^[a-z]+\//, "").replace(/[_-]+/g, " ");
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : "";
}

/** "English (en) · Utility · Text": what a template is, in words, under its name. */
export function templateMeta(template) {
  const types = (template?.types ?? []).map(typeName).filter(Boolean).join(", ");
  return [languageName(template?.language), categoryName(template?.category), types].filter(Boolean).join(" · ");
}

/** The templates whose name, language or category hold every word of `query`. */
export function matchTemplates(templates, query) {
  const words = String(query ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return templates;
  return templates.filter((t) => {
    const said = [t.friendly_name, t.language, languageName(t.language), t.category, categoryName(t.category)].join(" ").toLowerCase();
    return words.every((word) => said.includes(word));
  });
}

/** What the agent reads when a template is refused: `template_not_approved` in plain words. */
export function templateProblem(error) {
  return error?.code === "template_not_approved" ? NOT_APPROVED_TEXT : (error?.message ?? String(error));
}

let pickers = 0;

export class TemplatePicker {
  /**
   * `prefix` keeps its ids apart from another picker's; `onInput()` is told of every change (a
   * new Idempotency-Key for the owner's next send), `onChoose()` when another template is chosen
   * (an error about the previous one no longer stands).
   */
  constructor({ api, prefix = `picker${++pickers}`, isAdmin = false, onInput = null, onChoose = null }) {
    this.api = api;
    this.prefix = prefix;
    this.isAdmin = isAdmin;
    this.onInput = onInput;
    this.onChoose = onChoose;
    this.templates = [];
    this.chosen = null;
    const id = (name) => `${prefix}-${name}`;
    this.search = h("input", {
      id: id("template-search"),
      type: "search",
      autocomplete: "off",
      spellcheck: "false",
      placeholder: "Name, language or category",
      "aria-describedby": id("template-count"),
    });
    this.count = h("p", { id: id("template-count"), class: "hint", role: "status" }, "Loading the approved templates…");
    this.loadError = h("p", { class: "error", role: "alert" });
    this.retry = h("button", { type: "button", class: "secondary", onclick: () => this.load() }, "Retry");
    this.failure = h("div", { class: "load-failure", hidden: true }, this.loadError, this.retry);
    this.options = h("div", { class: "template-options" });
    this.otherOption = isAdmin ? this.option({ value: OTHER, name: "Other template", meta: "Any Content SID (HX…), for administrators", index: "other" }) : null;
    this.list = h(
      "fieldset",
      { class: "template-list" },
      h("legend", {}, "Approved templates"),
      this.options,
      this.otherOption?.element,
    );
    this.list.addEventListener("change", (event) => {
      if (event.target.type === "radio") this.choose(event.target.value);
    });
    this.search.addEventListener("input", () => this.filter());
    // Enter in the search box picks the one match, and never sends the form.
    this.search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      const shown = (this.rows ?? []).filter((row) => !row.element.hidden);
      if (shown.length === 1) {
        shown[0].radio.click();
        (this.variables.querySelector("input") ?? shown[0].radio).focus();
      }
    });

    // The chosen template: its variables and the preview.
    this.variables = h("div", { class: "variables" });
    this.previewText = h("p", { class: "preview-text", id: id("template-preview") });
    this.preview = h(
      "div",
      { class: "template-preview", role: "group", "aria-labelledby": id("template-preview-title") },
      h("p", { class: "preview-title", id: id("template-preview-title") }, "Preview"),
      this.previewText,
      h("p", { class: "hint" }, "Variables left empty show their sample, in italics."),
    );
    this.chosenArea = h("div", { class: "template-chosen", hidden: true }, this.variables, this.preview);
    this.variables.addEventListener("input", () => this.renderPreview());

    // "Other template": the Content SID as typed, numbered variables.
    this.sid = h("input", { id: id("template-sid"), type: "text", autocomplete: "off", spellcheck: "false", placeholder: "HX…" });
    this.otherVariables = h("div", { class: "variables" });
    this.otherArea = h(
      "div",
      { class: "template-other", hidden: true },
      h("label", { for: id("template-sid") }, "Content SID"),
      this.sid,
      this.otherVariables,
      h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => this.addOtherVariable() }, "Add variable")),
    );
    if (isAdmin) this.addOtherVariable();

    this.root = h(
      "div",
      { class: "template-picker" },
      h("label", { for: id("template-search") }, "Find a template"),
      this.search,
      this.count,
      this.failure,
      this.list,
      this.chosenArea,
      this.otherArea,
    );
    this.root.addEventListener("input", () => this.onInput?.());
    this.root.addEventListener("change", () => this.onInput?.());
  }

  /** Reads the list (once for the page) and shows it; a failure says why, with Retry. */
  async load() {
    this.failure.hidden = true;
    this.count.textContent = "Loading the approved templates…";
    try {
      this.templates = await loadTemplates(this.api);
    } catch (error) {
      this.templates = [];
      this.loadError.textContent = `The approved templates could not be loaded: ${error.message}`;
      this.failure.hidden = false;
      this.count.textContent = this.isAdmin ? "Only another template can be sent until the list loads." : "";
      this.renderOptions();
      return;
    }
    this.renderOptions();
  }

  /** Reads the list again (a template was refused: it may have gone). */
  reload() {
    forgetTemplates();
    return this.load();
  }

  /** What to say when the server refused the chosen template; one no longer approved makes the list be read again. */
  explain(error) {
    if (error?.code === "template_not_approved") this.reload();
    return templateProblem(error);
  }

  option({ value, name, meta, body, index }) {
    const radioId = `${this.prefix}-template-${index}`;
    const metaId = `${radioId}-meta`;
    const radio = h("input", { type: "radio", name: `${this.prefix}-template`, id: radioId, value, "aria-describedby": metaId });
    const element = h(
      "div",
      { class: `template-option${value === OTHER ? " other" : ""}`, dataset: { sid: value } },
      radio,
      h(
        "div",
        {},
        h("label", { for: radioId }, name),
        h("p", { class: "meta", id: metaId }, meta),
        body ? h("p", { class: "template-body" }, body) : null,
      ),
    );
    // The whole row picks the template, not only its radio and name.
    element.addEventListener("click", (event) => {
      if (event.target !== radio && event.target.tagName !== "LABEL" && !radio.checked) radio.click();
    });
    return { element, radio };
  }

  renderOptions() {
    const chosen = this.chosen;
    this.rows = this.templates.map((template, index) => ({
      template,
      ...this.option({ value: template.content_sid, name: template.friendly_name || template.content_sid, meta: templateMeta(template), body: template.body, index }),
    }));
    replaceChildren(this.options, this.rows.map((row) => row.element));
    // Nothing to pick from (not even another template): no empty box.
    this.list.hidden = !this.rows.length && !this.otherOption;
    // A template still listed stays chosen; one that went is no longer.
    const still = this.rows.find((row) => row.template.content_sid === chosen);
    if (still) still.radio.checked = true;
    else if (chosen !== OTHER) this.choose(null);
    this.filter();
  }

  filter() {
    const shown = new Set(matchTemplates(this.templates, this.search.value));
    for (const row of this.rows ?? []) row.element.hidden = !shown.has(row.template) && !row.radio.checked;
    const query = this.search.value.trim();
    if (!this.failure.hidden) return;
    if (!this.templates.length) {
      this.count.textContent = this.isAdmin ? "No approved template yet: use another template." : "No approved template yet.";
    } else if (!shown.size) {
      this.count.textContent = `No template matches “${query}”.`;
    } else {
      const n = shown.size;
      const matches = query ? ` ${n === 1 ? "matches" : "match"} “${query}”` : "";
      this.count.textContent = `${n} approved template${n === 1 ? "" : "s"}${matches}.`;
    }
  }

  choose(value) {
    if (value === this.chosen) return;
    this.chosen = value;
    this.onChoose?.();
    this.otherArea.hidden = value !== OTHER;
    const template = this.chosenTemplate();
    this.chosenArea.hidden = !template;
    replaceChildren(
      this.variables,
      template
        ? variableNames(template).map((name) => {
            const fieldId = `${this.prefix}-variable-${name}`;
            const sample = template.variables?.[name];
            return h(
              "div",
              { class: "field" },
              h("label", { for: fieldId }, `Variable ${name}`),
              h("input", { id: fieldId, type: "text", autocomplete: "off", dataset: { name }, placeholder: sample ? String(sample) : null }),
            );
          })
        : [],
    );
    this.renderPreview();
  }

  chosenTemplate() {
    return this.templates.find((t) => t.content_sid === this.chosen) ?? null;
  }

  values(container) {
    const values = {};
    for (const input of container.querySelectorAll("input")) {
      if (input.value.trim()) values[input.dataset.name] = input.value;
    }
    return values;
  }

  renderPreview() {
    const template = this.chosenTemplate();
    if (!template) return replaceChildren(this.previewText);
    if (!template.body) return replaceChildren(this.previewText, h("span", { class: "muted" }, "This template has no text to preview."));
    replaceChildren(
      this.previewText,
      previewParts(template.body, this.values(this.variables), template.variables).map((part) =>
        part.kind === "text" ? part.text : h(part.kind === "value" ? "strong" : "em", { class: part.kind }, part.text),
      ),
    );
  }

  addOtherVariable() {
    const n = this.otherVariables.children.length + 1;
    const fieldId = `${this.prefix}-other-variable-${n}`;
    this.otherVariables.append(
      h("div", { class: "field" }, h("label", { for: fieldId }, `Variable ${n}`), h("input", { id: fieldId, type: "text", autocomplete: "off", dataset: { name: String(n) } })),
    );
  }

  /** `{template: {content_sid, variables}}` to send, or `{problem, field}` to show. */
  read() {
    if (this.chosen === OTHER) {
      const contentSid = this.sid.value.trim();
      if (!CONTENT_SID.test(contentSid)) return { problem: SID_PROBLEM, field: this.sid };
      return { template: { content_sid: contentSid, variables: this.values(this.otherVariables) } };
    }
    const template = this.chosenTemplate();
    if (!template) {
      const first = this.list.querySelector(".template-option:not([hidden]) input");
      return { problem: "Pick a template first.", field: first ?? this.search };
    }
    return { template: { content_sid: template.content_sid, variables: this.values(this.variables) } };
  }

  /** After a send: nothing chosen, nothing typed. */
  reset() {
    this.search.value = "";
    this.sid.value = "";
    for (const input of this.otherVariables.querySelectorAll("input")) input.value = "";
    for (const radio of this.list.querySelectorAll("input[type=radio]")) radio.checked = false;
    this.choose(null);
    this.filter();
  }

  focus() {
    this.search.focus();
  }
}
