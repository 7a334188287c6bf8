// The projector screen: the lobby with the room code, then each round's phase in large type.
// The views live in their own modules (drawn through screen-stage.js); this one connects and keeps time.
import { Connection, readConfig } from "./client.js";
import { followState } from "./screen-leaderboard.js";
import { drawStage, drawCountdown, forgetStage } from "./screen-stage.js";
import { setUpTheme, onThemeChange } from "./screen-theme.js";
import { statusText } from "./screen-text.js";

const $ = (id) => document.getElementById(id);

const conn = new Connection(readConfig(), {
  render,
  onStatus(status, detail) {
    $("status").dataset.status = status;
    $("status").textContent = statusText(status, detail);
  },
});
followState(() => conn.state);
setUpTheme($("theme-toggle"));
onThemeChange(() => {
  forgetStage();
  if (conn.state) render(conn.state);
});
conn.start();
setInterval(() => drawCountdown(conn.state, conn), 250);

function render(state) {
  $("join-strip").hidden = !state.round || state.ended || state.joining_locked;
  drawStage(state, conn);
}
