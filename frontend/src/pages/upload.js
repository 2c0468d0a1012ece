// Upload page: pick or drop a video, create its draft over GraphQL, send the
// bytes with tus (resumable, also after the tab was closed), then follow the
// processing live until the video can be watched.
import * as tus from "tus-js-client";
import { gql, csrfToken } from "../lib/graphql.js";
import { S3Upload } from "../lib/s3upload.js";
import { join, connect } from "../lib/realtime.js";

const CREATE_VIDEO = `mutation($input: CreateVideoInput!) {
  createVideo(input: $input) { video { id } upload { protocol url videoId maxChunkSize } }
}`;
const UPDATE_VIDEO = `mutation($id: ID!, $input: UpdateVideoInput!) {
  updateVideo(id: $id, input: $input) { id }
}`;
const DELETE_VIDEO = `mutation($id: ID!) { deleteVideo(id: $id) }`;
const VIDEO_STATUS = `query($id: ID!) {
  video(id: $id) { id status processingProgress statusMessage playable }
}`;

const CHUNK_SIZE = 8 * 1024 * 1024;
const RESUME_KEY = "cs:uploads"; // { fingerprint: { videoId, endpoint, at } }
const RESUME_MAX_AGE = 7 * 24 * 3600 * 1000;
const POLL_MS = 5000;
const VIDEO_EXTENSIONS = /\.(mp4|m4v|mov|mkv|webm|avi|wmv|flv|mpe?g|ts|mts|m2ts|3gp|ogv|mxf)$/i;

const form = document.querySelector("[data-upload-form]");
if (form) setup(form);

// ---------------------------------------------------------------- helpers

