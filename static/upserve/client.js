// Upserve client core: the WebSocket connection, the event reducer and small DOM helpers.
// Plain ES2020 module, no dependencies. Page scripts import from "./client.js".
// User-facing text goes through Django's JavaScript catalog (gettext, ngettext, interpolate):
// base.html loads /jsi18n/ as a classic script before any module, so the globals exist here.

export const PROTOCOL = 1;
export const PHASES = ["brief", "pitch", "vote", "reveal", "leaderboard"];
// `replaced`: this seat is open in more tabs than the server keeps; reconnecting would only close
// another of them, and they would take turns for ever.
const FATAL_ERRORS = new Set(["auth_failed", "bad_protocol", "removed", "replaced"]);
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10000;
const PING_EVERY_MS = 25000;
const PONG_WAIT_MS = 10000;
const BUSY_PONG_WAIT_MS = 60000;
const CONNECT_WAIT_MS = 15000;
const HEARTBEAT_MS = 5000;
// A heartbeat this late means the timers were frozen: the phone slept or the tab was suspended.
const SLEPT_MS = HEARTBEAT_MS * 3;
// Longer than a healthy socket can stay quiet: a ping goes out at most a heartbeat after it is due.
const SILENT_MS = PING_EVERY_MS + HEARTBEAT_MS;

export const readConfig = (id = "client-config") => JSON.parse(document.getElementById(id).textContent);

function newId() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  newId.counter = (newId.counter || 0) + 1;
  return `c${Date.now().toString(36)}-${newId.counter}-${Math.random().toString(36).slice(2, 10)}`;
}

// -- the server's sentences, in the page's language -------------------------------------------

// A refusal or an error comes with the server's own sentence (game/core/refusals.py), in English.
// The page carries the translations of those sentences into its language (a JSON block made by
// game/templatetags/sentences.py): one the page has is shown translated, any other as sent. The
// client keeps no sentences of its own, so it never says something the server did not.
let translations = null;

export function explain(code, message) {
  if (translations === null) {
    const block = globalThis.document?.getElementById?.("server-sentences");
    translations = block ? JSON.parse(block.textContent) : {};
  }
  return message ? translations[message] || message : code;
}

// -- the connection ---------------------------------------------------------------------------

export class Connection {
  // onMessage gets every frame of a type this class does not handle itself (e.g. presence).
  constructor(config, { render = () => {}, onStatus = () => {}, onNotice = () => {}, onMessage = () => {} } = {}) {
    Object.assign(this, { code: config.code, role: config.role, token: config.token || "" });
    Object.assign(this, { render, onStatus, onNotice, onMessage });
    this.state = null; // the snapshot, kept current by reduce()
    this.lastSeq = null; // the last seq folded into state
    this.participantId = null;
    this.clockOffset = 0; // server seconds minus local seconds
    this.pending = new Map(); // command id -> {frame, resolve, reject}
    this.status = "connecting";
    this.statusDetail = "";
    Object.assign(this, { socket: null, welcomed: false, everLive: false, stopped: false });
    Object.assign(this, { attempts: 0, retryTimer: null, renderQueued: false, bestRoundTrip: Infinity });
    this.lastHeardAt = 0; // when the current socket last brought any message
    this.lastBeatAt = Date.now();
  }

