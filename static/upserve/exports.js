// Exports page and archive import: a download that streams with a progress bar (the archive
// has one event per line and its response says how many events it holds), and an upload whose
// progress comes from XMLHttpRequest's upload events. Without this script both still work as a
// plain link and a plain form.

import { el } from "./client.js";

function show(box, percent, text) {
  box.hidden = false;
  const bar = box.querySelector("progress");
  if (percent === null) bar.removeAttribute("value");
  else bar.value = percent;
  box.querySelector(".transfer-status").textContent = text;
}

function filename(response, fallback) {
  const match = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  return match ? match[1] : fallback;
}

async function streamedDownload(link) {
  const box = document.getElementById(link.dataset.progress);
  show(box, 0, gettext("Preparing the archive…"));
  const response = await fetch(link.href, { credentials: "same-origin" });
  if (!response.ok || !response.body) throw new Error(String(response.status));
  const total = Number(response.headers.get("X-Archive-Events")) || 0;
  const reader = response.body.getReader();
  const chunks = [];
  let lines = 0;
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    bytes += value.length;
    for (const byte of value) if (byte === 10) lines += 1;
    // Two lines are the header and the closing bracket, not events.
    const events = Math.max(0, Math.min(total, lines - 1));
    const percent = total ? Math.floor((100 * events) / total) : null;
    show(box, percent, interpolate(gettext("%(events)s of %(total)s events (%(kb)s KB)"),
      { events, total, kb: Math.round(bytes / 1024) }, true));
  }
  const url = URL.createObjectURL(new Blob(chunks, { type: "application/json" }));
  const save = el("a", { href: url, download: filename(response, "archive.json") });
  document.body.append(save);
  save.click();
  save.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  show(box, 100, interpolate(gettext("Done: %(total)s events saved."), { total }, true));
}

for (const link of document.querySelectorAll("a[data-progress]")) {
  link.addEventListener("click", (event) => {
    if (!window.ReadableStream) return; // the browser's own download does the job
    event.preventDefault();
    streamedDownload(link).catch(() => {
      show(document.getElementById(link.dataset.progress), 0,
        gettext("The download failed. Try again, or use the link without this page's script."));
    });
  });
}

function showResult(node) {
  const result = document.getElementById("import-result");
  result.replaceChildren(node);
}

function problem(text) {
  const sentence = interpolate(gettext("The archive was not imported: %(reason)s"), { reason: text }, true);
  return el("p", { class: "notice", role: "alert", text: sentence });
}

const form = document.getElementById("import-form");
if (form) {
  form.addEventListener("submit", (event) => {
    const file = form.elements.archive.files[0];
    if (!file) return; // the browser says the field is required
    event.preventDefault();
    const box = document.getElementById("import-progress");
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (e) => {
      const percent = e.lengthComputable ? Math.floor((100 * e.loaded) / e.total) : null;
      show(box, percent, interpolate(gettext("Uploading: %(kb)s of %(total)s KB"),
        { kb: Math.round(e.loaded / 1024), total: Math.round(e.total / 1024) }, true));
    });
    request.upload.addEventListener("load", () => {
      show(box, null, gettext("Uploaded. Checking every event against the rules…"));
    });
    request.addEventListener("load", () => {
      button.disabled = false;
      let answer = null;
      try {
        answer = JSON.parse(request.responseText);
      } catch {
        answer = { ok: false, error: gettext("The server gave an unexpected answer.") };
      }
      if (answer.ok) {
        show(box, 100, gettext("Imported."));
        const label = interpolate(gettext("Open the imported workshop %(code)s"), { code: answer.code }, true);
        const link = el("a", { href: answer.url, text: label });
        showResult(el("p", { class: "message", role: "status" }, link));
        link.focus();
      } else {
        box.hidden = true;
        showResult(problem(answer.error));
      }
    });
    request.addEventListener("error", () => {
      button.disabled = false;
      box.hidden = true;
      showResult(problem(gettext("the connection failed.")));
    });
    request.send(new FormData(form));
  });
}
