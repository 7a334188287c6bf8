// The pitch: the team's move editor. The draft lives on the phone until the server acknowledges
// a save; a teammate's newer save never silently overwrites what this phone is typing.
import { el, teamOf } from "./client.js";

export const MOVE_MAX = 600;

// The server counts Unicode code points, not the UTF-16 units of String.length.
export const length = (text) => [...text].length;

function readDraft(key) {
  try {
    const draft = JSON.parse(localStorage.getItem(key) || "null");
    return draft && typeof draft.text === "string" ? draft : null;
  } catch {
    return null; // private mode or a corrupt entry: no draft
  }
}

function writeDraft(key, draft) {
  try {
    if (draft) localStorage.setItem(key, JSON.stringify(draft));
    else localStorage.removeItem(key);
  } catch {
    /* storage full or disabled: the text stays in the editor, it just won't survive a reload */
  }
}

function authorName(state, authorId) {
  if (authorId && authorId === state.you?.id) return null;
  const member = teamOf(state, authorId)?.members.find((m) => m.id === authorId);
  return member ? member.nickname : gettext("A teammate");
}

export function pitchView(conn, state, team) {
  const round = state.round.round;
  const key = `upserve:draft:${conn.code}:${round}:${team.id}`;
  const move = state.round.moves[team.id];
  const textarea = el("textarea", {
    id: "move-text", rows: 7, "aria-describedby": "move-counter move-status",
    placeholder: gettext("What does your team offer or do, and why?"),
  });
  const counter = el("span", { id: "move-counter", class: "counter" });
  const status = el("span", { id: "move-status", class: "save-status", role: "status" });
  const save = el("button", { type: "button", class: "primary", text: gettext("Save"), onclick: () => submit() });
  // Present (empty) from the start so that screen readers announce it when it fills.
  const conflict = el("div", { class: "conflict", role: "alert" });
  const ed = { base: move?.version || 0, dirty: false, saving: false, saved: null, conflictVersion: null };

  const say = (text) => {
    if (status.textContent !== text) status.textContent = text;
  };

  const savedText = (version) => interpolate(gettext("Saved ✓ (version %(version)s)"), { version }, true);

  function updateCounter() {
    const n = length(textarea.value);
    counter.textContent = interpolate(gettext("%(count)s / %(max)s characters"), { count: n, max: MOVE_MAX }, true);
    counter.classList.toggle("near-limit", n > MOVE_MAX - 50);
    const over = n > MOVE_MAX;
    counter.classList.toggle("over-limit", over);
    if (over) textarea.setAttribute("aria-invalid", "true");
    else textarea.removeAttribute("aria-invalid");
    save.disabled = ed.saving || over;
  }

  function keepDraft() {
    writeDraft(key, ed.dirty ? { text: textarea.value, base: ed.base } : null);
  }

  function hideConflict() {
    ed.conflictVersion = null;
    conflict.replaceChildren();
  }

  // A teammate saved while this phone holds unsaved text: show theirs, let the person choose.
  function showConflict(latest) {
    if (ed.conflictVersion === latest.version) return;
    ed.conflictVersion = latest.version;
    const who = authorName(conn.state, latest.author);
    const headline = who
      ? interpolate(gettext("%(name)s saved a newer version of your move:"), { name: who }, true)
      : gettext("You saved a newer version on another device:");
    const useTheirs = () => {
      textarea.value = latest.text ?? "";
      Object.assign(ed, { base: latest.version, dirty: false });
      hideConflict();
      keepDraft();
      updateCounter();
      say(savedText(latest.version));
    };
    const keepMine = () => {
      ed.base = latest.version;
      hideConflict();
      keepDraft();
      submit();
    };
    conflict.replaceChildren(
      el("strong", { text: headline }),
      el("blockquote", { text: latest.text ?? "" }),
      el("p", { text: gettext("Your text is still in the editor. Which one should the team keep?") }),
      el("div", { class: "choice-row" },
        el("button", { type: "button", text: gettext("Use theirs"), onclick: useTheirs }),
        el("button", { type: "button", class: "primary", text: gettext("Save mine instead"), onclick: keepMine })),
    );
  }

  function submit() {
    const text = textarea.value;
    if (!text.trim()) {
      say(gettext("Write something first."));
      textarea.focus();
      return;
    }
    if (length(text) > MOVE_MAX) return;
    const base = ed.base;
    ed.saving = true;
    updateCounter();
    connectionChanged();
    conn.send("submit_move", { text, base_version: base }).then(
      () => {
        ed.saving = false;
        ed.base = base + 1;
        ed.dirty = textarea.value !== text;
        keepDraft();
        hideConflict();
        updateCounter();
        say(ed.dirty ? gettext("Not saved yet") : savedText(base + 1));
      },
      (problem) => {
        ed.saving = false;
        updateCounter();
        if (problem.code === "stale_move") {
          say(gettext("Not saved: a teammate saved first."));
          const latest = conn.state?.round?.moves[team.id];
          if (latest) showConflict(latest);
        } else {
          say(interpolate(gettext("Not saved: %(reason)s"), { reason: problem.message }, true));
        }
      },
    );
  }

  // While a save waits in the outbox, say whether it is on its way or waiting for the network.
  function connectionChanged() {
    if (!ed.saving) return;
    say(conn.live ? gettext("Saving…") : gettext("Offline: your move will be saved when the connection is back."));
  }

  function update(latestState) {
    const latest = latestState.round.moves[team.id];
    if (!latest || ed.saving || latest.version <= ed.base) return;
    if (ed.dirty && latest.text !== textarea.value) {
      say(gettext("Not saved: a teammate saved first."));
      showConflict(latest);
      return;
    }
    // Nothing unsaved here: take the newer version and say who wrote it.
    textarea.value = latest.text ?? "";
    Object.assign(ed, { base: latest.version, dirty: false });
    keepDraft();
    hideConflict();
    updateCounter();
    const who = authorName(latestState, latest.author);
    say(who
      ? interpolate(gettext("%(name)s saved a newer version (version %(version)s)."), { name: who, version: latest.version }, true)
      : savedText(latest.version));
  }

  const draft = readDraft(key);
  if (draft && draft.text !== (move?.text ?? "")) {
    textarea.value = draft.text;
    Object.assign(ed, { base: Number(draft.base) || 0, dirty: true });
    say(gettext("Draft kept on this phone, not saved yet"));
  } else {
    textarea.value = move?.text || "";
    say(move ? savedText(move.version) : gettext("Nothing saved yet"));
    if (draft) writeDraft(key, null);
  }
  textarea.addEventListener("input", () => {
    ed.dirty = true;
    keepDraft();
    updateCounter();
    if (!ed.saving) say(gettext("Not saved yet"));
  });
  updateCounter();

  const nodes = [el(
    "section",
    { class: "card editor" },
    el("label", { for: "move-text", class: "label", text: gettext("Your team's move") }),
    // Above the text, where a thumb typing in it (keyboard up) can still see it.
    conflict,
    textarea,
    el("div", { class: "editor-bar" }, counter, status),
    save,
  )];
  return { nodes, update, connectionChanged };
}