  start() {
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.wake();
    });
    window.addEventListener("online", () => this.wake());
    // The browser knows the network is gone: say so now instead of after a ping times out.
    window.addEventListener("offline", () => !this.stopped && this.drop());
    // A page restored from the back/forward cache keeps its state but its socket is long gone.
    window.addEventListener("pageshow", (event) => event.persisted && this.wake());
    setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    this.connect();
    return this;
  }

  // True while commands go straight to the server; otherwise they wait in the outbox.
  get live() {
    return this.welcomed && !this.stopped;
  }

  // Commands sent but not yet answered (acked or refused), kept for the next connection.
  get outboxSize() {
    return this.pending.size;
  }

  get url() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return `${scheme}://${location.host}/ws/workshops/${encodeURIComponent(this.code)}/`;
  }

  setStatus(status, detail = "") {
    Object.assign(this, { status, statusDetail: detail });
    this.onStatus(status, detail);
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.stopped || (this.socket && this.socket.readyState <= WebSocket.OPEN)) return;
    this.setStatus(this.everLive ? "reconnecting" : "connecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    this.welcomed = false;
    this.openedAt = Date.now();
    this.lastHeardAt = this.openedAt;
    this.pingSentAt = null;
    socket.onopen = () => {
      const hello = { type: "hello", protocol: PROTOCOL, role: this.role };
      if (this.token) hello.token = this.token;
      if (this.lastSeq !== null) hello.last_seq = this.lastSeq;
      this.helloSentAt = Date.now();
      socket.send(JSON.stringify(hello));
    };
    socket.onmessage = (message) => socket === this.socket && this.receive(message.data);
    socket.onclose = () => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.welcomed = false;
      this.scheduleReconnect();
    };
  }

  // Close the current socket (if any) and reconnect, now or after the backoff.
  drop(immediately = false) {
    const socket = this.socket;
    this.socket = null;
    this.welcomed = false;
    if (socket) socket.close();
    if (immediately) this.connect();
    else this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.stopped || this.retryTimer) return;
    this.setStatus("reconnecting");
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempts);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2); // jittered, the first retry too
    this.attempts += 1;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  // The page became visible, came back from the bfcache, the network returned or the phone woke.
  // A socket that has been silent beyond the ping interval is most likely dead without knowing it
  // (a sleeping phone misses the close; a network switch leaves a half-open TCP connection), and
  // waiting for a pong to time out would cost seconds: replace it at once. A fresh one gets a ping.
  wake() {
    if (this.stopped) return;
    const now = Date.now();
    const open = this.socket && this.socket.readyState === WebSocket.OPEN;
    if (this.welcomed && open && now - this.lastHeardAt < SILENT_MS) {
      this.ping();
    } else if (!this.socket || this.welcomed || now - this.openedAt > 2000) {
      this.attempts = 0;
      this.drop(true);
    }
  }

  ping() {
    if (!this.welcomed || this.pingSentAt) return;
    this.pingSentAt = Date.now();
    this.socket.send(JSON.stringify({ type: "ping" }));
  }

  heartbeat() {
    const now = Date.now();
    const slept = now - this.lastBeatAt > SLEPT_MS;
    this.lastBeatAt = now;
    if (slept) return this.wake();
    if (this.welcomed) {
      if (this.pingSentAt && now - this.pingSentAt > PONG_WAIT_MS) {
        // Frames still arriving since the ping mean a busy server, not a dead socket: a thousand
        // phones reconnecting at once would only bury it deeper. Give it longer, not for ever.
        const busy = this.lastHeardAt > this.pingSentAt && now - this.pingSentAt < BUSY_PONG_WAIT_MS;
        if (!busy) this.drop();
      }
      else if (!this.pingSentAt && now - (this.lastPingAt || 0) >= PING_EVERY_MS) {
        this.lastPingAt = now;
        this.ping();
      }
    } else if (this.socket && now - this.openedAt > CONNECT_WAIT_MS) {
      this.drop();
    }
  }

  receive(raw) {
    let msg;
    this.lastHeardAt = Date.now();
    try { msg = JSON.parse(raw); } catch { return; }
    switch (msg.type) {
      case "welcome":
        this.welcomed = true;
        this.everLive = true;
        this.attempts = 0;
        this.participantId = msg.participant || null;
        this.bestRoundTrip = Infinity; // maybe another server process: measure its clock afresh
        this.syncClock(msg.server_time, this.helloSentAt);
        this.setStatus("live");
        for (const { frame } of this.pending.values()) this.socket.send(frame);
        break;
      case "snapshot":
        this.state = msg.state;
        this.state.seq = msg.seq;
        this.lastSeq = msg.seq;
        this.queueRender();
        break;
      case "event":
        return this.fold(msg);
      case "ack":
        return this.settle(msg.id, (p) => p.resolve(msg));
      case "refused":
      case "error":
        return this.refused(msg);
      case "pong":
        if (this.pingSentAt) this.syncClock(msg.server_time, this.pingSentAt);
        this.pingSentAt = null;
        // Every event up to pong.seq was sent before the pong: still behind means one was lost.
        if (typeof msg.seq === "number" && this.lastSeq !== null && this.lastSeq < msg.seq) this.drop(true);
        break;
      default:
        this.onMessage(msg);
    }
  }

  // offset = server clock - local clock, from the sample with the shortest round trip.
  syncClock(serverTime, sentAt) {
    const roundTrip = Date.now() - sentAt;
    if (typeof serverTime !== "number" || !sentAt || roundTrip > this.bestRoundTrip) return;
    this.bestRoundTrip = roundTrip;
    this.clockOffset = serverTime - (sentAt + Date.now()) / 2000;
  }

  fold(msg) {
    if (!this.state || msg.seq <= this.lastSeq) return; // a duplicate
    // A message with first_seq stands for a run of vote events seen only as a count.
    const first = typeof msg.first_seq === "number" ? msg.first_seq : msg.seq;
    if (first !== this.lastSeq + 1) {
      this.drop(true); // a gap: reconnect and the server resends from lastSeq
      return;
    }
    reduce(this.state, msg.event, msg.data || {}, this.participantId, this.role);
    this.state.seq = msg.seq;
    this.lastSeq = msg.seq;
    this.queueRender();
  }

  refused(msg) {
    const problem = { code: msg.code, message: explain(msg.code, msg.message) };
    if (msg.code === "unavailable" && this.pending.has(msg.id)) {
      // Nothing was saved: keep it in the outbox and send it again shortly, same id.
      const { frame } = this.pending.get(msg.id);
      const socket = this.socket;
      setTimeout(() => this.welcomed && socket === this.socket && this.pending.has(msg.id) && socket.send(frame), 1000 + Math.random() * 1000);
    } else if (msg.id && this.pending.has(msg.id)) {
      this.settle(msg.id, (p) => p.reject(problem));
    } else if (FATAL_ERRORS.has(msg.code)) {
      this.stopped = true;
      const socket = this.socket;
      this.socket = null;
      if (socket) socket.close();
      this.setStatus("stopped", problem.message);
      for (const p of this.pending.values()) p.reject(problem);
      this.pending.clear();
    } else {
      this.onNotice(problem);
    }
  }

  settle(id, how) {
    const entry = this.pending.get(id);
    if (entry && this.pending.delete(id)) how(entry);
  }

  // Send a command; resolves on its ack, rejects with {code, message}. Re-sent after reconnects.
  send(type, fields = {}) {
    const id = newId();
    const frame = JSON.stringify({ ...fields, type, id });
    return new Promise((resolve, reject) => {
      if (this.stopped) {
        reject({ code: "stopped", message: this.statusDetail || gettext("Not connected.") });
        return;
      }
      this.pending.set(id, { frame, resolve, reject });
      if (this.welcomed) this.socket.send(frame);
    });
  }

  serverNow() { return Date.now() / 1000 + this.clockOffset; }

  queueRender() {
    if (this.renderQueued) return;
    this.renderQueued = true;
    const run = () => {
      if (!this.renderQueued) return; // the other trigger already ran
      this.renderQueued = false;
      if (this.state) this.render(this.state);
    };
    // Next frame, or within 100 ms where frames are throttled (background tabs, some kiosks).
    requestAnimationFrame(run);
    setTimeout(run, 100);
  }
}

