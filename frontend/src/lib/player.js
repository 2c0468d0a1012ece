// The video player shared by the watch page and the watch party: hls.js where
// Media Source Extensions exist (native HLS elsewhere), our own accessible
// controls, a quality menu, seek previews from the storyboard, keyboard
// shortcuts and, on the watch page, resume-from-last-position and playback
// tracking. It starts on a rung the link can carry and lets the ABR climb.
import Hls from "hls.js/dist/hls.light.mjs";
import { trackPlayback } from "./playback.js";

const RATES = [0.5, 0.75, 1, 1.25, 1.5, 2];
const SAVE_EVERY_MS = 5000;
const IDLE_MS = 2500;

export function formatTime(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

// ------------------------------------------------------------ storyboard

function parseTimestamp(text) {
  const parts = text.trim().split(":");
  let seconds = 0;
  for (const part of parts) seconds = seconds * 60 + parseFloat(part.replace(",", "."));
  return seconds;
}

/** Cues of a storyboard WebVTT: `{start, end, url, x, y, w, h}`, sorted by start. */
export function parseStoryboard(text, vttUrl) {
  const base = new URL(vttUrl, window.location.href);
  const cues = [];
  for (const block of text.replace(/\r\n?/g, "\n").split(/\n{2,}/)) {
    const lines = block.split("\n").map((l) => l.trim()).filter(Boolean);
    const timing = lines.findIndex((l) => l.includes("-->"));
    if (timing < 0 || !lines[timing + 1]) continue;
    const [from, rest] = lines[timing].split("-->");
    const to = rest.trim().split(/\s+/)[0];
    const payload = lines[timing + 1];
    const hash = payload.indexOf("#xywh=");
    const path = hash >= 0 ? payload.slice(0, hash) : payload;
    const [x, y, w, h] = hash >= 0 ? payload.slice(hash + 6).split(",").map(Number) : [0, 0, 0, 0];
    const url = new URL(path, base);
    // Signed media: the sprite needs the same signature query as the VTT.
    if (base.search && !url.search) url.search = base.search;
    cues.push({ start: parseTimestamp(from), end: parseTimestamp(to), url: url.href, x, y, w, h });
  }
  return cues.sort((a, b) => a.start - b.start);
}

function cueAt(cues, time) {
  let lo = 0;
  let hi = cues.length - 1;
  let found = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cues[mid].start <= time) {
      found = cues[mid];
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

// ------------------------------------------------------------ storage

function store(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch { /* storage full or disabled */ }
}

function load(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}

// ------------------------------------------------------------ start-up rung

const ESTIMATE_KEY = "cs:bandwidth";
const ESTIMATE_TTL_MS = 6 * 3600 * 1000;
// With nothing known, assume a poor link: the lowest rung starts in well under
// a second on 3 Mb/s, and the ABR moves up after the first fragment.
const UNKNOWN_ESTIMATE = 400_000;
const START_MARGIN = 0.7;

/** Bits per second: this browser's last measured estimate (if recent), else a poor link. */
export function startEstimate() {
  try {
    const saved = JSON.parse(load(ESTIMATE_KEY) || "null");
    if (saved && Date.now() - saved.at < ESTIMATE_TTL_MS && saved.bps > 0) return saved.bps;
  } catch { /* ignore a damaged value */ }
  return UNKNOWN_ESTIMATE;
}

/** Index of the best level whose peak fits the estimate with a margin; 0 (the lowest) if none. */
export function startLevelFor(levels, estimate) {
  let best = 0;
  let bestRate = -1;
  levels.forEach((level, index) => {
    if (level.bitrate <= estimate * START_MARGIN && level.bitrate > bestRate) {
      best = index;
      bestRate = level.bitrate;
    }
  });
  if (bestRate < 0) {
    levels.forEach((level, index) => { if (level.bitrate < levels[best].bitrate) best = index; });
  }
  return best;
}

let lastSaved = 0;
function rememberEstimate(_event, data) {
  const hls = window.__player && window.__player.hls;
  if (!hls || !data || !data.frag || data.frag.type !== "main") return;
  const now = Date.now();
  if (now - lastSaved < 5000) return;
  lastSaved = now;
  const bps = Math.round(hls.bandwidthEstimate);
  if (Number.isFinite(bps) && bps > 0) store(ESTIMATE_KEY, JSON.stringify({ bps, at: now }));
}

// ------------------------------------------------------------ player

/**
 * Take over a `[data-player]` element (markup: templates/video/_player.html).
 * `resume` seeks to where this viewer stopped; `track` reports playback for
 * views and history, calling `onView(count)` when a view was counted;
 * `nominalRate()` is the speed to show when the real one is nudged (a party
 * catching up).
 * Returns `{video, hls(), muteQuietly()}`.
 */
export function initPlayer(root, { resume: resumes = true, track = true, onView, nominalRate } = {}) {
  const video = root.querySelector("[data-player-video]");
  const src = root.dataset.src;
  const videoId = root.dataset.videoId;
  const serverDuration = parseFloat(root.dataset.duration) || 0;
  const $ = (sel) => root.querySelector(sel);

  const controls = $("[data-player-controls]");
  const playBtn = $("[data-player-play]");
  const bigPlay = $("[data-player-bigplay]");
  const muteBtn = $("[data-player-mute]");
  const volume = $("[data-player-volume]");
  const seek = $("[data-seek-range]");
  const seekBox = $("[data-player-seek]");
  const buffered = $("[data-seek-buffered]");
  const played = $("[data-seek-played]");
  const preview = $("[data-seek-preview]");
  const previewThumb = $("[data-seek-thumb]");
  const previewTime = $("[data-seek-time]");
  const currentEl = $("[data-player-current]");
  const durationEl = $("[data-player-duration]");
  const fsBtn = $("[data-player-fullscreen]");
  const errorBox = $("[data-player-error]");
  const spinner = $("[data-player-spinner]");
  const resumeBox = $("[data-player-resume]");

  // Take over from the browser's own controls (the no-JS fallback).
  video.removeAttribute("controls");
  for (const s of video.querySelectorAll("source")) s.remove();
  controls.hidden = false;
  bigPlay.hidden = false;
  root.classList.add("is-enhanced", "is-paused");

  let hls = null;
  let dragging = false;
  let hasPlayed = false;
  let resumeChecked = false;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    spinner.hidden = true;
    bigPlay.hidden = true;
    root.classList.add("has-error");
  }

  // --- source (none for an ended watch party: it hands out no media link)
  if (!src) {
    // nothing to load
  } else if (Hls.isSupported()) {
    const estimate = startEstimate();
    hls = new Hls({
      startPosition: 0, // an EVENT playlist (still processing) plays from the start…
      liveDurationInfinity: false, // …and keeps a finite, growing duration
      capLevelToPlayerSize: true,
      backBufferLength: 90,
      // Start from what we know of the link, never from the manifest's first
      // (720p) entry: no test download first, which hls.js would throw away.
      abrEwmaDefaultEstimate: estimate,
      testBandwidth: false,
    });
    // Before the first fragment loads: the best rung the estimate carries with
    // a margin, else the lowest; the ABR climbs from there as it measures.
    hls.on(Hls.Events.MANIFEST_PARSED, () => { hls.startLevel = startLevelFor(hls.levels, estimate); });
    hls.on(Hls.Events.FRAG_LOADED, rememberEstimate);
    let networkRetries = 0;
    let mediaRecoveries = 0;
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR && networkRetries < 5) {
        networkRetries += 1;
        const manifest = data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR ||
          data.details === Hls.ErrorDetails.MANIFEST_LOAD_TIMEOUT;
        // Without a manifest there is nothing to resume: load it again.
        setTimeout(() => hls && (manifest ? hls.loadSource(src) : hls.startLoad()), 500 * networkRetries);
        return;
      }
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 3) {
        mediaRecoveries += 1;
        if (mediaRecoveries === 2) hls.swapAudioCodec();
        hls.recoverMediaError();
        return;
      }
      showError(
        data.type === Hls.ErrorTypes.NETWORK_ERROR
          ? "The video could not be loaded. Check your connection and reload the page."
          : "This video can't be played right now.",
      );
      hls.destroy();
      hls = null;
      window.__player.hls = null;
    });
    hls.on(Hls.Events.FRAG_LOADED, () => { networkRetries = 0; });
    hls.on(Hls.Events.MANIFEST_PARSED, () => setupQuality());
    hls.on(Hls.Events.LEVEL_SWITCHED, () => refreshQuality());
    hls.loadSource(src);
    hls.attachMedia(video);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = src;
  } else {
    showError("Your browser can't play this video. Try a recent version of Firefox, Chrome, Edge or Safari.");
  }
  window.__player = { hls, video };

  video.addEventListener("error", () => {
    if (hls) return; // hls.js reports its own errors
    const code = video.error ? video.error.code : 0;
    showError(code === 2 ? "The video could not be loaded. Check your connection and reload the page." : "This video can't be played right now.");
  });

  // --- duration and time
  function duration() {
    const d = video.duration;
    if (Number.isFinite(d) && d > 0) return d;
    return serverDuration;
  }

  function updateTime() {
    const d = duration();
    const t = video.currentTime;
    currentEl.textContent = formatTime(t);
    durationEl.textContent = formatTime(d);
    if (!dragging) {
      seek.max = String(d || 0);
      seek.value = String(t);
    }
    const shown = dragging ? Number(seek.value) : t;
    seek.setAttribute("aria-valuetext", `${formatTime(shown)} of ${formatTime(d)}`);
    played.style.width = d ? `${Math.min(100, (shown / d) * 100)}%` : "0";
  }

  function updateBuffered() {
    const d = duration();
    if (!d) return;
    const ranges = video.buffered;
    const t = video.currentTime;
    let end = 0;
    for (let i = 0; i < ranges.length; i++) {
      if (ranges.start(i) <= t + 0.5 && ranges.end(i) >= t) end = ranges.end(i);
    }
    buffered.style.width = `${Math.min(100, (end / d) * 100)}%`;
  }

  video.addEventListener("timeupdate", () => { updateTime(); updateBuffered(); });
  video.addEventListener("durationchange", updateTime);
  video.addEventListener("progress", updateBuffered);
  video.addEventListener("loadedmetadata", () => { updateTime(); if (resumes) resume(); });

  // --- play / pause
  function togglePlay() {
    if (video.paused || video.ended) {
      const p = video.play();
      if (p && p.catch) p.catch(() => { /* blocked autoplay: the user clicks again */ });
    } else {
      video.pause();
    }
  }

  function reflectPlaying() {
    const playing = !video.paused && !video.ended;
    root.classList.toggle("is-playing", playing);
    root.classList.toggle("is-paused", !playing);
    playBtn.setAttribute("aria-label", playing ? "Pause (k)" : "Play (k)");
    if (playing) {
      hasPlayed = true;
      bigPlay.hidden = true;
      errorBox.hidden = true;
    }
    scheduleIdle();
  }

  playBtn.addEventListener("click", togglePlay);
  bigPlay.addEventListener("click", () => { togglePlay(); playBtn.focus({ preventScroll: true }); });
  video.addEventListener("click", () => {
    if (closeMenus()) return;
    root.focus({ preventScroll: true });
    togglePlay();
  });
  video.addEventListener("dblclick", toggleFullscreen);
  video.addEventListener("play", reflectPlaying);
  video.addEventListener("pause", () => { reflectPlaying(); savePosition(); });
  video.addEventListener("ended", () => { reflectPlaying(); store(posKey, null); });
  video.addEventListener("waiting", () => { spinner.hidden = false; });
  video.addEventListener("seeking", () => { spinner.hidden = false; });
  for (const ev of ["playing", "seeked", "canplay", "pause"]) {
    video.addEventListener(ev, () => { spinner.hidden = true; });
  }

  // --- seeking
  let seekFrame = 0;
  seek.addEventListener("input", () => {
    dragging = true;
    updateTime();
    if (!seekFrame) {
      seekFrame = requestAnimationFrame(() => {
        seekFrame = 0;
        video.currentTime = Number(seek.value);
      });
    }
  });
  seek.addEventListener("change", () => {
    dragging = false;
    video.currentTime = Number(seek.value);
  });
  seek.addEventListener("pointerup", () => { dragging = false; });

  function seekTo(t) {
    const d = duration();
    video.currentTime = Math.max(0, d ? Math.min(t, d - 0.1) : t);
    updateTime();
  }
  const seekBy = (delta) => seekTo(video.currentTime + delta);

  // --- volume
  const savedVolume = parseFloat(load("cs:volume"));
  if (Number.isFinite(savedVolume) && savedVolume >= 0 && savedVolume <= 1) video.volume = savedVolume;
  if (load("cs:muted") === "1") video.muted = true;

  let quietlyMuted = false;
  function reflectVolume() {
    const muted = video.muted || video.volume === 0;
    root.classList.toggle("is-muted", muted);
    muteBtn.setAttribute("aria-label", muted ? "Unmute (m)" : "Mute (m)");
    volume.value = String(muted ? 0 : video.volume);
    volume.setAttribute("aria-valuetext", `${Math.round((muted ? 0 : video.volume) * 100)}%`);
    if (!video.muted) quietlyMuted = false;
    if (quietlyMuted) return; // the browser's autoplay rule, not the viewer's choice
    store("cs:volume", String(video.volume));
    store("cs:muted", video.muted ? "1" : "0");
  }
  volume.addEventListener("input", () => {
    const v = Number(volume.value);
    video.volume = v;
    video.muted = v === 0;
  });
  muteBtn.addEventListener("click", toggleMute);
  video.addEventListener("volumechange", reflectVolume);
  reflectVolume();

  function toggleMute() {
    if (video.muted || video.volume === 0) {
      video.muted = false;
      if (video.volume === 0) video.volume = 0.5;
    } else {
      video.muted = true;
    }
  }

  function volumeBy(delta) {
    const v = Math.max(0, Math.min(1, Math.round(((video.muted ? 0 : video.volume) + delta) * 100) / 100));
    video.volume = v;
    video.muted = v === 0;
  }

  // --- menus (speed, quality)
  const menus = [];

  function setupMenu(menu, onSelect) {
    const button = menu.querySelector("[data-menu-button]");
    const list = menu.querySelector('[role="menu"]');
    const items = () => [...list.querySelectorAll('[role="menuitemradio"]')];
    const api = {
      menu,
      isOpen: () => !list.hidden,
      open(focus = "checked") {
        closeMenus(api);
        list.hidden = false;
        button.setAttribute("aria-expanded", "true");
        root.classList.add("has-open-menu");
        const all = items();
        let index = all.findIndex((i) => i.getAttribute("aria-checked") === "true");
        if (focus === "first" || index < 0) index = 0;
        if (focus === "last") index = all.length - 1;
        if (all[index]) all[index].focus();
      },
      close(returnFocus = false) {
        if (list.hidden) return;
        list.hidden = true;
        button.setAttribute("aria-expanded", "false");
        if (!menus.some((m) => m.isOpen())) root.classList.remove("has-open-menu");
        if (returnFocus) button.focus();
      },
    };
    button.addEventListener("click", () => (api.isOpen() ? api.close() : api.open()));
    button.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        api.open(e.key === "ArrowUp" ? "last" : "checked");
      }
    });
    list.addEventListener("keydown", (e) => {
      const all = items();
      const i = all.indexOf(document.activeElement);
      let next = null;
      if (e.key === "ArrowDown") next = all[(i + 1) % all.length];
      else if (e.key === "ArrowUp") next = all[(i - 1 + all.length) % all.length];
      else if (e.key === "Home") next = all[0];
      else if (e.key === "End") next = all[all.length - 1];
      else if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); api.close(true); return; }
      else if (e.key === "Tab") { api.close(); return; }
      if (next) { e.preventDefault(); next.focus(); }
    });
    list.addEventListener("click", (e) => {
      const item = e.target.closest('[role="menuitemradio"]');
      if (!item) return;
      onSelect(item);
      api.close(true);
    });
    menus.push(api);
    return api;
  }

  function closeMenus(except) {
    let closed = false;
    for (const m of menus) {
      if (m !== except && m.isOpen()) { m.close(); closed = true; }
    }
    return closed;
  }

  document.addEventListener("click", (e) => {
    for (const m of menus) if (m.isOpen() && !m.menu.contains(e.target)) m.close();
  });

  // speed
  const speedMenu = root.querySelector('[data-menu="speed"]');
  setupMenu(speedMenu, (item) => { video.playbackRate = Number(item.dataset.rate); });
  function reflectRate() {
    const rate = nominalRate ? nominalRate() : video.playbackRate;
    for (const item of speedMenu.querySelectorAll("[data-rate]")) {
      item.setAttribute("aria-checked", String(Number(item.dataset.rate) === rate));
    }
    speedMenu.querySelector("[data-menu-label]").textContent = `${rate}×`;
    speedMenu.querySelector("[data-menu-button]").setAttribute("aria-label", `Playback speed: ${rate}×`);
  }
  video.addEventListener("ratechange", reflectRate);
  function rateStep(dir) {
    const i = RATES.indexOf(video.playbackRate);
    const at = i >= 0 ? i : RATES.indexOf(1);
    const next = RATES[Math.max(0, Math.min(RATES.length - 1, at + dir))];
    video.playbackRate = next;
    flash(`${next}×`);
  }

  // quality
  const qualityMenu = root.querySelector('[data-menu="quality"]');
  const qualityList = qualityMenu.querySelector('[role="menu"]');
  let qualityItems = []; // {index, height, el}
  setupMenu(qualityMenu, (item) => {
    if (!hls) return;
    hls.currentLevel = Number(item.dataset.level); // -1 = automatic
    refreshQuality();
  });

  function setupQuality() {
    if (!hls) return;
    const byHeight = new Map();
    hls.levels.forEach((level, index) => {
      if (!level.height) return;
      const known = byHeight.get(level.height);
      if (!known || level.bitrate > known.bitrate) byHeight.set(level.height, { index, height: level.height, bitrate: level.bitrate });
    });
    const levels = [...byHeight.values()].sort((a, b) => b.height - a.height);
    qualityList.replaceChildren();
    const make = (level, text) => {
      const li = document.createElement("li");
      li.setAttribute("role", "none");
      const b = document.createElement("button");
      b.type = "button";
      b.setAttribute("role", "menuitemradio");
      b.setAttribute("tabindex", "-1");
      b.dataset.level = String(level);
      b.textContent = text;
      li.append(b);
      qualityList.append(li);
      return b;
    };
    const autoEl = make(-1, "Auto");
    qualityItems = [{ index: -1, height: 0, el: autoEl }];
    for (const l of levels) qualityItems.push({ ...l, el: make(l.index, `${l.height}p`) });
    qualityMenu.hidden = levels.length < 1;
    refreshQuality();
  }

  function refreshQuality() {
    if (!hls || !qualityItems.length) return;
    const auto = hls.autoLevelEnabled;
    const current = auto ? (hls.currentLevel >= 0 ? hls.currentLevel : hls.loadLevel) : hls.manualLevel;
    const level = hls.levels[current];
    const height = level && level.height ? `${level.height}p` : "";
    const autoText = height ? `Auto (${height})` : "Auto";
    qualityItems[0].el.textContent = auto ? autoText : "Auto";
    for (const q of qualityItems) {
      const checked = q.index === -1 ? auto : !auto && q.index === hls.manualLevel;
      q.el.setAttribute("aria-checked", String(checked));
    }
    const label = auto ? autoText : height || "Auto";
    qualityMenu.querySelector("[data-menu-label]").textContent = label;
    qualityMenu.querySelector("[data-menu-button]").setAttribute("aria-label", `Quality: ${label}`);
  }

  // --- fullscreen
  function isFullscreen() {
    return document.fullscreenElement === root || document.webkitFullscreenElement === root;
  }
  function toggleFullscreen() {
    if (isFullscreen()) {
      (document.exitFullscreen || document.webkitExitFullscreen).call(document);
    } else if (root.requestFullscreen) {
      root.requestFullscreen().catch(() => {});
    } else if (root.webkitRequestFullscreen) {
      root.webkitRequestFullscreen();
    } else if (video.webkitEnterFullscreen) {
      video.webkitEnterFullscreen(); // iPhone
    }
  }
  function reflectFullscreen() {
    const fs = isFullscreen();
    root.classList.toggle("is-fullscreen", fs);
    fsBtn.setAttribute("aria-label", fs ? "Exit full screen (f)" : "Full screen (f)");
  }
  fsBtn.addEventListener("click", toggleFullscreen);
  document.addEventListener("fullscreenchange", reflectFullscreen);
  document.addEventListener("webkitfullscreenchange", reflectFullscreen);
  if (!(document.fullscreenEnabled || document.webkitFullscreenEnabled || video.webkitSupportsFullscreen)) {
    fsBtn.hidden = true;
  }

  // --- controls visibility
  let idleTimer = 0;
  function showControls() {
    root.classList.remove("is-idle");
    scheduleIdle();
  }
  function scheduleIdle() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      const busy = video.paused || root.classList.contains("has-open-menu") ||
        controls.contains(document.activeElement) || dragging;
      if (!busy) root.classList.add("is-idle");
    }, IDLE_MS);
  }
  root.addEventListener("pointermove", showControls);
  root.addEventListener("pointerleave", () => {
    if (!video.paused && !root.classList.contains("has-open-menu")) root.classList.add("is-idle");
  });
  root.addEventListener("focusin", showControls);

  // A short centred hint for keyboard actions ("+10 s", "1.5×").
  let flashEl = null;
  let flashTimer = 0;
  function flash(text) {
    if (!flashEl) {
      flashEl = document.createElement("div");
      flashEl.className = "player-flash";
      flashEl.setAttribute("aria-hidden", "true");
      root.append(flashEl);
    }
    flashEl.textContent = text;
    flashEl.classList.add("is-visible");
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => flashEl.classList.remove("is-visible"), 700);
  }

  // --- keyboard shortcuts: while the player or the page itself has focus
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    const inPlayer = root.contains(t);
    const onPage = t === document.body || t === document.documentElement || (t && t.id === "main");
    if (!inPlayer && !onPage) return;
    if (t.closest && t.closest('[role="menu"]')) return;
    const tag = t.tagName;
    const isButton = tag === "BUTTON";
    const isVolume = t === volume;
    let handled = true;
    switch (e.key) {
      case " ":
      case "Spacebar":
        if (isButton) return; // the button itself is being pressed
        togglePlay();
        break;
      case "k": case "K": togglePlay(); break;
      case "j": case "J": seekBy(-10); flash("−10 s"); break;
      case "l": case "L": seekBy(10); flash("+10 s"); break;
      case "ArrowLeft":
        if (isVolume) return;
        seekBy(-5); flash("−5 s");
        break;
      case "ArrowRight":
        if (isVolume) return;
        seekBy(5); flash("+5 s");
        break;
      case "ArrowUp":
        if (isVolume) return;
        volumeBy(0.05); flash(`${Math.round(video.volume * 100)}%`);
        break;
      case "ArrowDown":
        if (isVolume) return;
        volumeBy(-0.05); flash(`${Math.round((video.muted ? 0 : video.volume) * 100)}%`);
        break;
      case "m": case "M": toggleMute(); break;
      case "f": case "F": toggleFullscreen(); break;
      case "<": rateStep(-1); break;
      case ">": rateStep(1); break;
      default:
        if (/^[0-9]$/.test(e.key)) {
          const d = duration();
          if (d) seekTo((d * Number(e.key)) / 10);
        } else {
          handled = false;
        }
    }
    if (handled) {
      e.preventDefault();
      showControls();
    }
  });

  // --- seek previews
  let cues = [];
  const storyboardUrl = root.dataset.storyboard;
  if (storyboardUrl) {
    fetch(storyboardUrl, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : ""))
      .then((text) => {
        if (!text) return;
        cues = parseStoryboard(text, storyboardUrl);
        const first = cues[0];
        if (first) new Image().src = first.url; // warm the sprite cache
      })
      .catch(() => { cues = []; });
  }

  function showPreview(clientX) {
    const d = duration();
    if (!d) return;
    const rect = seek.getBoundingClientRect();
    const frac = Math.max(0, Math.min(1, (clientX - rect.left) / rect.width));
    const time = frac * d;
    const cue = cues.length ? cueAt(cues, time) : null;
    if (cue && cue.w && cue.h) {
      previewThumb.hidden = false;
      previewThumb.style.width = `${cue.w}px`;
      previewThumb.style.height = `${cue.h}px`;
      previewThumb.style.backgroundImage = `url("${cue.url.replace(/"/g, "%22")}")`;
      previewThumb.style.backgroundPosition = `-${cue.x}px -${cue.y}px`;
    } else {
      previewThumb.hidden = true;
    }
    previewTime.textContent = formatTime(time);
    preview.hidden = false;
    const half = preview.offsetWidth / 2;
    const boxRect = seekBox.getBoundingClientRect();
    const x = clientX - boxRect.left;
    preview.style.left = `${Math.max(half, Math.min(boxRect.width - half, x))}px`;
  }
  seekBox.addEventListener("pointermove", (e) => {
    if (e.pointerType === "touch" && !dragging) return;
    showPreview(e.clientX);
  });
  seekBox.addEventListener("pointerleave", () => { preview.hidden = true; });
  seek.addEventListener("blur", () => { preview.hidden = true; });

  // --- resume from the last position
  const posKey = `cs:pos:${videoId}`;
  // A shared link's ?t= wins; then where the server says a signed-in viewer
  // stopped; then this browser's own memory.
  const explicitStart = parseFloat(root.dataset.start);
  const serverPosition = parseFloat(root.dataset.resume);

  function savedPosition() {
    const raw = load(posKey);
    if (!raw) return 0;
    let n = parseFloat(raw);
    if (!Number.isFinite(n)) {
      try { n = Number(JSON.parse(raw).t); } catch { n = 0; }
    }
    return Number.isFinite(n) ? n : 0;
  }

  function savePosition() {
    if (!resumeChecked || !hasPlayed) return;
    const t = video.currentTime;
    const d = duration();
    if (t <= 5 || (d && t >= d - 10)) store(posKey, null);
    else store(posKey, String(Math.round(t * 10) / 10));
  }

  function resume() {
    if (resumeChecked) return;
    resumeChecked = true;
    if (Number.isFinite(explicitStart) && explicitStart >= 0) {
      seekTo(explicitStart);
      return;
    }
    const saved = Number.isFinite(serverPosition) && serverPosition > 0 ? serverPosition : savedPosition();
    const d = duration();
    if (!(saved > 5 && d && saved < d - 10)) return;
    video.currentTime = saved;
    updateTime();
    resumeBox.querySelector("[data-player-resume-text]").textContent = `Resumed at ${formatTime(saved)}`;
    resumeBox.hidden = false;
    const hide = () => { resumeBox.hidden = true; };
    const timer = setTimeout(hide, 10000);
    resumeBox.querySelector("[data-player-restart]").addEventListener("click", () => {
      clearTimeout(timer);
      video.currentTime = 0;
      store(posKey, null);
      updateTime();
      hide();
      playBtn.focus({ preventScroll: true });
    }, { once: true });
    resumeBox.querySelector("[data-player-resume-close]").addEventListener("click", () => {
      clearTimeout(timer);
      hide();
    }, { once: true });
  }

  setInterval(() => {
    if (!video.paused && !video.seeking) savePosition();
  }, SAVE_EVERY_MS);
  window.addEventListener("pagehide", savePosition);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") savePosition();
  });

  // The quality rung playing, for the creator's "quality levels played": the
  // hls.js level being shown, or the decoded height where the browser plays HLS.
  function rung() {
    const level = hls && hls.currentLevel >= 0 ? hls.levels[hls.currentLevel] : null;
    if (level && level.height) return level.height;
    return video.videoHeight || null;
  }

  if (track) trackPlayback(video, videoId, { onView, rung });

  reflectRate();
  updateTime();
  return {
    video,
    hls: () => hls,
    /** Mute without remembering it as the viewer's choice (autoplay fallback). */
    muteQuietly() {
      quietlyMuted = true;
      video.muted = true;
    },
  };
}
