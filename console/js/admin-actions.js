// An administrator's list row: **Edit** and **Delete**, and a delete that asks first, in place
// (the keyboard goes to the answer; Cancel gives it back to Delete).

import { h, replaceChildren } from "./dom.js";

/**
 * The row's actions for `what` ("article", "script") titled `title`: `onEdit()`, and
 * `onDelete()` once the administrator said yes to "Delete “title”? {consequence}".
 */
export function editDeleteActions({ what, title, consequence, onEdit, onDelete }) {
  const actions = h("div", { class: "actions" });
  const showActions = () =>
    replaceChildren(
      actions,
      h("button", { type: "button", class: "secondary", "aria-label": `Edit ${what} ${title}`, onclick: onEdit }, "Edit"),
      h("button", { type: "button", class: "secondary", "aria-label": `Delete ${what} ${title}`, onclick: () => confirm() }, "Delete"),
    );
  const confirm = () => {
    const yes = h("button", { type: "button", class: "danger", "aria-label": `Yes, delete ${what} ${title}`, onclick: onDelete }, "Yes, delete");
    replaceChildren(
      actions,
      h("p", { class: "confirm" }, `Delete “${title}”? ${consequence}`),
      yes,
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            showActions();
            actions.querySelector("button:last-child").focus();
          },
        },
        "Cancel",
      ),
    );
    yes.focus();
  };
  showActions();
  return actions;
}