// -- the reducer: mirrors game/core/evolve.py on the snapshot shape of visibility.py ----------

export const findTeam = (state, teamId) => state.teams.find((t) => t.id === teamId) || null;
export const teamOf = (state, pid) => state.teams.find((t) => t.members.some((m) => m.id === pid)) || null;

function findPerson(state, participantId) {
  for (const team of state.teams) {
    const member = team.members.find((m) => m.id === participantId);
    if (member) return member;
  }
  return state.unassigned.find((p) => p.id === participantId) || null;
}

function newRound(d) {
  const fresh = { paused_remaining: null, moves: {}, ballot_rings: {}, votes_in: 0, results: null };
  const scenario = d.scenario || {};
  return { round: d.round, scenario, phase: d.phase, deadline: d.deadline ?? null, ...fresh, ballot: [], slot: 0, my_votes: {} };
}

const REDUCERS = {
  workshop_created(s, d) {
    s.title = d.title;
    Object.assign(s.settings, d.settings || {});
    s.teams = d.teams.map((t) => ({ id: t.id, name: t.name, members: [] }));
  },
  settings_changed: (s, d) => Object.assign(s.settings, d.settings),
  team_added: (s, d) => s.teams.push({ id: d.team, name: d.name, members: [] }),
  team_renamed(s, d) {
    const team = findTeam(s, d.team);
    if (team) team.name = d.name;
  },
  participant_joined(s, d, me) {
    const person = { id: d.participant, nickname: d.nickname };
    const team = d.team ? findTeam(s, d.team) : null;
    if (team) team.members.push(person);
    else s.unassigned.push(person);
    if (d.participant === me) s.you = { id: me, nickname: d.nickname, team: d.team || null };
  },
  participant_renamed(s, d, me) {
    const person = findPerson(s, d.participant);
    if (person) person.nickname = d.nickname;
    if (s.you && d.participant === me) s.you.nickname = d.nickname;
  },
  participant_moved(s, d, me) {
    const target = findTeam(s, d.team);
    const from = teamOf(s, d.participant);
    if (!target || from === target) return;
    let person;
    if (from) {
      person = from.members.find((m) => m.id === d.participant);
      from.members = from.members.filter((m) => m.id !== d.participant);
    } else {
      person = s.unassigned.find((p) => p.id === d.participant);
      s.unassigned = s.unassigned.filter((p) => p.id !== d.participant);
    }
    target.members.push(person || { id: d.participant, nickname: "?" });
    if (s.you && d.participant === me) s.you.team = d.team;
  },
  teams_shuffled(s, d, me) {
    const people = new Map([...s.teams.flatMap((t) => t.members), ...s.unassigned].map((p) => [p.id, p]));
    const dealt = new Set(Object.values(d.teams).flat());
    for (const team of s.teams) team.members = (d.teams[team.id] || []).map((id) => people.get(id) || { id, nickname: "?" });
    s.unassigned = s.unassigned.filter((p) => !dealt.has(p.id));
    if (s.you && me && dealt.has(me)) s.you.team = teamOf(s, me)?.id || null;
  },
  participant_removed(s, d, me) {
    for (const team of s.teams) team.members = team.members.filter((m) => m.id !== d.participant);
    s.unassigned = s.unassigned.filter((p) => p.id !== d.participant);
    if (s.you && d.participant === me) s.you = null;
    if (typeof d.votes_in === "number" && s.round) s.round.votes_in = d.votes_in; // their votes stop counting
  },
  joining_locked: (s, d) => (s.joining_locked = d.locked),
  round_started: (s, d) => (s.round = newRound(d)),
  phase_changed(s, d) {
    const r = s.round;
    r.phase = d.phase;
    r.deadline = d.deadline ?? null;
    r.paused_remaining = null;
    if (d.ballot_rings) r.ballot_rings = d.ballot_rings;
    for (const [teamId, text] of Object.entries(d.moves || {})) {
      r.moves[teamId] = { ...r.moves[teamId], version: r.moves[teamId]?.version ?? 1, text }; // keeps `hidden`
    }
  },
  timer_paused: (s, d) => Object.assign(s.round, { paused_remaining: d.remaining, deadline: null }),
  timer_resumed: (s, d) => Object.assign(s.round, { paused_remaining: null, deadline: d.deadline }),
  timer_changed: (s, d) => Object.assign(s.round, { paused_remaining: d.remaining, deadline: d.deadline }),
  move_saved(s, d) {
    const move = { version: d.version };
    if ("text" in d) move.text = d.text; // redacted for other teams before the vote
    if ("author" in d) move.author = d.author;
    if (s.round.moves[d.team] && s.round.moves[d.team].hidden) move.hidden = true;
    s.round.moves[d.team] = move;
  },
  move_hidden(s, d) {
    const move = s.round.moves[d.team];
    if (!move) return;
    // Like the server's snapshot: a hidden move keeps its text only for its team (as the vote
    // found it) and facilitators, who are the ones that know its author.
    if (d.hidden) {
      move.hidden = true;
      if (!("author" in move)) delete move.text;
    } else delete move.hidden;
    if (typeof d.text === "string") move.text = d.text; // unhidden after its text was withheld
  },
  vote_cast(s, d, me) {
    s.round.votes_in = d.votes_in;
    if (d.voter && d.voter === me) s.round.my_votes[d.team] = { q1: d.q1, q2: d.q2 };
  },
  round_scored(s, d) {
    s.round.results = d.results;
    s.rounds.push({ round: d.round, title: s.round.scenario.title || "", results: d.results });
  },
  workshop_ended(s, d, me, role) {
    s.ended = true;
    if (s.round) Object.assign(s.round, { deadline: null, paused_remaining: null });
    if (s.you) s.you.commitment = null;
    if (role === "facilitator") s.commitments ||= {};
  },
  // Redacted ({}) for everyone but its author and the facilitators.
  commitment_saved(s, d, me) {
    if (typeof d.text !== "string") return;
    if (s.you && d.participant === me) s.you.commitment = d.text;
    else if (!me) (s.commitments ||= {})[d.participant] = d.text;
  },
};

