// The console's roster: teams and people, who is connected, moving people, renaming teams and
// nicknames inline, shuffling, kicking and banning.
import { el } from "./client.js";
import { confirmChoice } from "./console-dialog.js";
import { everyone } from "./console-presence.js";

const $ = (id) => document.getElementById(id);
const hidden = (text) => el("span", { class: "visually-hidden", text });
const teamsLocked = (state) => ["pitch", "vote"].includes(state.round?.phase);

export class Roster {
  constructor(ui) {
    this.ui = ui; // {act, state(), presence}
    this.key = null;
    this.editing = null; // {kind: "team" | "person", id, value} while an inline rename is open
    this.box = $("roster-teams");
    $("shuffle").addEventListener("click", () => this.shuffle());
  }

  // Rebuilt only when something it shows changed, so an open <select> is not yanked away;
  // focus and a half-typed rename survive the rebuild.
  render(state, force = false) {
    const key = JSON.stringify([state.teams, state.unassigned, state.ended, teamsLocked(state), this.editing?.kind, this.editing?.id]);
    this.renderShuffle(state);
    if (key === this.key && !force) return;
    this.key = key;
    const focused = this.box.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
    const groups = state.teams.map((team) => this.teamGroup(state, team));
    if (state.unassigned.length) {
      groups.unshift(el("section", { class: "team-group unassigned", "aria-labelledby": "team-none" },
        el("h3", { id: "team-none", text: gettext("Not in a team") }),
        el("ul", {}, state.unassigned.map((p) => this.personRow(state, p, "")))));
    }
    if (!groups.length) groups.push(el("p", { class: "hint", text: gettext("No teams yet.") }));
    this.box.replaceChildren(el("div", { class: "roster-grid" }, groups));
    this.showPresence();
    if (focused) (this.box.querySelector(`[data-focus="${CSS.escape(focused)}"]`) || $("roster-heading")).focus();
  }

  renderShuffle(state) {
    const locked = teamsLocked(state);
    $("shuffle").disabled = state.ended || locked || !state.teams.length || !everyone(state).length;
    $("shuffle-hint").hidden = !locked || state.ended;
    $("shuffle-hint").textContent = gettext("Teams are fixed while moves are written and voted on.");
  }

  teamGroup(state, team) {
    const headingId = `team-${team.id}`;
    const count = interpolate(ngettext("%s person", "%s people", team.members.length), [team.members.length]);
    const editing = this.editing?.kind === "team" && this.editing.id === team.id;
    const head = editing
      ? this.renameForm({
        label: interpolate(gettext("New name for team %s"), [team.name]),
        value: this.editing.value, max: 40, focusKey: `team-name:${team.id}`,
        save: (name) => this.ui.act("rename_team", { team: team.id, name }),
      })
      : el("div", { class: "team-head" },
        el("h3", { id: headingId, tabindex: "-1" }, el("span", { text: team.name }), el("span", { class: "muted", text: ` · ${count}` })),
        el("button", {
          type: "button", class: "small", "data-focus": `rename-team:${team.id}`, disabled: state.ended,
          onclick: () => this.edit("team", team.id, team.name),
        }, gettext("Rename"), hidden(` ${interpolate(gettext("team %s"), [team.name])}`)));
    return el("section", { class: "team-group", "aria-labelledby": editing ? null : headingId, "aria-label": editing ? team.name : null },
      head,
      team.members.length
        ? el("ul", {}, team.members.map((p) => this.personRow(state, p, team.id)))
        : el("p", { class: "hint", text: gettext("Nobody yet.") }));
  }

