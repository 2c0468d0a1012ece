// The watch page's Share dialog: a link to the video, optionally starting at
// the player's current time (?t=), copied to the clipboard or handed to the
// system's share sheet (navigator.share) where there is one. Each copy or
// native share is reported with `recordShare`, which the server counts once
// per viewer and video per hour, so pressing Copy again inflates nothing.
import { gql } from "./graphql.js";
import { toast } from "./toast.js";

export function formatTime(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** The link to share: the video's URL, with ?t=<seconds> when asked and past the start. */
export function shareUrl(base, seconds, startAt) {
  const s = Math.floor(seconds || 0);
  return startAt && s > 0 ? `${base}?t=${s}` : base;
}

function record(videoId) {
  // Counting is best effort: a failure must not spoil the share itself.
  gql("mutation($id: ID!) { recordShare(videoId: $id) }", { id: videoId }).catch(() => {});
}

/**
 * Enhance the server-rendered dialog (`<details data-share>`): the summary is
 * the Share button; the panel holds the link, the "Start at" box and the
 * Copy / Share… buttons. Escape closes it and gives the focus back.
 */
export function setupShare(details, videoId, currentTime) {
  const input = details.querySelector("[data-share-link]");
  const at = details.querySelector("[data-share-at]");
  const timeLabel = details.querySelector("[data-share-time]");
  const copy = details.querySelector("[data-share-copy]");
  const native = details.querySelector("[data-share-native]");
  const summary = details.querySelector("summary");
  const base = `${window.location.origin}/video/${videoId}`;
  let seconds = 0;

  function refresh() {
    input.value = shareUrl(base, seconds, at.checked);
  }

  details.addEventListener("toggle", () => {
    if (!details.open) return;
    seconds = Math.floor(currentTime() || 0);
    timeLabel.textContent = formatTime(seconds);
    at.checked = seconds > 0;
    at.disabled = seconds <= 0;
    refresh();
    input.select();
  });
  details.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && details.open) {
      details.open = false;
      summary.focus();
    }
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
    record(videoId);
    toast("Link copied.", "success");
  });

  if (native && typeof navigator.share === "function") {
    native.hidden = false;
    native.addEventListener("click", async () => {
      refresh();
      try {
        await navigator.share({ title: document.title, url: input.value });
        record(videoId);
      } catch {
        /* the viewer closed the share sheet */
      }
    });
  }
}