// me: this phone's participant id (null for the console and the screen); role: the connection's.
export function reduce(state, type, data, me, role = null) {
  const apply = REDUCERS[type];
  if (apply) apply(state, data, me, role);
  state.standings = computeStandings(state);
  if (me && state.round) computeBallot(state, me, opensBallot(state, type, data, me));
  return state;
}

// The events that fix a participant's ballot: the vote opening, or their own joining during it.
function opensBallot(state, type, data, me) {
  if (type === "phase_changed") return data.phase === "vote";
  return type === "participant_joined" && data.participant === me && state.round.phase === "vote";
}

// Teams by running total, then upserve badges, then creation order (game/core/scoring.py).
export function computeStandings(state) {
  const [totals, badges] = [{}, {}];
  for (const past of state.rounds) {
    for (const [teamId, result] of Object.entries(past.results || {})) {
      totals[teamId] = (totals[teamId] || 0) + result.total;
      badges[teamId] = (badges[teamId] || 0) + (result.upserve ? 1 : 0);
    }
  }
  const last = (state.round && state.round.results) || {};
  const order = state.teams.map((t) => t.id);
  const key = (t) => [-(totals[t] || 0), -(badges[t] || 0), order.indexOf(t)];
  const rows = [...order].sort((a, b) => key(a).reduce((diff, x, i) => diff || x - key(b)[i], 0));
  return rows.map((team, i) => {
    const row = { rank: i + 1, team, total: totals[team] || 0, badges: badges[team] || 0 };
    return { ...row, change: last[team]?.total || 0 };
  });
}

