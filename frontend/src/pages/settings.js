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
