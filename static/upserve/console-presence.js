// Who is connected, from the server's presence frames: {"type": "presence", "online": [ids]}.
// They come after hello and on every change, or never (an older server): until one arrives
// the console shows nothing about presence rather than a misleading "0 connected".

export class Presence {
  constructor(onChange) {
    this.online = null; // a Set of participant ids, or null while unknown
    this.onChange = onChange;
  }

  // Connection passes on only the frame types it knows, so look at each frame first.
  listen(conn) {
    const receive = conn.receive.bind(conn);
    conn.receive = (raw) => {
      if (typeof raw === "string" && raw.includes('"presence"')) {
        let msg = null;
        try { msg = JSON.parse(raw); } catch { /* not ours: let the connection judge it */ }
        if (msg && msg.type === "presence" && Array.isArray(msg.online)) {
          this.set(new Set(msg.online));
          return undefined;
        }
      }
      return receive(raw);
    };
  }

  // A list from a dropped connection is stale: forget it until the next hello brings a new one.
  connectionChanged(status) {
    if (status !== "live" && this.online !== null) this.set(null);
  }

  set(online) {
    this.online = online;
    this.onChange(online);
  }

  isOnline(id) {
    return this.online === null ? null : this.online.has(id);
  }
}

export function everyone(state) {
  return [...state.teams.flatMap((t) => t.members), ...state.unassigned];
}

// "12 of 14 connected", or "" while presence is unknown.
export function onlineText(presence, state) {
  if (presence.online === null || !state) return "";
  const people = everyone(state);
  const online = people.filter((p) => presence.online.has(p.id)).length;
  return interpolate(
    ngettext("%(online)s of %(total)s connected", "%(online)s of %(total)s connected", people.length),
    { online, total: people.length },
    true,
  );
}