// A participant's ballot: the window of their team's ring by slot (game/core/ballots.py). Before
// the vote, slot follows their place in the team and the ballot is empty; from the vote on both
// hold still as they were fixed (`fixing`: when it opened, or when this phone joined it), so a
// teammate's removal or a later team change never moves them.
export function computeBallot(state, me, fixing = false) {
  const r = state.round;
  const opened = PHASES.indexOf(r.phase) >= PHASES.indexOf("vote");
  if (opened && !fixing) return;
  const team = teamOf(state, me);
  r.slot = team ? team.members.findIndex((m) => m.id === me) : 0;
  if (!team || !opened) {
    r.ballot = [];
    return;
  }
  const ring = r.ballot_rings[team.id] || [];
  const size = state.settings.ballot_size;
  if (state.teams.length <= state.settings.full_ballot_max_teams || ring.length <= size) {
    r.ballot = ring.slice();
    return;
  }
  const start = (r.slot * size) % ring.length;
  r.ballot = Array.from({ length: size }, (_, k) => ring[(start + k) % ring.length]);
}

// -- shared view helpers ----------------------------------------------------------------------

// Build an element. Children that are strings become text nodes: never parsed as HTML.
const PROPERTIES = new Set(["value", "checked", "selected", "disabled", "hidden", "htmlFor"]);
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

