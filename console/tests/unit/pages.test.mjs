import { test } from "node:test";
import assert from "node:assert/strict";

import { Pages } from "../../js/pages.js";

/** Just what Pages touches of an element. */
function element(hidden = true) {
  return {
    hidden,
    attributes: {},
    listeners: [],
    focused: false,
    setAttribute(name, value) {
      this.attributes[name] = value;
    },
    addEventListener(_type, fn) {
      this.listeners.push(fn);
    },
    focus() {
      this.focused = true;
    },
    async click() {
      await Promise.all(this.listeners.map((fn) => fn()));
    },
  };
}

function page(pages, log, name) {
  const button = element(false);
  const root = element();
  pages.add({
    button,
    root,
    failure: `${name} could not be loaded.`,
    create: async () => ({
      focus: () => log.push(`${name} focused`),
      shown: () => log.push(`${name} shown`),
      hidden: () => log.push(`${name} hidden`),
    }),
  });
  return { button, root };
}

test("one page at a time replaces the conversations, and its button says so", async () => {
  const layout = element(false);
  const log = [];
  const pages = new Pages({ layout, onError: (e) => log.push(e.message) });
  const search = page(pages, log, "search");
  const board = page(pages, log, "board");
  assert.equal(search.button.attributes["aria-expanded"], "false");

  await search.button.click();
  assert.equal(search.root.hidden, false);
  assert.equal(layout.hidden, true);
  assert.equal(search.button.attributes["aria-expanded"], "true");

  await board.button.click();
  assert.equal(search.root.hidden, true, "the search page stayed open under the board");
  assert.equal(search.button.attributes["aria-expanded"], "false");
  assert.equal(board.root.hidden, false);

  await board.button.click();
  assert.equal(board.root.hidden, true);
  assert.equal(layout.hidden, false);
  assert.ok(board.button.focused, "the keyboard went back to the board's button");
  assert.deepEqual(log, ["search shown", "search focused", "search hidden", "board shown", "board focused", "board hidden"]);
});

test("a page whose module cannot load is explained and the conversations stay", async () => {
  const layout = element(false);
  const errors = [];
  const pages = new Pages({ layout, onError: (e) => errors.push(e.message) });
  const button = element(false);
  const root = element();
  pages.add({ button, root, failure: "The board could not be loaded. Reload the page.", create: () => Promise.reject(new Error("404")) });
  await button.click();
  assert.deepEqual(errors, ["The board could not be loaded. Reload the page."]);
  assert.equal(root.hidden, true);
  assert.equal(layout.hidden, false);
});

test("a disclosure menu opens and closes with its button, Escape, a choice or a click outside", async () => {
  const { disclosure } = await import("../../js/pages.js");
  const on = (el) => {
    el.handlers = {};
    el.addEventListener = (type, fn) => ((el.handlers[type] ??= []).push(fn));
    el.fire = (type, event = {}) => el.handlers[type]?.forEach((fn) => fn(event));
    return el;
  };
  const button = on(element(false));
  const menu = on(element());
  const item = { closest: () => item };
  const wrap = on({ contains: (target) => target === button || target === item });
  const doc = on({});
  disclosure(button, menu, wrap, doc);

  button.fire("click");
  assert.equal(menu.hidden, false);
  assert.equal(button.attributes["aria-expanded"], "true");
  wrap.fire("keydown", { key: "Escape" });
  assert.equal(menu.hidden, true);
  assert.equal(button.attributes["aria-expanded"], "false");
  assert.equal(button.focused, true);

  button.fire("click");
  doc.fire("click", { target: item });
  assert.equal(menu.hidden, false, "a click inside closed it");
  doc.fire("click", { target: {} });
  assert.equal(menu.hidden, true);

  button.fire("click");
  menu.fire("click", { target: item });
  assert.equal(menu.hidden, true, "choosing a page left the menu open");
});

test("a page whose button is in a menu gives the keyboard back to `back`", async () => {
  const layout = element(false);
  const pages = new Pages({ layout, onError: () => {} });
  const button = element(false);
  const back = element(false);
  const root = element();
  pages.add({ button, back, root, failure: "", create: async () => ({ focus() {} }) });
  await button.click();
  await button.click();
  assert.equal(root.hidden, true);
  assert.equal(back.focused, true);
  assert.equal(button.focused, false);
});
