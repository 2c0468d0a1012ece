// Watch page: the shared player (lib/player.js) with resume-from-last-position
// and playback tracking; plus the live "still processing" panel and a Follow
// button that doesn't leave the page.
// Engagement: playback events for views and history, like/save toggles, the
// share link with the current time, and comments without reloading.
import { setupComments } from "../lib/comments.js";
import { setupToggles, setViewCount } from "../lib/engagement.js";
import { setupShare } from "../lib/share.js";
import { connect, join } from "../lib/realtime.js";
import { gql } from "../lib/graphql.js";
import { initPlayer } from "../lib/player.js";
import { toast } from "../lib/toast.js";

// ------------------------------------------------------------ still processing

function followProcessing(panel) {
  const videoId = panel.dataset.videoId;
  const bar = panel.querySelector("[data-pending-progress]");
  const message = panel.querySelector("[data-pending-message]");
  let done = false;
  let timer = 0;

  function apply(s) {
    if (done || !s) return;
    const status = String(s.status || "").toUpperCase();
    const progress = Number(s.progress ?? s.processingProgress ?? 0);
    const text = s.message ?? s.statusMessage ?? "";
    if (s.playable || status === "READY" || status === "FAILED" || status === "REJECTED") {
      done = true;
      clearTimeout(timer);
      if (message) message.textContent = s.playable ? "Ready to watch — loading the player…" : text;
      window.location.reload();
      return;
    }
    if (bar) {
      const pct = Math.floor(Math.max(0, Math.min(1, progress)) * 100);
      bar.setAttribute("aria-valuenow", String(pct));
      bar.setAttribute("aria-valuetext", `${pct}%`);
      bar.querySelector(".progress-fill").style.width = `${pct}%`;
    }
    if (message && text) message.textContent = `${text} The player appears as soon as the first part can be watched.`;
  }

  const socket = connect();
  socket.on("video.status", (payload) => {
    if (payload && String(payload.videoId) === videoId) apply(payload);
  });
  join(`video:${videoId}`);

  async function poll() {
    if (done) return;
    try {
      const data = await gql(
        "query($id: ID!) { video(id: $id) { status processingProgress statusMessage playable } }",
        { id: videoId },
      );
      if (data.video) apply(data.video);
    } catch { /* next round */ }
    if (!done) timer = setTimeout(poll, 5000);
  }
  timer = setTimeout(poll, 5000);
}

// ------------------------------------------------------------ follow without leaving

function setupFollow(form) {
  const button = form.querySelector('button[type="submit"]');
  const ownerId = form.dataset.ownerId;
  const ownerName = button.querySelector(".visually-hidden")?.textContent.trim() || "";
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    button.disabled = true;
    let ok = false;
    try {
      const res = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        redirect: "manual",
      });
      ok = res.type === "opaqueredirect" || (res.status >= 300 && res.status < 400);
    } catch {
      ok = false;
    }
    button.disabled = false;
    if (!ok) {
      form.submit(); // let the server explain
      return;
    }
    const following = form.dataset.following !== "true";
    form.dataset.following = String(following);
    form.action = `/profile/${ownerId}/${following ? "unfollow" : "follow"}`;
    button.classList.toggle("button-ghost", following);
    button.firstChild.textContent = following ? "Unfollow" : "Follow";
    toast(following ? `You follow ${ownerName}.` : `You no longer follow ${ownerName}.`, "success");
  });
}

const engagementBar = document.querySelector("[data-engagement]");
const playerRoot = document.querySelector("[data-player]:not(.player-pending)");
if (playerRoot) initPlayer(playerRoot, { onView: (n) => setViewCount(engagementBar, n) });

// A premium video's preview: the server's playlist ends where the preview does,
// so the player simply ends there; the paywall below it then takes the focus.
const paywall = document.querySelector("[data-paywall]");
const previewVideo = playerRoot?.querySelector("[data-player-video]");
if (paywall && previewVideo) {
  previewVideo.addEventListener("ended", () => {
    paywall.classList.add("paywall-reached");
    paywall.scrollIntoView({ block: "nearest" });
    paywall.querySelector("[data-paywall-link]")?.focus();
  });
}

if (engagementBar) {
  setupToggles(engagementBar);
  const share = engagementBar.querySelector("[data-share]");
  const current = () => (window.__player && window.__player.video ? window.__player.video.currentTime : 0);
  if (share) setupShare(share, engagementBar.dataset.videoId, current);
}
const commentsSection = document.querySelector("[data-comments]");
if (commentsSection) setupComments(commentsSection);

const pending = document.querySelector("[data-processing-panel]");
if (pending && pending.dataset.canManage === "true" && pending.querySelector("[data-pending-heading]")) {
  followProcessing(pending);
}

const followForm = document.querySelector("[data-follow-form]");
if (followForm) setupFollow(followForm);
