// The create-workshop form, enhanced: only the chosen deck's cards, only the chosen team set-up,
// and Up/Down buttons that reorder the plan. Without this script the form works as it is.
import { el } from "./client.js";

const form = document.querySelector(".setup-form");
if (form) {
  const announce = el("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  form.append(announce);
  showChosenDeck(form);
  showChosenTeamSetUp(form);
  for (const list of form.querySelectorAll(".plan-rows")) enhancePlan(list, announce);
}

function showChosenDeck(form) {
  const select = form.querySelector("select[name=deck]");
  if (!select) return;
  const update = () => {
    for (const plan of form.querySelectorAll(".plan[data-deck]")) {
      const chosen = plan.dataset.deck === select.value;
      plan.hidden = !chosen;
      plan.disabled = !chosen; // a hidden deck's ticks are not sent
    }
  };
  select.addEventListener("change", update);
  update();
}

function showChosenTeamSetUp(form) {
  const radios = [...form.querySelectorAll("input[name=team_mode]")];
  const count = form.querySelector(".team-count");
  const size = form.querySelector(".team-size");
  if (!radios.length || !count || !size) return;
  const update = () => {
    const mode = radios.find((r) => r.checked)?.value || "count";
    count.hidden = mode !== "count";
    size.hidden = mode !== "size";
  };
  for (const radio of radios) radio.addEventListener("change", update);
  update();
}

function enhancePlan(list, announce) {
  const rows = () => [...list.querySelectorAll(":scope > .plan-row")];
  const titleOf = (row) => row.querySelector(".plan-pick label").textContent.trim();

  // Planned rows first, by their numbers, so the list reads in the order that will be played.
  const ranked = rows().map((row, index) => ({ row, index, key: rank(row) }));
  ranked.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.index - b.index);
  for (const { row } of ranked) list.append(row);

  for (const row of rows()) {
    const title = titleOf(row);
    const box = row.querySelector("input[type=checkbox]");
    box.addEventListener("change", () => mark(row));
    mark(row);
    const move = (step) => (event) => {
      const all = rows();
      const target = all[all.indexOf(row) + step];
      if (!target) return;
      if (step < 0) list.insertBefore(row, target);
      else list.insertBefore(target, row);
      event.currentTarget.focus(); // moving a row in the DOM takes the focus off its button
      renumber();
      const position = rows().indexOf(row) + 1;
      announce.textContent = interpolate(gettext("%(title)s is now number %(position)s."), { title, position }, true);
    };
    row.append(
      el("button", { type: "button", class: "plan-up", "aria-label": interpolate(gettext("Move %s up"), [title]), onclick: move(-1), text: gettext("Up") }),
      el("button", { type: "button", class: "plan-down", "aria-label": interpolate(gettext("Move %s down"), [title]), onclick: move(1), text: gettext("Down") }),
    );
  }
  renumber();

  function renumber() {
    rows().forEach((row, index) => {
      row.querySelector("input[type=number]").value = String(index + 1);
    });
  }
}

function rank(row) {
  const planned = row.querySelector("input[type=checkbox]").checked;
  const number = Number(row.querySelector("input[type=number]").value) || 0;
  return [planned ? 0 : 1, number];
}

function mark(row) {
  row.classList.toggle("planned", row.querySelector("input[type=checkbox]").checked);
}
