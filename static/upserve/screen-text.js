// Words and numbers the screen shows, translated through Django's JavaScript catalog
// (gettext, ngettext and interpolate are globals set by /jsi18n/).
import { timeLeft, formatClock } from "./client.js";

const STATUS = {
  connecting: () => gettext("Connecting…"),
  live: () => gettext("Live"),
  reconnecting: () => gettext("Reconnecting…"),
  stopped: () => gettext("Disconnected"),
};

export function statusText(status, detail) {
  const word = (STATUS[status] || STATUS.connecting)();
  return detail ? interpolate(gettext("%(status)s: %(detail)s"), { status: word, detail }, true) : word;
}

export function countdownText(conn, round) {
  const left = timeLeft(conn, round);
  if (!left) return "";
  const clock = formatClock(left.seconds);
  return left.paused ? interpolate(gettext("%(clock)s paused"), { clock }, true) : clock;
}

// Settings keep fractions exact as strings ("2/3", "0.5"); the screen only needs them to display.
export function fraction(text) {
  const [a, b] = String(text).split("/").map(Number);
  if (b === undefined) return a || 0;
  return b ? a / b : 0;
}

export const percent = (value) => `${Math.round(value * 100)}%`;

// "2/3" reads better as "2/3" than as "67%"; "0.5" reads better as "50%".
export const share = (text) => (String(text).includes("/") ? String(text) : percent(fraction(text)));

// An answer value as people say it: "1", "½", "0.25".
export function points(text) {
  const value = fraction(text);
  if (value === 0.5) return "½";
  return String(Math.round(value * 100) / 100);
}

export const ANSWERS = ["yes", "unsure", "no"];

export function answerWord(answer) {
  return { yes: gettext("yes"), unsure: gettext("not sure"), no: gettext("no") }[answer];
}

// Symbols beside the words, so no answer is told apart by colour alone.
export const ANSWER_MARK = { yes: "✓", unsure: "?", no: "✗" };

export function questionText(question) {
  return question === "q1" ? gettext("Customer's life improves") : gettext("World better");
}

// The mean value of a question's answers on a 0..1 scale, or null when nobody answered.
export function meanAnswer(counts, settings) {
  const n = ANSWERS.reduce((sum, a) => sum + (counts?.[a] || 0), 0);
  if (!n) return null;
  const value = { yes: fraction(settings.yes_value), unsure: fraction(settings.unsure_value), no: fraction(settings.no_value) };
  return ANSWERS.reduce((sum, a) => sum + (counts[a] || 0) * value[a], 0) / n;
}

// The scoring rule in one sentence, from the workshop's own settings.
export function ruleSentence(settings) {
  return interpolate(gettext(
    "Each vote is worth question 1 × question 2 (yes %(yes)s, not sure %(unsure)s, no %(no)s) and a move scores " +
    "100 × its average vote, except that more than %(upsell)s “no” to question 1 flags it as an upsell worth 0, " +
    "while at least %(badge)s “yes” to both earns the upserve badge and %(bonus)s bonus points."), {
    yes: points(settings.yes_value),
    unsure: points(settings.unsure_value),
    no: points(settings.no_value),
    upsell: share(settings.upsell_share),
    badge: share(settings.badge_share),
    bonus: settings.badge_bonus,
  }, true);
}
