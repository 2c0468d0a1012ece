// Values the server computes for styles (progress widths, a poster behind the
// processing panel) arrive as data attributes and are applied here through the
// CSSOM: the Content-Security-Policy allows no `style` attributes in the HTML.
export function applyDataStyles(root = document) {
  for (const el of root.querySelectorAll("[data-width]")) {
    el.style.width = `${Number(el.dataset.width) || 0}%`;
  }
  for (const el of root.querySelectorAll("[data-progress]")) {
    el.style.setProperty("--progress", `${Number(el.dataset.progress) || 0}%`);
  }
  for (const el of root.querySelectorAll("[data-poster]")) {
    el.style.backgroundImage = `url("${el.dataset.poster.replace(/["\\\n]/g, encodeURIComponent)}")`;
  }
}
