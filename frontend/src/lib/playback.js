// Tell the server what the player does, so it can measure watch time and count
// views: START when playback starts (again), HEARTBEAT every 10 s while playing,
// PAUSE, SEEK and END. The server keeps its own clock between events and never
// trusts the client's idea of time; these events only say when the clock runs.
// As the page goes away, a last PAUSE leaves with navigator.sendBeacon.
import { csrfToken, gql } from "./graphql.js";

export const HEARTBEAT_MS = 10_000;

const RECORD = `mutation($id: ID!, $position: Float!, $event: PlaybackEvent!) {
  recordPlayback(videoId: $id, position: $position, event: $event) { countedView viewCount }
}`;

/**
 * Follow a <video> element. `onView(viewCount)` is called when an event made a
 * view count. Returns a function that stops tracking.
 */
export function trackPlayback(video, videoId, { onView } = {}) {
  let started = false; // a START has been sent since the page loaded
  let playing = false; // the server's clock runs (after START or HEARTBEAT)
  let timer = 0;

  const position = () => (Number.isFinite(video.currentTime) ? video.currentTime : 0);

  function send(event) {
    gql(RECORD, { id: videoId, position: position(), event })
      .then((data) => {
        const result = data && data.recordPlayback;
        if (result && result.countedView && onView) onView(result.viewCount);
      })
      .catch(() => { /* best effort: the next event carries on */ });
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
    // A beacon cannot carry the X-CSRF-Token header: the token rides in the
    // body, and text/plain keeps it a simple (preflight-free) request.
    const body = JSON.stringify({ videoId, position: position(), event: "PAUSE", csrf: csrfToken() });
    const sent = navigator.sendBeacon && navigator.sendBeacon("/api/playback", new Blob([body], { type: "text/plain" }));
    if (!sent) send("PAUSE");
  }

  video.addEventListener("playing", onPlaying);
  video.addEventListener("pause", onPause);
  video.addEventListener("seeking", onSeeking);
  video.addEventListener("ended", onEnded);
  window.addEventListener("pagehide", onPageHide);

  return () => {
    halt();
    video.removeEventListener("playing", onPlaying);
    video.removeEventListener("pause", onPause);
    video.removeEventListener("seeking", onSeeking);
    video.removeEventListener("ended", onEnded);
    window.removeEventListener("pagehide", onPageHide);
  };
}