export const teamName = (state, teamId) => findTeam(state, teamId)?.name || "—";

function letters(n) {
  let out = "";
  for (let i = n; i >= 0; i = Math.floor(i / 26) - 1) out = String.fromCharCode(65 + (i % 26)) + out;
  return out;
}

function hash(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

// Labels for the round's moves: "Move A, B, ..." (same on every device) or team names.
export function moveLabels(state) {
  const r = state.round;
  const labels = {};
  if (!r) return labels;
  const teamIds = state.teams.map((t) => t.id).filter((id) => r.moves[id]);
  if (!state.settings.anonymous_moves) {
    for (const id of teamIds) labels[id] = teamName(state, id);
    return labels;
  }
  teamIds.sort((a, b) => hash(`${r.round}:${a}`) - hash(`${r.round}:${b}`) || (a < b ? -1 : 1));
  teamIds.forEach((id, i) => (labels[id] = interpolate(gettext("Move %(letter)s"), { letter: letters(i) }, true)));
  return labels;
}

// Seconds left on the round's timer: {seconds, paused} or null when no timer runs.
export function timeLeft(conn, round) {
  if (round?.paused_remaining != null) return { seconds: round.paused_remaining, paused: true };
  if (round?.deadline == null) return null;
  return { seconds: Math.max(0, round.deadline - conn.serverNow()), paused: false };
}

export function formatClock(seconds) {
  const whole = Math.ceil(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

export function countdownText(conn, round) {
  const left = timeLeft(conn, round);
  if (!left) return "";
  if (!left.paused) return formatClock(left.seconds);
  return interpolate(gettext("%(clock)s paused"), { clock: formatClock(left.seconds) }, true);
}

export const STATUS_TEXT = {
  connecting: gettext("Connecting…"),
  live: gettext("Live"),
  reconnecting: gettext("Reconnecting…"),
  stopped: gettext("Disconnected"),
};

export function showStatus(node, status, detail) {
  node.dataset.status = status;
  const label = STATUS_TEXT[status] || status;
  // Only a change is written, so a live region does not repeat itself on every render.
  const text = detail ? interpolate(gettext("%(status)s: %(detail)s"), { status: label, detail }, true) : label;
  if (node.textContent !== text) node.textContent = text;
}

export const PHASE_TEXT = {
  brief: gettext("Read the scenario"),
  pitch: gettext("Write your move"),
  vote: gettext("Vote"),
  reveal: gettext("Results"),
  leaderboard: gettext("Leaderboard"),
};

export function scenarioCard(scenario, { compact = false } = {}) {
  const row = (label, text) =>
    text ? el("div", { class: "scenario-row" }, el("dt", { text: label }), el("dd", { text })) : null;
  const rows = compact ? [] : [row(gettext("Customer"), scenario.customer), row(gettext("Situation"), scenario.situation)];
  return el("article", { class: compact ? "card scenario compact" : "card scenario" },
    el("h2", { text: scenario.title || "" }),
    el("dl", {}, rows, row(gettext("The ask"), scenario.ask)));
}
