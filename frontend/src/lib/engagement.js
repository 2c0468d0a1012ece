// The watch page's engagement bar: like and save toggles (optimistic, over
// GraphQL, with the plain form posts as the fallback); the share dialog is lib/share.js.
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