  personRow(state, person, currentTeam) {
    const editing = this.editing?.kind === "person" && this.editing.id === person.id;
    const dot = el("span", { class: "presence", "data-presence": person.id, hidden: true },
      el("span", { class: "dot", "aria-hidden": "true" }), hidden(""));
    if (editing) {
      return el("li", { class: "person editing" }, this.renameForm({
        label: interpolate(gettext("New nickname for %s"), [person.nickname]),
        value: this.editing.value, max: 24, focusKey: `nickname:${person.id}`,
        save: (nickname) => this.ui.act("rename_participant", { participant: person.id, nickname }),
      }));
    }
    const select = el(
      "select",
      {
        "aria-label": interpolate(gettext("Team for %s"), [person.nickname]),
        "data-focus": `team-of:${person.id}`,
        disabled: state.ended || teamsLocked(state),
      },
      currentTeam ? null : el("option", { value: "", text: gettext("Choose a team…"), selected: true }),
      state.teams.map((t) => el("option", { value: t.id, text: t.name, selected: t.id === currentTeam })),
    );
    select.addEventListener("change", () => {
      if (!select.value) return;
      this.ui.act("assign_team", { participant: person.id, team: select.value }).catch(() => {
        this.render(this.ui.state(), true); // put the select back as it was
      });
    });
    const button = (text, focusKey, onclick, extra = {}) =>
      el("button", { type: "button", class: "small", "data-focus": `${focusKey}:${person.id}`, disabled: state.ended, onclick, ...extra },
        text, hidden(` ${person.nickname}`));
    return el("li", { class: "person" },
      dot,
      el("span", { class: "nickname", text: person.nickname }),
      select,
      el("span", { class: "person-actions" },
        button(gettext("Rename"), "rename", () => this.edit("person", person.id, person.nickname)),
        button(gettext("Kick"), "kick", () => this.remove(person, false), { title: gettext("Remove from the workshop; they can join again") }),
        button(gettext("Ban"), "ban", () => this.remove(person, true), { class: "small danger", title: gettext("Remove and keep this phone out") })));
  }

  // An inline rename: Enter saves, Escape cancels, a refusal keeps the text for another try.
  renameForm({ label, value, max, focusKey, save }) {
    const input = el("input", { type: "text", value, maxlength: String(max), "aria-label": label, "data-focus": focusKey, autocomplete: "off" });
    input.addEventListener("input", () => { if (this.editing) this.editing.value = input.value; });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.stopEditing();
      }
    });
    const form = el("form", { class: "inline-rename" },
      input,
      el("button", { type: "submit", class: "small primary", text: gettext("Save") }),
      el("button", { type: "button", class: "small", text: gettext("Cancel"), onclick: () => this.stopEditing() }));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return input.focus();
      save(text).then(() => this.stopEditing(), () => input.focus());
    });
    return form;
  }

  edit(kind, id, value) {
    this.back = kind === "team" ? `rename-team:${id}` : `rename:${id}`;
    this.editing = { kind, id, value };
    this.render(this.ui.state(), true);
    this.box.querySelector("form.inline-rename input")?.focus();
  }

  stopEditing() {
    this.editing = null;
    this.render(this.ui.state(), true);
    const back = this.back && this.box.querySelector(`[data-focus="${CSS.escape(this.back)}"]`);
    if (back) back.focus();
  }

  async remove(person, ban) {
    const name = person.nickname;
    const ok = await confirmChoice(ban
      ? {
        title: interpolate(gettext("Ban %s?"), [name]),
        body: [
          interpolate(gettext("%s leaves the workshop now."), [name]),
          gettext("This phone cannot join again for the rest of the workshop, under any nickname."),
        ],
        confirm: interpolate(gettext("Ban %s"), [name]),
        danger: true,
      }
      : {
        title: interpolate(gettext("Kick %s?"), [name]),
        body: [
          interpolate(gettext("%s leaves the workshop now."), [name]),
          gettext("They can join again with the room code, as a new player (unless joining is locked)."),
        ],
        confirm: interpolate(gettext("Kick %s"), [name]),
      });
    if (ok) this.ui.act("remove_participant", { participant: person.id, ban }).catch(() => {});
  }

  async shuffle() {
    const state = this.ui.state();
    const people = everyone(state).length;
    const ok = await confirmChoice({
      title: gettext("Shuffle teams?"),
      body: [
        interpolate(
          gettext("Everyone (%(people)s) is dealt at random into the %(teams)s teams, as evenly as possible."),
          { people, teams: state.teams.length }, true),
        gettext("Moves you made by hand are replaced."),
      ],
      confirm: gettext("Shuffle teams"),
    });
    if (ok) this.ui.act("shuffle_teams").catch(() => {});
  }

  // Presence changes often: update the dots in place instead of rebuilding the roster.
  showPresence() {
    const presence = this.ui.presence;
    for (const node of this.box.querySelectorAll("[data-presence]")) {
      const online = presence.isOnline(node.dataset.presence);
      node.hidden = online === null;
      node.classList.toggle("online", online === true);
      node.lastChild.textContent = online ? gettext("connected") : gettext("not connected");
    }
  }
}
