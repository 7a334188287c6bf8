// Drives static/upserve/client.js's Connection in Node with a scripted WebSocket, a clock we move
// by hand and the browser events a phone fires when it wakes. Used by test_phone_pages.py:
//   node phone_client.mjs <scenario>   prints one JSON object describing what happened.
const listeners = {};
const on = (type, fn) => (listeners[type] ||= []).push(fn);
const fire = (type, event = {}) => (listeners[type] || []).forEach((fn) => fn(event));

let now = 1_700_000_000_000;
Date.now = () => now;
const sockets = [];
class ScriptedSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  constructor(url) {
    Object.assign(this, { url, readyState: 0, sent: [] });
    sockets.push(this);
  }
  send(frame) { this.sent.push(JSON.parse(frame)); }
  close() { this.readyState = 3; }
  open() { this.readyState = 1; this.onopen?.(); }
  receive(message) { this.onmessage?.({ data: JSON.stringify(message) }); }
}
Object.assign(globalThis, {
  WebSocket: ScriptedSocket,
  document: { visibilityState: "visible", addEventListener: on },
  window: { addEventListener: on },
  location: { protocol: "http:", host: "phone.test" },
  requestAnimationFrame: (fn) => setTimeout(fn, 0),
  setInterval: () => 0, // the heartbeat is called by hand
  gettext: (text) => text,
  ngettext: (one, many, n) => (n === 1 ? one : many),
  interpolate: (format, values) => format.replace(/%\((\w+)\)s/g, (_, key) => String(values[key])),
});

const { Connection } = await import(process.argv[3]);
const last = () => sockets[sockets.length - 1];
const welcome = (socket, serverTime = now / 1000) => {
  socket.receive({ type: "welcome", protocol: 1, role: "participant", participant: "a93a2c3aceb82907", seq: 5, server_time: serverTime });
};
const snapshot = (socket) => {
  const state = { title: "W", settings: {}, teams: [], unassigned: [], rounds: [], round: null, you: null };
  socket.receive({ type: "snapshot", seq: 5, state });
};

function live() {
  const conn = new Connection({ code: "K7QW3P", role: "participant", token: "seat" }).start();
  last().open();
  welcome(last());
  snapshot(last());
  return conn;
}

const scenarios = {
  // The phone slept (nothing heard for a minute), then an event says it is back.
  async wake_after_silence(event) {
    const conn = live();
    now += 60_000;
    fire(event, { persisted: true });
    const reconnected = sockets.length === 2;
    last().open();
    return { reconnected, oldClosed: sockets[0].readyState === 3, hello: last().sent[0], status: conn.status };
  },
  // The socket spoke a moment ago: check it with a ping rather than throwing it away.
  async wake_while_fresh(event) {
    live();
    now += 2_000;
    fire(event, { persisted: true });
    return { sockets: sockets.length, sent: sockets[0].sent.map((m) => m.type) };
  },
  // A timer that fires minutes late means the phone was asleep.
  async heartbeat_after_sleep() {
    const conn = live();
    now += 5 * 60_000;
    conn.heartbeat();
    return { sockets: sockets.length };
  },
  // No pong in time: dropped, unless the socket kept bringing frames (a busy server), for a while.
  // Returns how long after the ping the socket was closed (a new one follows after a backoff).
  async late_pong(heard) {
    const conn = live();
    const socket = last();
    let pingedAt = null;
    while (socket.readyState !== 3 && now < 1_700_000_200_000) {
      now += 5_000;
      if (heard === "frames" && pingedAt) socket.receive({ type: "news", text: "ignored" });
      conn.heartbeat();
      if (pingedAt === null && socket.sent.some((m) => m.type === "ping")) pingedAt = now;
    }
    return { pinged: pingedAt !== null, droppedAfter: now - pingedAt };
  },
  // A vote cast with no network waits in the outbox and goes out, same id, once back.
  async outbox_offline() {
    const conn = live();
    fire("offline");
    const offlineStatus = conn.status;
    let acked = null;
    conn.send("vote", { team: "t2", q1: "yes", q2: "unsure" }).then((ack) => (acked = ack.id));
    const sentWhileOffline = sockets.flatMap((s) => s.sent).filter((m) => m.type === "vote").length;
    fire("online");
    const socket = last();
    socket.open();
    welcome(socket);
    const resent = socket.sent.filter((m) => m.type === "vote");
    socket.receive({ type: "ack", id: resent[0]?.id, seqs: [6], duplicate: false });
    await Promise.resolve();
    return { offlineStatus, sentWhileOffline, resent, acked, outbox: conn.outboxSize, hello: socket.sent[0] };
  },
  // A refusal is shown in the server's sentence, translated where the page carries a translation
  // of that sentence (the block game/templatetags/sentences.py writes); otherwise as sent.
  async refusals() {
    const page = { "You cannot vote on your own team's move.": "Du kannst nicht für dein eigenes Team stimmen." };
    document.getElementById = (id) => (id === "server-sentences" ? { textContent: JSON.stringify(page) } : null);
    const conn = live();
    const outcome = async (code, message) => {
      const sent = conn.send("vote", { team: "t1", q1: "yes", q2: "yes" }).catch((problem) => problem);
      const { id } = last().sent[last().sent.length - 1];
      last().receive({ type: "refused", id, code, message });
      return sent;
    };
    return {
      translated: await outcome("own_team", "You cannot vote on your own team's move."),
      untranslated: await outcome("settings_invalid", "badge_share must be between 0 and 1."),
    };
  },
  // The countdown uses the server's clock: welcome's server_time sets the offset.
  async clock() {
    const conn = new Connection({ code: "K7QW3P", role: "participant", token: "seat" }).start();
    last().open();
    welcome(last(), now / 1000 + 100);
    return { offset: conn.serverNow() - now / 1000 };
  },
};

const [name, argument] = process.argv[2].split(":");
const result = await scenarios[name](argument);
process.stdout.write(JSON.stringify(result));
process.exit(0);
