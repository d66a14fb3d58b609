// The desk's full pages (search, quick replies, the board): one at a time, in place of the
// conversations, each toggled by its top-bar button (`aria-expanded`) and its module loaded the
// first time it is opened, so none of them is part of the first load.

export class Pages {
  /** `layout` is what a page replaces; `onError(error)` shows a page that could not load. */
  constructor({ layout, onError }) {
    this.layout = layout;
    this.onError = onError;
    this.pages = [];
  }

  /**
   * A page: `create(close)` resolves to its object (with `focus()`, and optionally `shown()` and
   * `hidden()`); `failure` is said when its module cannot be loaded; `back` gets the keyboard
   * when it closes (a menu's button, say).
   */
  add({ button, root, create, failure, back = button }) {
    const page = { button, root, create, failure, back, instance: null };
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", () => (root.hidden ? this.open(page) : this.close(page)));
    this.pages.push(page);
    return page;
  }

  async open(page) {
    if (!page.instance) {
      try {
        page.instance = await page.create(() => this.close(page));
      } catch {
        return this.onError(new Error(page.failure));
      }
    }
    for (const other of this.pages) if (other !== page) this.hide(other);
    this.layout.hidden = true;
    page.root.hidden = false;
    page.button.setAttribute("aria-expanded", "true");
    page.instance.shown?.();
    page.instance.focus();
  }

  /** Back to the conversations; the keyboard goes back to the page's button (or `back`). */
  close(page) {
    this.hide(page);
    this.layout.hidden = false;
    page.back.focus();
  }

  hide(page) {
    if (page.root.hidden) return;
    page.root.hidden = true;
    page.button.setAttribute("aria-expanded", "false");
    page.instance?.hidden?.();
  }
}

/** A disclosure menu: `button` toggles `menu`; a choice, Escape or a click outside `wrap` closes it. */
export function disclosure(button, menu, wrap = button.parentElement, doc = document) {
  const show = (open) => {
    menu.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
  };
  const close = () => (show(false), button.focus());
  button.addEventListener("click", () => show(menu.hidden));
  menu.addEventListener("click", (event) => event.target.closest("button") && close());
  wrap.addEventListener("keydown", (event) => event.key === "Escape" && !menu.hidden && close());
  doc.addEventListener("click", (event) => !menu.hidden && !wrap.contains(event.target) && show(false));
}