function formatBytes(n) {
  if (!Number.isFinite(n)) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${n >= 100 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "";
  seconds = Math.ceil(seconds);
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${seconds % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function titleFromFilename(name) {
  const base = name.replace(/\.[^.]+$/, "").replace(/[_.]+/g, " ").replace(/\s+/g, " ").trim();
  return (base || name).slice(0, 200);
}

function isVideoFile(file) {
  return (file.type && file.type.startsWith("video/")) || VIDEO_EXTENSIONS.test(file.name);
}

// Our own fingerprint, independent of the endpoint, so we can find the draft
// video of a file before asking the server for anything.
function fileFingerprint(file) {
  return ["cs-tus", file.name, file.type, file.size, file.lastModified].join("-");
}

function readResumeMap() {
  try {
    const map = JSON.parse(localStorage.getItem(RESUME_KEY) || "{}");
    const now = Date.now();
    for (const [k, v] of Object.entries(map)) if (!v || now - (v.at || 0) > RESUME_MAX_AGE) delete map[k];
    return map;
  } catch {
    return {};
  }
}

function writeResumeMap(map) {
  try { localStorage.setItem(RESUME_KEY, JSON.stringify(map)); } catch { /* private mode */ }
}

function remember(fp, videoId, endpoint) {
  const map = readResumeMap();
  map[fp] = { videoId, endpoint, at: Date.now() };
  writeResumeMap(map);
}

function forget(fp) {
  const map = readResumeMap();
  delete map[fp];
  writeResumeMap(map);
}

function setProgress(bar, fraction) {
  const pct = Math.max(0, Math.min(100, Math.round(fraction * 1000) / 10));
  bar.setAttribute("aria-valuenow", String(Math.round(pct)));
  bar.setAttribute("aria-valuetext", `${pct}%`);
  bar.querySelector(".progress-fill").style.width = `${pct}%`;
  return pct;
}

function statusOf(err) {
  return err && err.originalResponse ? err.originalResponse.getStatus() : 0;
}

function tusMessage(err) {
  const res = err && err.originalResponse;
  if (res) {
    try {
      const body = JSON.parse(res.getBody() || "{}");
      const msg = body.message || body.detail || (body.error && body.error.message);
      if (typeof msg === "string" && msg) return msg;
    } catch { /* not JSON */ }
    const status = res.getStatus();
    if (status === 413) return "This file is too large.";
    if (status === 401 || status === 403) return "Your session has ended. Log in again, then choose the same file to continue.";
  }
  if (typeof navigator !== "undefined" && navigator.onLine === false) {
    return "You're offline. The upload will continue when you press Resume.";
  }
  return "The upload stopped because of a network problem. Press Resume to continue where it left off.";
}

// ---------------------------------------------------------------- page

function setup(form) {
  const maxBytes = Number(form.dataset.maxBytes || 0);
  const input = form.querySelector('input[type="file"]');
  const dropzone = form.querySelector("[data-dropzone]");
  const chosen = form.querySelector("[data-file-chosen]");
  const title = form.querySelector('input[name="title"]');
  const formError = form.querySelector("[data-upload-error]");
  const submit = form.querySelector("[data-upload-submit]");

  const progressBox = document.querySelector("[data-upload-progress]");
  const bar = progressBox.querySelector("[data-upload-bar]");
  const nameEl = progressBox.querySelector("[data-upload-name]");
  const percentEl = progressBox.querySelector("[data-upload-percent]");
  const bytesEl = progressBox.querySelector("[data-upload-bytes]");
  const speedEl = progressBox.querySelector("[data-upload-speed]");
  const etaEl = progressBox.querySelector("[data-upload-eta]");
  const stateEl = progressBox.querySelector("[data-upload-state]");
  const pauseBtn = progressBox.querySelector("[data-upload-pause]");
  const resumeBtn = progressBox.querySelector("[data-upload-resume]");
  const cancelBtn = progressBox.querySelector("[data-upload-cancel]");
  const progressError = progressBox.querySelector("[data-upload-progress-error]");

  const processing = document.querySelector("[data-processing]");

  let file = null;
  let titleWasAuto = true;
  let busy = false;
  let upload = null;
  let videoId = null;
  let fingerprint = null;
  let speed = 0; // bytes per second, smoothed
  let lastSample = null;

  // ---- choosing a file

  function showFormError(message) {
    formError.textContent = message;
    formError.hidden = !message;
  }

  function choose(f) {
    showFormError("");
    if (!f) return;
    if (!isVideoFile(f)) {
      file = null;
      chosen.textContent = "";
      showFormError(`"${f.name}" doesn't look like a video file. Choose an MP4, MOV, MKV, WebM or other video.`);
      return;
    }
    if (maxBytes && f.size > maxBytes) {
      file = null;
      chosen.textContent = "";
      showFormError(`"${f.name}" is ${formatBytes(f.size)}; files can be at most ${formatBytes(maxBytes)}.`);
      return;
    }
    if (f.size === 0) {
      file = null;
      showFormError(`"${f.name}" is empty.`);
      return;
    }
    file = f;
    chosen.textContent = `${f.name} · ${formatBytes(f.size)}`;
    dropzone.classList.add("has-file");
    if (titleWasAuto || !title.value.trim()) {
      title.value = titleFromFilename(f.name);
      titleWasAuto = true;
    }
    const map = readResumeMap();
    if (map[fileFingerprint(f)]) {
      chosen.textContent += " — you started uploading this file before; it will continue where it stopped.";
    }
  }

  title.addEventListener("input", () => { titleWasAuto = false; });
  input.addEventListener("change", () => choose(input.files[0]));

  let dragDepth = 0;
  dropzone.addEventListener("dragenter", (e) => {
    e.preventDefault();
    dragDepth++;
    dropzone.classList.add("is-dragover");
  });
  dropzone.addEventListener("dragover", (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
  });
  dropzone.addEventListener("dragleave", () => {
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) dropzone.classList.remove("is-dragover");
  });
  dropzone.addEventListener("drop", (e) => {
    e.preventDefault();
    dragDepth = 0;
    dropzone.classList.remove("is-dragover");
    if (busy) return;
    const files = e.dataTransfer && e.dataTransfer.files;
    if (!files || !files.length) return;
    try { input.files = files; } catch { /* old browsers: keep our own reference */ }
    choose(files[0]);
  });
  // A file dropped next to the zone must not navigate away from the form.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());

  // ---- submitting

  function readInput() {
    const data = new FormData(form);
    const tags = String(data.get("tags") || "")
      .split(",").map((t) => t.trim()).filter(Boolean);
    const category = String(data.get("category") || "");
    return {
      title: String(data.get("title") || "").trim(),
      description: String(data.get("description") || ""),
      category: category || null,
      tags,
      visibility: String(data.get("visibility") || "public").toUpperCase(),
    };
  }

  function lockForm(locked) {
    for (const el of form.elements) el.disabled = locked;
    busy = locked;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (busy) return;
    showFormError("");
    if (!file) {
      showFormError("Choose a video file first.");
      input.focus();
      return;
    }
    if (!title.value.trim()) {
      showFormError("Enter a title.");
      title.focus();
      return;
    }
    const meta = readInput();
    lockForm(true);
    submit.textContent = "Starting…";
    try {
      await begin(meta);
    } catch (err) {
      giveFormBack(err && err.message);
    }
  });

  // Find the draft of an earlier, unfinished upload of this same file.
  async function previousDraft(fp) {
    const entry = readResumeMap()[fp];
    if (!entry) return null;
    try {
      const data = await gql(VIDEO_STATUS, { id: entry.videoId });
      if (data.video && data.video.status === "UPLOADING") return entry;
    } catch { /* fall through: start afresh */ }
    forget(fp);
    return null;
  }

  async function begin(meta, { fresh = false } = {}) {
    fingerprint = fileFingerprint(file);
    let endpoint;
    let resumed = null;
    if (!fresh) resumed = await previousDraft(fingerprint);
    if (resumed) {
      videoId = resumed.videoId;
      endpoint = resumed.endpoint;
      // Apply what was typed this time to the existing draft.
      await gql(UPDATE_VIDEO, {
        id: videoId,
        input: { ...meta, category: meta.category || "" },
      });
    } else {
      const data = await gql(CREATE_VIDEO, {
        input: { ...meta, size: file.size, filename: file.name },
      });
      const target = data.createVideo.upload;
      videoId = target.videoId || data.createVideo.video.id;
      // S3 mode: parts go straight to the bucket; "s3:<part size>" marks it.
      endpoint = target.protocol === "s3-multipart" ? `s3:${target.maxChunkSize}` : target.url;
      remember(fingerprint, videoId, endpoint);
    }
    await startTus(endpoint, Boolean(resumed));
  }

  function makeUpload(endpoint, fp, fromDraft) {
    if (endpoint.startsWith("s3:")) {
      return new S3Upload(file, {
        videoId: String(videoId),
        partSize: Number(endpoint.slice(3)),
        onProgress(sent, total) { showUploadProgress(sent, total); },
        onSuccess() { uploaded(); },
        onError(err) { failed(err, fromDraft); },
      });
    }
    return new tus.Upload(file, {
      endpoint,
      chunkSize: CHUNK_SIZE,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      metadata: { videoId: String(videoId), filename: file.name, filetype: file.type || "application/octet-stream" },
      headers: { "X-CSRF-Token": csrfToken() },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      fingerprint: () => Promise.resolve(fp),
      onShouldRetry(err, attempt, options) {
        const status = statusOf(err);
        const method = err.originalRequest ? err.originalRequest.getMethod() : "";
        // A refused creation (already uploaded, too large, …) won't get better.
        if (method === "POST" && status >= 400 && status < 500) return false;
        if (status === 409 || status === 423) return true;
        if (status >= 400 && status < 500) return false;
        return navigator.onLine !== false;
      },
      onProgress(sent, total) { showUploadProgress(sent, total); },
      onSuccess() { uploaded(); },
      onError(err) { failed(err, fromDraft); },
    });
  }

  function startTus(endpoint, fromDraft) {
    const fp = fingerprint;
    upload = makeUpload(endpoint, fp, fromDraft);

    nameEl.textContent = file.name;
    progressError.hidden = true;
    progressBox.hidden = false;
    form.hidden = true;
    stateEl.textContent = fromDraft ? "Continuing your earlier upload…" : "Starting…";
    pauseBtn.hidden = false;
    resumeBtn.hidden = true;
    cancelBtn.disabled = false;
    showUploadProgress(0, file.size);
    progressBox.scrollIntoView({ block: "nearest" });

    return upload.findPreviousUploads().then((previous) => {
      const mine = previous
        .filter((p) => p.metadata && p.metadata.videoId === String(videoId))
        .sort((a, b) => String(b.creationTime).localeCompare(String(a.creationTime)));
      if (mine.length) {
        upload.resumeFromPreviousUpload(mine[0]);
        stateEl.textContent = "Continuing where the last upload stopped…";
      }
      speed = 0;
      lastSample = null;
      upload.start();
    });
  }

  function showUploadProgress(sent, total) {
    const now = performance.now();
    if (!lastSample) {
      lastSample = { t: now, bytes: sent };
    } else if (now - lastSample.t >= 500) {
      const rate = ((sent - lastSample.bytes) * 1000) / (now - lastSample.t);
      if (rate >= 0) speed = speed ? speed * 0.75 + rate * 0.25 : rate;
      lastSample = { t: now, bytes: sent };
    }
    const pct = setProgress(bar, total ? sent / total : 0);
    percentEl.textContent = `${pct.toFixed(pct < 10 ? 1 : 0)}%`;
    bytesEl.textContent = `${formatBytes(sent)} of ${formatBytes(total)}`;
    if (speed > 0 && sent < total) {
      speedEl.textContent = `${(speed / 1e6).toFixed(speed < 1e7 ? 1 : 0)} MB/s`;
      etaEl.textContent = `${formatDuration((total - sent) / speed)} left`;
    } else {
      speedEl.textContent = "";
      etaEl.textContent = "";
    }
    if (sent > 0 && resumeBtn.hidden && stateEl.textContent !== "Uploading…") stateEl.textContent = "Uploading…";
  }

  function failed(err, fromDraft) {
    const status = statusOf(err);
    // The draft of an earlier attempt can't take this file any more (already
    // has one, or its upload expired): start over with a new draft.
    if (fromDraft && status === 409) {
      forget(fingerprint);
      upload = null;
      stateEl.textContent = "Starting a new upload…";
      begin(readInput(), { fresh: true }).catch((e) => giveFormBack(e.message));
      return;
    }
    if (status === 404 || status === 410) forget(fingerprint);
    progressError.textContent = tusMessage(err);
    progressError.hidden = false;
    stateEl.textContent = "Paused.";
    pauseBtn.hidden = true;
    resumeBtn.hidden = false;
    speed = 0;
    lastSample = null;
  }

  function giveFormBack(message) {
    upload = null;
    progressBox.hidden = true;
    form.hidden = false;
    lockForm(false);
    submit.textContent = "Upload";
    showFormError(message || "The upload could not start.");
  }

  pauseBtn.addEventListener("click", () => {
    if (!upload) return;
    upload.abort();
    pauseBtn.hidden = true;
    resumeBtn.hidden = false;
    stateEl.textContent = "Paused. You can resume at any time — even after closing this tab.";
    speed = 0;
    lastSample = null;
    speedEl.textContent = "";
    etaEl.textContent = "";
    resumeBtn.focus();
  });

  resumeBtn.addEventListener("click", () => {
    if (!upload) return;
    progressError.hidden = true;
    resumeBtn.hidden = true;
    pauseBtn.hidden = false;
    stateEl.textContent = "Uploading…";
    speed = 0;
    lastSample = null;
    upload.start();
    pauseBtn.focus();
  });

  cancelBtn.addEventListener("click", async () => {
    if (!upload) return;
    if (!window.confirm("Cancel this upload? The draft video is deleted.")) return;
    cancelBtn.disabled = true;
    const id = videoId;
    try { await upload.abort(true); } catch { /* the server may already have dropped it */ }
    forget(fingerprint);
    upload = null;
    try { await gql(DELETE_VIDEO, { id }); } catch { /* shown on the content page if it remains */ }
    progressBox.hidden = true;
    form.hidden = false;
    lockForm(false);
    submit.textContent = "Upload";
    showFormError("");
    submit.focus();
  });

  function uploaded() {
    forget(fingerprint);
    setProgress(bar, 1);
    percentEl.textContent = "100%";
    speedEl.textContent = "";
    etaEl.textContent = "";
    stateEl.textContent = "Upload complete.";
    pauseBtn.hidden = true;
    resumeBtn.hidden = true;
    cancelBtn.hidden = true;
    pauseBtn.parentElement.hidden = true;
    document.getElementById("upload-progress-heading").firstChild.textContent = "Uploaded ";
    followProcessing(videoId, processing);
  }
}

// ---------------------------------------------------------------- processing

function followProcessing(videoId, box) {
  const heading = box.querySelector("[data-processing-heading]");
  const bar = box.querySelector("[data-processing-bar]");
  const message = box.querySelector("[data-processing-message]");
  const error = box.querySelector("[data-processing-error]");
  const watch = box.querySelector("[data-watch-link]");
  watch.href = `/video/${encodeURIComponent(videoId)}`;
  box.hidden = false;
  heading.setAttribute("tabindex", "-1");
  heading.focus();

  let finished = false;
  let timer = null;
  let announcedPlayable = false;

  function apply(s) {
    if (finished || !s) return;
    const status = String(s.status || "").toUpperCase();
    const progress = Number(s.progress ?? s.processingProgress ?? 0);
    const text = s.message ?? s.statusMessage ?? "";
    if (s.playable && !announcedPlayable) {
      announcedPlayable = true;
      watch.hidden = false;
    }
    switch (status) {
      case "UPLOADING":
        heading.textContent = "Finishing the upload…";
        message.textContent = text || "Waiting for the server to confirm the file.";
        break;
      case "PROCESSING":
        heading.textContent = "Processing…";
        setProgress(bar, progress);
        message.textContent = (text || "Preparing your video for streaming.") +
          (s.playable ? " You can already watch it while processing finishes." : "");
        break;
      case "READY":
        finished = true;
        heading.textContent = "Your video is ready";
        setProgress(bar, 1);
        message.textContent = "Processing is done: every quality, the poster and the seek previews are ready.";
        watch.hidden = false;
        break;
      case "FAILED":
      case "REJECTED":
        finished = true;
        heading.textContent = status === "REJECTED" ? "This file can't be used" : "Processing failed";
        bar.hidden = true;
        watch.hidden = true;
        message.textContent = "";
        error.textContent = text || (status === "REJECTED"
          ? "The file was rejected."
          : "Processing failed. You can try again from your content page.");
        error.hidden = false;
        break;
      default:
        break;
    }
    if (finished && timer) clearTimeout(timer);
  }

  const socket = connect();
  socket.on("video.status", (payload) => {
    if (payload && String(payload.videoId) === String(videoId)) apply(payload);
  });
  join(`video:${videoId}`);

  async function poll() {
    if (finished) return;
    try {
      const data = await gql(VIDEO_STATUS, { id: videoId });
      if (data.video) apply(data.video);
    } catch { /* the socket may still deliver; try again */ }
    if (!finished) timer = setTimeout(poll, POLL_MS);
  }
  poll();
}
