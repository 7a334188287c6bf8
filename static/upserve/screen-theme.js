// The screen's high-contrast theme and its motion preference.
// Contrast comes from ?theme=contrast (or ?theme=default to refuse it), else from the system's
// prefers-contrast, and the "c" key or the header button flips it for the rest of the session.

const contrastQuery = matchMedia("(prefers-contrast: more)");
const motionQuery = matchMedia("(prefers-reduced-motion: reduce)");
const listeners = new Set();

export const reducedMotion = () => motionQuery.matches;

export function onThemeChange(listener) {
  listeners.add(listener);
}

function wanted() {
  const asked = new URLSearchParams(location.search).get("theme");
  if (asked === "contrast") return true;
  if (asked === "default") return false;
  return contrastQuery.matches;
}

export function isContrast() {
  return document.body.classList.contains("theme-contrast");
}

function apply(on, button) {
  document.body.classList.toggle("theme-contrast", on);
  if (button) button.setAttribute("aria-pressed", String(on));
  for (const listener of listeners) listener(on);
}

// Keep the choice in the address so a reload of the projector window keeps it.
function remember(on) {
  const url = new URL(location.href);
  url.searchParams.set("theme", on ? "contrast" : "default");
  history.replaceState(history.state, "", url);
}

export function setUpTheme(button) {
  apply(wanted(), button);
  const flip = () => {
    const on = !isContrast();
    apply(on, button);
    remember(on);
  };
  button?.addEventListener("click", flip);
  document.addEventListener("keydown", (event) => {
    if (event.key !== "c" && event.key !== "C") return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest?.("input, textarea, select, [contenteditable]")) return;
    flip();
  });
  contrastQuery.addEventListener("change", () => {
    if (!new URLSearchParams(location.search).has("theme")) apply(contrastQuery.matches, button);
  });
}

// A theme colour for canvas drawing, read from the CSS custom properties of the body.
export function themeColour(name) {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || "#fff";
}
