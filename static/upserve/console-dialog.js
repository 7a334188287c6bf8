// A confirmation in a modal <dialog>: focus moves in and is trapped there, Escape cancels, and
// focus returns to the button that asked. Unlike confirm(), it can explain the choice.
import { el } from "./client.js";

let counter = 0;

// Resolves true when the facilitator confirms, false on Cancel or Escape.
export function confirmChoice({ title, body, confirm, danger = false }) {
  const opener = document.activeElement;
  const id = `dialog-title-${++counter}`;
  return new Promise((resolve) => {
    const cancel = el("button", { type: "button", text: gettext("Cancel") });
    const ok = el("button", { type: "button", class: danger ? "danger" : "primary", text: confirm });
    const dialog = el("dialog", { class: "confirm", "aria-labelledby": id },
      el("h2", { id, text: title }),
      [].concat(body).map((line) => el("p", { text: line })),
      el("div", { class: "button-row" }, cancel, ok));
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(answer);
    };
    cancel.addEventListener("click", () => finish(false));
    ok.addEventListener("click", () => finish(true));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus(); // the safe choice has focus: Enter alone never kicks or ends anything
  });
}
