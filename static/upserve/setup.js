// The create-workshop form, enhanced: only the chosen deck's cards, only the chosen team set-up,
// and a picker that fills the plan field (card numbers, in order) with Add / Up / Down / Remove
// buttons. The picker's buttons have no name, so the form posts the plan field alone, exactly as
// typed by hand: without this script the form works as it is.
import { el } from "./client.js";

const form = document.querySelector(".setup-form");
if (form) {
  const announce = el("p", { class: "visually-hidden", role: "status", "aria-live": "polite" });
  form.append(announce);
  const picker = enhancePlan(form, announce);
  showChosenDeck(form, picker);
  showChosenTeamSetUp(form);
}

function showChosenDeck(form, picker) {
  const select = form.querySelector("select[name=deck]");
  if (!select) return;
  const update = () => {
    for (const plan of form.querySelectorAll(".plan[data-deck]")) plan.hidden = plan.dataset.deck !== select.value;
    picker?.draw();
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

function enhancePlan(form, announce) {
  const field = form.querySelector("input[name=plan]");
  if (!field) return null;
  const numbers = () => field.value.split(/[\s,;]+/).filter(Boolean);
  const deckSection = () => {
    const chosen = form.querySelector("select[name=deck]")?.value;
    return form.querySelector(`.plan[data-deck="${CSS.escape(chosen || "")}"]`);
  };
  const titleOf = (number) =>
    deckSection()?.querySelector(`.plan-card[data-number="${CSS.escape(number)}"] .plan-card-title`)?.textContent.trim() ||
    interpolate(gettext("Card %s"), [number]);
  const write = (list, message) => {
    field.value = list.join(", ");
    draw();
    if (message) announce.textContent = message;
  };

  const chosen = el("ol", { class: "plan-chosen", "aria-label": gettext("Your plan, in playing order") });
  field.closest(".plan-field").append(chosen);
  field.addEventListener("change", () => draw());

  for (const card of form.querySelectorAll(".plan-card")) {
    const number = card.dataset.number;
    const title = card.querySelector(".plan-card-title").textContent.trim();
    card.append(el("button", {
      type: "button",
      class: "plan-add",
      "aria-label": interpolate(gettext("Add %s to the plan"), [title]),
      text: gettext("Add"),
      onclick: () => {
        const list = numbers();
        if (!list.includes(number)) list.push(number);
        write(list, interpolate(gettext("%(title)s is now number %(position)s."), { title, position: list.indexOf(number) + 1 }, true));
      },
    }));
  }

  function draw() {
    const list = numbers();
    const inPlan = new Set(list);
    for (const card of form.querySelectorAll(".plan-card")) {
      const planned = inPlan.has(card.dataset.number) && !card.closest(".plan").hidden;
      card.classList.toggle("planned", planned);
      card.querySelector(".plan-add").disabled = planned;
    }
    chosen.replaceChildren(...list.map((number, index) => {
      const title = titleOf(number);
      const move = (step) => () => {
        const next = numbers();
        const target = index + step;
        if (target < 0 || target >= next.length) return;
        [next[index], next[target]] = [next[target], next[index]];
        write(next, interpolate(gettext("%(title)s is now number %(position)s."), { title, position: target + 1 }, true));
        chosen.children[target]?.querySelector(step < 0 ? ".plan-up" : ".plan-down")?.focus();
      };
      const remove = () => {
        const next = numbers();
        next.splice(index, 1);
        write(next, interpolate(gettext("%s is out of the plan."), [title]));
        field.focus();
      };
      return el("li", { class: "plan-row planned" },
        el("span", { class: "plan-pick", text: `${number} · ${title}` }),
        el("button", { type: "button", class: "plan-up", "aria-label": interpolate(gettext("Move %s up"), [title]), disabled: index === 0, onclick: move(-1), text: gettext("Up") }),
        el("button", { type: "button", class: "plan-down", "aria-label": interpolate(gettext("Move %s down"), [title]), disabled: index === list.length - 1, onclick: move(1), text: gettext("Down") }),
        el("button", { type: "button", class: "plan-remove", "aria-label": interpolate(gettext("Remove %s from the plan"), [title]), onclick: remove, text: gettext("Remove") }),
      );
    }));
  }

  draw();
  return { draw };
}
