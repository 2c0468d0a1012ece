// Formulae in lesson Markdown: the server marks `$…$` and `$$…$$` as
// <span class="math"> / <div class="math math-display"> holding the TeX, escaped;
// KaTeX typesets them here (no trust, bounded sizes), or the TeX stays readable.
import katex from "katex";
import "katex/dist/katex.css";

export function typeset(root) {
  for (const node of root.querySelectorAll(".math")) {
    if (node.dataset.typeset) continue;
    node.dataset.typeset = "true";
    const tex = node.textContent;
    try {
      katex.render(tex, node, {
        displayMode: node.classList.contains("math-display"),
        throwOnError: false,
        trust: false,
        maxSize: 20,
        maxExpand: 200,
      });
    } catch {
      node.textContent = tex; // leave the TeX readable
    }
  }
}

