// Settings: preview a chosen avatar before it is uploaded, and refuse files
// that are obviously too big before sending them.
const form = document.querySelector("[data-avatar-form]");
if (form) {
  const input = form.querySelector('input[type="file"]');
  const preview = document.querySelector(".avatar-row .avatar");
  input.addEventListener("change", () => {
    const file = input.files[0];
    if (!file) return;
    if (file.size > 5 * 1024 * 1024) {
      input.setCustomValidity("That image is larger than 5 MiB.");
      input.reportValidity();
      return;
    }
    input.setCustomValidity("");
    if (preview && preview.tagName === "IMG") preview.src = URL.createObjectURL(file);
  });
}
