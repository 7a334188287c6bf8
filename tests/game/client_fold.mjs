// Folds wire frames into a snapshot with static/upserve/client.js's Connection, as a phone, the
// screen or the console does in the browser (no socket: the frames are handed to receive()).
//   node client_fold.mjs <client.js URL>  with [{role, me, start, frames}, ...] on stdin;
// prints, per connection, the state after each frame ([{seq, state}]), or {gap: seq} if the
// client saw a gap in the sequence (it would reconnect).
Object.assign(globalThis, {
  document: { addEventListener: () => {} },
  window: { addEventListener: () => {} },
  location: { protocol: "http:", host: "fold.test" },
  requestAnimationFrame: () => 0,
  gettext: (text) => text,
  ngettext: (one, many, n) => (n === 1 ? one : many),
  interpolate: (format, values) => format.replace(/%\((\w+)\)s/g, (_, key) => String(values[key])),
});
globalThis.setTimeout = () => 0; // no renders: only the state matters here

const { Connection } = await import(process.argv[2]);
let input = "";
for await (const chunk of process.stdin) input += chunk;

const out = JSON.parse(input).map(({ role, me, start, frames }) => {
  const conn = new Connection({ code: "FOLD00", role, token: "" });
  let gap = null;
  conn.drop = () => (gap = conn.lastSeq + 1);
  conn.participantId = me;
  conn.receive(JSON.stringify({ type: "snapshot", seq: start.seq, state: start }));
  const states = [];
  for (const frame of frames) {
    conn.receive(frame);
    if (gap !== null) return { gap };
    states.push({ seq: conn.lastSeq, state: JSON.parse(JSON.stringify(conn.state)) });
  }
  return { states };
});
process.stdout.write(JSON.stringify(out));
