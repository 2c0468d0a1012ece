export function toast(message, kind = "info") {
  const box = document.querySelector(".toasts");
  if (!box) return;
  const el = document.createElement("div");
  el.className = `toast toast-${kind}`;
  el.setAttribute("role", "status");
  el.textContent = message;
  box.append(el);
  setTimeout(() => el.classList.add("is-leaving"), 4500);
  setTimeout(() => el.remove(), 5000);
}
