// The watch page's engagement bar: like and save toggles (optimistic, over
// GraphQL, with the plain form posts as the fallback) and the share panel.
import { gql } from "./graphql.js";
import { toast } from "./toast.js";

export function compact(n) {
  n = Number(n) || 0;
  for (const [limit, suffix] of [[1e9, "B"], [1e6, "M"], [1e3, "K"]]) {
    if (n >= limit) {
      const v = n / limit;
      return (v < 10 ? v.toFixed(1) : v.toFixed(0)).replace(/\.0$/, "") + suffix;
    }
  }
  return String(n);
}

const TOGGLES = {
  like: { on: "likeVideo", off: "unlikeVideo", onLabel: "Liked", offLabel: "Like", path: ["like", "unlike"] },
  save: { on: "saveVideo", off: "unsaveVideo", onLabel: "Saved", offLabel: "Save", path: ["save", "unsave"] },
};

function setLikeCount(el, n) {
  if (!el) return;
  el.textContent = compact(n);
  el.dataset.count = String(n);
  el.setAttribute("aria-label", `${n} likes`);
}

function reflect(form, on, videoId) {
  const spec = TOGGLES[form.dataset.toggle];
  form.dataset.on = String(on);
  form.action = `/video/${videoId}/${on ? spec.path[1] : spec.path[0]}`;
  const button = form.querySelector("button");
  button.setAttribute("aria-pressed", String(on));
  form.querySelector("[data-toggle-label]").textContent = on ? spec.onLabel : spec.offLabel;
}

export function setupToggles(bar) {
  const videoId = bar.dataset.videoId;
  const countEl = bar.querySelector("[data-like-count]");
  if (countEl) countEl.dataset.count = countEl.getAttribute("aria-label").split(" ")[0];
  for (const form of bar.querySelectorAll("form[data-toggle]")) {
    const spec = TOGGLES[form.dataset.toggle];
    let busy = false;
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (busy) return;
      busy = true;
      const was = form.dataset.on === "true";
      const isLike = form.dataset.toggle === "like";
      const before = countEl ? Number(countEl.dataset.count) : 0;
      reflect(form, !was, videoId); // optimistic
      if (isLike) setLikeCount(countEl, Math.max(0, before + (was ? -1 : 1)));
      try {
        const field = was ? spec.off : spec.on;
        const data = await gql(
          `mutation($id: ID!) { ${field}(videoId: $id) { likeCount viewerHasLiked viewerHasSaved } }`,
          { id: videoId },
        );
        const video = data[field];
        reflect(form, isLike ? video.viewerHasLiked : video.viewerHasSaved, videoId);
        if (isLike) setLikeCount(countEl, video.likeCount);
        if (!isLike) toast(was ? "Removed from your saved videos." : "Saved. Find it in your library.", "success");
      } catch (err) {
        reflect(form, was, videoId);
        if (isLike) setLikeCount(countEl, before);
        toast(err.message || "That did not work. Try again.", "error");
      } finally {
        busy = false;
      }
    });
  }
}

export function setViewCount(bar, n) {
  const el = bar && bar.querySelector("[data-view-count]");
  if (el) el.textContent = compact(n);
  const label = bar && bar.querySelector("[data-view-label]");
  if (label) label.textContent = Number(n) === 1 ? "view" : "views";
}

function formatTime(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** The share panel: a link to the video, optionally at the player's current time. */
export function setupShare(details, videoId, currentTime) {
  const input = details.querySelector("[data-share-link]");
  const at = details.querySelector("[data-share-at]");
  const timeLabel = details.querySelector("[data-share-time]");
  const copy = details.querySelector("[data-share-copy]");
  const base = `${window.location.origin}/video/${videoId}`;
  let seconds = 0;

  function refresh() {
    input.value = at.checked && seconds > 0 ? `${base}?t=${seconds}` : base;
  }

  details.addEventListener("toggle", () => {
    if (!details.open) return;
    seconds = Math.floor(currentTime() || 0);
    timeLabel.textContent = formatTime(seconds);
    at.checked = seconds > 0;
    refresh();
    input.select();
  });
  at.addEventListener("change", refresh);
  copy.hidden = false;
  copy.addEventListener("click", async () => {
    refresh();
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      input.select();
      document.execCommand("copy"); // older browsers and non-secure origins
    }
    toast("Link copied.", "success");
  });
}
