// Content page: confirm deletes, and follow videos that are still being
// uploaded or processed live (badge, progress bar, message); reload once one
// is done so its actions and poster appear.
import { connect, join } from "../lib/realtime.js";
import { toast } from "../lib/toast.js";
import { gql } from "../lib/graphql.js";

const LABELS = {
  UPLOADING: "Upload not finished",
  PROCESSING: "Processing",
  READY: "Ready",
  FAILED: "Failed",
  REJECTED: "Rejected",
};

for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (e) => {
    if (!window.confirm(form.dataset.confirm)) e.preventDefault();
  });
}

const rows = [...document.querySelectorAll(".video-row[data-video-id]")].filter((row) =>
  ["processing", "uploading"].includes(row.dataset.status),
);

function editing() {
  const active = document.activeElement;
  return Boolean(
    document.querySelector(".video-list details[open]") ||
      (active && active.closest && active.closest(".video-list form")),
  );
}

let reloadPending = false;
function reloadSoon() {
  if (reloadPending) return;
  reloadPending = true;
  const tryReload = () => {
    if (editing()) {
      setTimeout(tryReload, 3000);
      return;
    }
    window.location.reload();
  };
  setTimeout(tryReload, 400);
}

function ensureProgress(row) {
  let bar = row.querySelector("[data-status-progress]");
  if (!bar) {
    bar = document.createElement("div");
    bar.className = "progress progress-sm progress-accent";
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-label", `Processing ${row.querySelector(".video-title").textContent.trim()}`);
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", "100");
    bar.dataset.statusProgress = "";
    const fill = document.createElement("div");
    fill.className = "progress-fill";
    bar.append(fill);
    row.querySelector(".video-meta").after(bar);
  }
  return bar;
}

function ensureMessage(row, after) {
  let msg = row.querySelector("[data-status-message]");
  if (!msg) {
    msg = document.createElement("p");
    msg.className = "status-message muted";
    msg.dataset.statusMessage = "";
    msg.setAttribute("aria-live", "polite");
    after.after(msg);
  }
  return msg;
}

function update(row, payload) {
  const status = String(payload.status || "").toUpperCase();
  const lower = status.toLowerCase();
  const previous = row.dataset.status;
  row.dataset.status = lower;
  row.dataset.playable = payload.playable ? "true" : "false";
  const badge = row.querySelector("[data-status-badge]");
  const pct = Math.floor(Math.max(0, Math.min(1, Number(payload.progress) || 0)) * 100);
  if (badge) {
    badge.className = `badge status-badge status-${lower}`;
    badge.textContent = LABELS[status] ? LABELS[status] + (status === "PROCESSING" ? ` ${pct}%` : "") : status;
  }
  if (status === "PROCESSING") {
    const bar = ensureProgress(row);
    bar.setAttribute("aria-valuenow", String(pct));
    bar.setAttribute("aria-valuetext", `${pct}%`);
    bar.querySelector(".progress-fill").style.width = `${pct}%`;
    const msg = ensureMessage(row, bar);
    msg.className = "status-message muted";
    msg.textContent = (payload.message || "Processing…") + (payload.playable ? " You can already watch it." : "");
  } else if (status === "READY" || status === "FAILED" || status === "REJECTED") {
    const title = row.querySelector(".video-title").textContent.trim();
    if (status === "READY") toast(`“${title}” is ready.`, "success");
    else toast(`“${title}”: ${payload.message || "processing stopped."}`, "error");
    if (previous !== lower) reloadSoon();
  }
}

if (rows.length) {
  const byId = new Map(rows.map((row) => [row.dataset.videoId, row]));
  const socket = connect();
  socket.on("video.status", (payload) => {
    const row = payload && byId.get(String(payload.videoId));
    if (row) update(row, payload);
  });
  for (const id of byId.keys()) join(`video:${id}`);

  // Always poll too: a join does not replay the current status, so a change
  // between page load and subscription (or during a reconnect) would be missed.
  const poll = async () => {
    for (const [id, row] of byId) {
      if (!["processing", "uploading"].includes(row.dataset.status)) continue;
      try {
        const { video } = await gql(
          "query($id: ID!) { video(id: $id) { status processingProgress statusMessage playable } }",
          { id },
        );
        if (video && (video.status.toLowerCase() !== row.dataset.status || video.status === "PROCESSING")) {
          update(row, { status: video.status, progress: video.processingProgress, message: video.statusMessage, playable: video.playable });
        }
      } catch { /* try again next round */ }
    }
    setTimeout(poll, 10000);
  };
  setTimeout(poll, 1000);
}
