// This browser's device id, kept in its storage as well as in its (HttpOnly) cookie and sent
// with the join form: clearing cookies alone no longer lifts a facilitator's ban. Clearing the
// site's data, a private window or another browser still makes a new device (README, "Bans").
// A classic deferred script, not a module: it needs no translation catalog and no imports.
{
  const KEY = "upserve_device";
  const DEVICE_ID = /^[A-Za-z0-9_-]{16,64}$/;
  const field = document.querySelector('input[name="device"]');
  if (field) {
    try {
      const kept = localStorage.getItem(KEY);
      if (kept && DEVICE_ID.test(kept)) field.value = kept;
      else if (DEVICE_ID.test(field.value)) localStorage.setItem(KEY, field.value);
    } catch {
      // Storage is blocked (some private modes): the cookie alone carries the id.
    }
  }
}
