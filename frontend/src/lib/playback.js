// Tell the server what the player does, so it can measure watch time and count
// views: START when playback starts (again), HEARTBEAT every 10 s while playing,
// PAUSE, SEEK and END. The server keeps its own clock between events and never
// trusts the client's idea of time; these events only say when the clock runs.
// As the page goes away, a last PAUSE leaves with navigator.sendBeacon.
//
// Each event also says which quality rung is playing (its height); START says
// where the viewer came from (document.referrer and the URL's `src`). Events
// that cannot reach the server (offline) wait in localStorage, at most
// QUEUE_LIMIT of them, and are sent later with `at`, when they happened: on
// the `online` event, after the next event that gets through, and when a page
// with a player loads. The server places them in time, never beyond real time.
import { csrfToken, gql } from "./graphql.js";

export const HEARTBEAT_MS = 10_000;
export const QUEUE_KEY = "cs_playback_queue";
export const QUEUE_LIMIT = 200;

const RECORD = `mutation($id: ID!, $position: Float!, $event: PlaybackEvent!, $context: PlaybackContextInput) {
  recordPlayback(videoId: $id, position: $position, event: $event, context: $context) { countedView viewCount }
}`;

function readQueue() {
  try {
    const items = JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]");
    return Array.isArray(items) ? items : [];
  } catch {
    return [];
  }
}

function writeQueue(items) {
  try {
    if (items.length) localStorage.setItem(QUEUE_KEY, JSON.stringify(items.slice(-QUEUE_LIMIT)));
    else localStorage.removeItem(QUEUE_KEY);
  } catch { /* storage full or disabled: the events are lost, as before */ }
}

/** Keep an event for later; the oldest go first when the queue is full. */
export function enqueue(item) {
  const items = readQueue();
  items.push(item);
  writeQueue(items);
}

// Network failures and server trouble are worth a retry; a refusal (4xx) is not.
function retryable(err) {
  return err && err.name !== "AbortError" && (!err.status || err.status >= 500);
}

let flushing = null;

/** Send the queued events in order, stopping at the first that fails again. */
export function flushQueue(onResult) {
  if (flushing) return flushing;
  flushing = (async () => {
    let items = readQueue();
    while (items.length) {
      const item = items[0];
      try {
        const data = await gql(RECORD, item);
        if (onResult) onResult(item, data);
      } catch (err) {
        if (retryable(err)) break;
      }
      // Re-read: another event may have been queued meanwhile.
      items = readQueue().slice(1);
      writeQueue(items);
    }
  })().finally(() => { flushing = null; });
  return flushing;
}

/**
 * Follow a <video> element. `onView(viewCount)` is called when an event made a
 * view count; `rung()` returns the height of the quality level playing (or
 * null). Returns a function that stops tracking.
 */
export function trackPlayback(video, videoId, { onView, rung } = {}) {
  let started = false; // a START has been sent since the page loaded
  let playing = false; // the server's clock runs (after START or HEARTBEAT)
  let timer = 0;

  const position = () => (Number.isFinite(video.currentTime) ? video.currentTime : 0);
  const height = () => {
    const value = rung ? rung() : null;
    return Number.isInteger(value) && value > 0 ? value : null;
  };

  function context(event) {
    const ctx = { rung: height() };
    if (event === "START") {
      ctx.referrer = document.referrer || null;
      ctx.src = new URLSearchParams(window.location.search).get("src");
    }
    return ctx;
  }

  function result(item, data) {
    const answer = data && data.recordPlayback;
    if (answer && answer.countedView && onView && item.id === videoId) onView(answer.viewCount);
  }

  function send(event) {
    const item = { id: videoId, position: position(), event, context: context(event) };
    // Queued events must reach the server first, or they would land after this one.
    if (readQueue().length) {
      enqueue({ ...item, context: { ...item.context, at: new Date().toISOString() } });
      flushQueue(result);
      return;
    }
    const at = new Date().toISOString();
    gql(RECORD, item)
      .then((data) => {
        result(item, data);
        if (readQueue().length) flushQueue(result);
      })
      .catch((err) => {
        if (retryable(err)) enqueue({ ...item, context: { ...item.context, at } });
      });
  }

  function run() {
    playing = true;
    clearInterval(timer);
    timer = setInterval(() => {
      if (!video.paused && !video.seeking) send("HEARTBEAT");
    }, HEARTBEAT_MS);
  }

  function halt() {
    playing = false;
    clearInterval(timer);
    timer = 0;
  }

  function onPlaying() {
    if (playing) return;
    started = true;
    run();
    send("START");
  }

  function onPause() {
    if (!playing || video.ended) return; // `ended` sends END instead
    halt();
    send("PAUSE");
  }

  function onSeeking() {
    // The resume-from-last-position seek before the first play is not the viewer's.
    if (!started) return;
    const wasPlaying = playing;
    halt();
    send("SEEK");
    if (wasPlaying) video.addEventListener("seeked", resumeAfterSeek, { once: true });
  }

  function resumeAfterSeek() {
    // Browsers do not always fire "playing" after a seek inside the buffer.
    if (!video.paused && !playing) onPlaying();
  }

  function onEnded() {
    if (!started) return;
    halt();
    send("END");
  }

  function onPageHide() {
    if (!playing) return;
    halt();
    if (readQueue().length) {
      // Behind queued events: wait in the queue with them for the next page.
      enqueue({ id: videoId, position: position(), event: "PAUSE", context: { rung: height(), at: new Date().toISOString() } });
      return;
    }
    // A beacon cannot carry the X-CSRF-Token header: the token rides in the
    // body, and text/plain keeps it a simple (preflight-free) request.
    const body = JSON.stringify({ videoId, position: position(), event: "PAUSE", csrf: csrfToken(), rung: height() });
    const sent = navigator.sendBeacon && navigator.sendBeacon("/api/playback", new Blob([body], { type: "text/plain" }));
    if (!sent) send("PAUSE");
  }

  function onOnline() {
    flushQueue(result);
  }

  video.addEventListener("playing", onPlaying);
  video.addEventListener("pause", onPause);
  video.addEventListener("seeking", onSeeking);
  video.addEventListener("ended", onEnded);
  window.addEventListener("pagehide", onPageHide);
  window.addEventListener("online", onOnline);
  if (navigator.onLine !== false && readQueue().length) flushQueue(result);

  return () => {
    halt();
    video.removeEventListener("playing", onPlaying);
    video.removeEventListener("pause", onPause);
    video.removeEventListener("seeking", onSeeking);
    video.removeEventListener("ended", onEnded);
    window.removeEventListener("pagehide", onPageHide);
    window.removeEventListener("online", onOnline);
  };
}
