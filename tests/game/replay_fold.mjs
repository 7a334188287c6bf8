// Runs static/upserve/replay-fold.js in Node, as the replay page does in the browser.
//   node replay_fold.mjs <replay-fold.js URL>  with {start, events, every, order} on stdin;
// prints {forward, back, random}: the states walking forward one event at a time, walking back
// (each a fresh fold), and at the seqs of `order` asked in that order.
Object.assign(globalThis, {
  gettext: (text) => text,
  ngettext: (one, many, n) => (n === 1 ? one : many),
  interpolate: (format, values) => format.replace(/%\((\w+)\)s/g, (_, key) => String(values[key])),
});

const { Replayer } = await import(process.argv[2]);
let input = "";
for await (const chunk of process.stdin) input += chunk;
const { start, events, every, order } = JSON.parse(input);

const replayer = new Replayer(start, events, every);
const copy = (state) => JSON.parse(JSON.stringify(state));
let state = replayer.stateAt(replayer.first);
const forward = [copy(state)];
while (state.seq < replayer.last) forward.push(copy(replayer.apply(state)));
const back = [copy(state)];
while (state.seq > replayer.first) {
  state = replayer.stateAt(state.seq - 1);
  back.push(copy(state));
}
const random = order.map((seq) => copy(replayer.stateAt(seq)));
process.stdout.write(JSON.stringify({ forward, back, random }));
