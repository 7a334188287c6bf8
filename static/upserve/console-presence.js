// Who is connected, from the server's presence frames: {"type": "presence", "online": [ids]}.
// They come after hello and on every change, or never (an older server): until one arrives
// the console shows nothing about presence rather than a misleading "0 connected".

export class Presence {
  constructor(onChange) {
    this.online = null; // a Set of participant ids, or null while unknown
    this.onChange = onChange;
  }

  listen(conn) {
    const previous = conn.onMessage;
    conn.onMessage = (msg) => {
      if (msg.type === "presence" && Array.isArray(msg.online)) this.set(new Set(msg.online));
      else previous(msg);
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
