// Browse and category pages: the "More videos" link becomes infinite scroll.
//
// Without JavaScript the link is a normal link to the next page. Here the
// next page is fetched as a fragment (`X-Fragment: 1`: only the cards and
// the following link), its cards are appended to the grid, and its link
// replaces the old one. What was loaded is kept in `history.state`, so
// coming back to this page (back button, reload) shows the same list at the
// same place instead of starting over.
import { applyDataStyles } from "../lib/data-styles.js";
import { toast } from "../lib/toast.js";

const STATE_KEY = "catalogPages";
// history.state has a size limit in some browsers; past this, start over on return.
const MAX_STATE_CHARS = 1_500_000;

const grid = document.querySelector("[data-infinite-grid]");
const form = document.querySelector("[data-catalog-filters]");

if (form) {
  // Selecting a filter applies it at once (the button stays for no-JS), and
  // the URL keeps only the filters that are set.
  const apply = () => {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (value) params.append(name, value);
    const query = params.toString();
    location.assign(form.getAttribute("action") + (query ? `?${query}` : ""));
  };
  form.addEventListener("change", (event) => {
    if (event.target instanceof HTMLSelectElement) apply();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
}

if (grid) setupInfiniteScroll(grid);

function setupInfiniteScroll(list) {
  const status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  list.after(status);

  let loading = false;
  let observer = null;
  const saved = [];

  function moreLink() {
    return document.querySelector("[data-more]");
  }

  function append(fragmentHtml) {
    const doc = new DOMParser().parseFromString(fragmentHtml, "text/html");
    const cards = doc.querySelectorAll("[data-fragment-cards] > li");
    const adopted = Array.from(cards, (card) => document.adoptNode(card));
    list.append(...adopted);
    for (const card of adopted) applyDataStyles(card);
    const current = moreLink();
    const next = doc.querySelector("[data-more]");
    if (current) current.remove();
    if (next) {
      status.after(document.adoptNode(next));
    }
    return cards.length;
  }

  function remember(fragmentHtml) {
    saved.push(fragmentHtml);
    const size = saved.reduce((n, h) => n + h.length, 0);
    const state = { ...(history.state || {}) };
    state[STATE_KEY] = size <= MAX_STATE_CHARS ? { html: saved, url: location.href } : null;
    history.replaceState(state, "");
  }

  function restore() {
    const state = history.state && history.state[STATE_KEY];
    if (!state || state.url !== location.href || !Array.isArray(state.html)) return;
    for (const html of state.html) {
      append(html);
      saved.push(html);
    }
  }

  async function loadMore() {
    const link = moreLink() && moreLink().querySelector("a[rel=next]");
    if (!link || loading) return;
    loading = true;
    link.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(link.href, {
        headers: { "X-Fragment": "1", Accept: "text/html" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const html = await response.text();
      const count = append(html);
      remember(html);
      status.textContent = `${count} more video${count === 1 ? "" : "s"} loaded.`;
      watch();
    } catch {
      link.removeAttribute("aria-busy");
      if (observer) observer.disconnect();
      toast("Could not load more videos. Use the “More videos” link to try again.", "error");
    } finally {
      loading = false;
    }
  }

  function watch() {
    const more = moreLink();
    if (observer) observer.disconnect();
    if (!more || !("IntersectionObserver" in window)) return;
    observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) loadMore();
      },
      { rootMargin: "600px 0px" },
    );
    observer.observe(more);
  }

  // A click loads in place too, so the list never loses what is above.
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element && event.target.closest("[data-more] a[rel=next]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    loadMore();
  });

  restore();
  watch();
}
