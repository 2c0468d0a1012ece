// Settings: preview a chosen avatar before it is uploaded, and refuse files
// that are obviously too big before sending them.
const form = document.querySelector("[data-avatar-form]");
if (form) {
  const input = form.querySelector('input[type="file"]');
  const preview = document.querySelector(".avatar-row .avatar");
  input.addEventListener("change", () => {
    const file = input.files[0];
    if (!file) return;
    const max = Number(form.dataset.maxBytes || 5 * 1024 * 1024);
    if (file.size > max) {
      input.setCustomValidity(`That image is larger than ${Math.round(max / 1048576)} MiB.`);
      input.reportValidity();
      return;
    }
    input.setCustomValidity("");
    if (preview && preview.tagName === "IMG") preview.src = URL.createObjectURL(file);
  });
}

// Time zone: suggest the browser's own zone when it differs from the saved one.
const zoneForm = document.querySelector("[data-time-zone-form]");
if (zoneForm) {
  const select = zoneForm.querySelector("select");
  const hint = zoneForm.querySelector("[data-time-zone-hint]");
  const use = zoneForm.querySelector("[data-time-zone-use]");
  const browser = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const known = [...select.options].some((o) => o.value === browser);
  if (browser && known && browser !== select.dataset.current) {
    use.textContent = browser;
    hint.hidden = false;
    use.addEventListener("click", () => {
      select.value = browser;
      select.focus();
    });
  }
}
