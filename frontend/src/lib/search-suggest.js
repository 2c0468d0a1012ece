// Suggestions under the header search box, as an ARIA combobox: type, then
// arrow keys to move, Enter to open, Escape to close. Without JavaScript the
// box is a plain GET form to /search, and Enter with nothing chosen still is.
import { gql } from "./graphql.js";

const QUERY = `query($p: String!) { searchSuggestions(prefix: $p) { text kind videoId } }`;
const DEBOUNCE_MS = 150;
const MIN_CHARS = 2;
const KIND_LABELS = { VIDEO: "Video", TAG: "Tag", CREATOR: "Creator" };

export function setupSearchSuggest(input = document.getElementById("site-search")) {
  if (!input || !input.form) return null;
  const form = input.form;
  const listbox = document.createElement("ul");
  listbox.id = `${input.id}-suggestions`;
  listbox.className = "search-suggest";
  listbox.setAttribute("role", "listbox");
  listbox.setAttribute("aria-label", "Search suggestions");
  listbox.hidden = true;
  form.append(listbox);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listbox.id);

  let items = [];
  let active = -1;
  let timer = 0;
  let controller = null;
  let lastPrefix = "";

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function setActive(index) {
    const options = listbox.querySelectorAll('[role="option"]');
    options.forEach((el, i) => el.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index >= 0 && options[index]) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function render(suggestions) {
    items = suggestions;
    listbox.replaceChildren(
      ...suggestions.map((s, i) => {
        const li = document.createElement("li");
        li.id = `${listbox.id}-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.kind = s.kind.toLowerCase();
        const text = document.createElement("span");
        text.className = "search-suggest-text";
        text.textContent = s.text; // never parsed as HTML
        const kind = document.createElement("span");
        kind.className = "search-suggest-kind";
        kind.textContent = KIND_LABELS[s.kind] || "";
        li.append(text, kind);
        // mousedown, not click: keep focus in the box so blur does not close first.
        li.addEventListener("mousedown", (e) => {
          e.preventDefault();
          choose(i);
        });
        li.addEventListener("mousemove", () => { if (active !== i) setActive(i); });
        return li;
      }),
    );
    active = -1;
    input.removeAttribute("aria-activedescendant");
    const open = suggestions.length > 0;
    listbox.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
  }

  function choose(index) {
    const s = items[index];
    if (!s) return;
    close();
    if (s.kind === "VIDEO" && s.videoId) {
      window.location.assign(`/video/${encodeURIComponent(s.videoId)}`);
      return;
    }
    input.value = s.text;
    form.requestSubmit ? form.requestSubmit() : form.submit();
  }

  async function fetchSuggestions(prefix) {
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const data = await gql(QUERY, { p: prefix }, { signal: controller.signal });
      // Answers can arrive out of order; only the latest prefix counts.
      if (prefix === lastPrefix && document.activeElement === input) render(data.searchSuggestions);
    } catch (err) {
      if (err && err.name === "AbortError") return;
      close(); // suggestions are a convenience: the form still works
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const prefix = input.value;
    lastPrefix = prefix;
    if (prefix.trim().length < MIN_CHARS) {
      if (controller) controller.abort();
      render([]);
      return;
    }
    timer = setTimeout(() => fetchSuggestions(prefix), DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (e) => {
    const open = !listbox.hidden && items.length > 0;
    if (e.key === "ArrowDown") {
      if (!open) {
        if (items.length) { listbox.hidden = false; input.setAttribute("aria-expanded", "true"); }
        return;
      }
      e.preventDefault();
      setActive(active + 1 >= items.length ? 0 : active + 1);
    } else if (e.key === "ArrowUp" && open) {
      e.preventDefault();
      setActive(active <= 0 ? items.length - 1 : active - 1);
    } else if (e.key === "Enter" && open && active >= 0) {
      e.preventDefault();
      choose(active);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      close();
    }
  });

  input.addEventListener("blur", () => close());
  input.addEventListener("focus", () => {
    if (items.length && input.value === lastPrefix && input.value.trim().length >= MIN_CHARS) {
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
  });

  return { close };
}

setupSearchSuggest();
