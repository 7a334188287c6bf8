// The join form's Re-roll button: asks the server for another free nickname.
const button = document.getElementById("reroll");
const input = button.form.querySelector("input[type=text]");
const said = document.getElementById("reroll-status");
button.addEventListener("click", async () => {
  button.disabled = true;
  try {
    const response = await fetch(button.dataset.url, { headers: { Accept: "application/json" } });
    if (response.ok) {
      input.value = (await response.json()).nickname;
      said.textContent = interpolate(gettext("New nickname: %(nickname)s"), { nickname: input.value }, true);
    }
  } catch {
    said.textContent = gettext("No new nickname: you seem to be offline. Keep this one or type your own.");
  } finally {
    button.disabled = false;
  }
});
