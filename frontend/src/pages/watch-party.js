// Watch party: one video played in sync by everyone in the party.
//
// The server owns the playback state {playing, position, rate, updatedAt, seq}.
// Each client measures its clock offset to the server when it joins, derives
// the live position from the state, and keeps its <video> within 0.3 s of it by
// nudging the playback rate, seeking only when more than 1 s off. Whoever may
// control playback (the host, or everyone when allowed) sends their play,
// pause, seek and speed changes; everyone else's player follows. The player
// is the watch page's (lib/player.js): same controls, quality menu and previews.
import { initPlayer } from "../lib/player.js";
import { connect, request } from "../lib/realtime.js";
import { toast } from "../lib/toast.js";

const TICK_MS = 250;
const SEEK_BEYOND = 1.0;
const NUDGE_BEYOND = 0.3;

const root = document.querySelector("[data-party]");

/** Clock offset (server minus client, ms) from the sample with the shortest round trip. */
export async function measureOffset(samples = 5) {
  let best = null;
  for (let i = 0; i < samples; i++) {
    const t0 = Date.now();
    const ack = await request("watch.clock", { t: t0 });
    const t1 = Date.now();
    if (!ack.ok) continue;
    const rtt = t1 - t0;
    if (!best || rtt < best.rtt) best = { rtt, offset: ack.serverTime - (t0 + t1) / 2 };
  }
  return best ? best.offset : 0;
}

/** Where the party is now, in seconds, by the server's clock. */
export function livePosition(state, serverNow, duration) {
  let position = state.position;
  if (state.playing) position += Math.max(0, (serverNow - state.updatedAt) / 1000) * state.rate;
  return Number.isFinite(duration) && duration > 0 ? Math.min(position, duration) : position;
}

function setup() {
  const partyId = root.dataset.partyId;
  const userId = root.dataset.userId;
  const videoId = root.dataset.videoId;
  const statusLine = root.querySelector("[data-party-status]");
  const syncLine = root.querySelector("[data-party-sync]");
  const unmute = root.querySelector("[data-party-unmute]");
  const membersList = root.querySelector("[data-party-members]");
  const messages = root.querySelector("[data-chat-messages]");
  const chatForm = root.querySelector("[data-chat-form]");
  const chatInput = root.querySelector("[data-chat-input]");
  const hostTools = root.querySelector("[data-host-tools]");
  const everyoneBox = root.querySelector("[data-everyone-controls]");

  let state = JSON.parse(root.dataset.state);
  // No resume (the party decides the position) and no view tracking here.
  const player = initPlayer(root.querySelector("[data-player]"), {
    resume: false,
    track: false,
    nominalRate: () => state.rate,
  });
  const video = player.video;
  let party = {
    id: partyId,
    hostId: root.dataset.hostId,
    everyoneControls: root.dataset.everyoneControls === "true",
    endedAt: root.dataset.ended === "true" ? "ended" : null,
  };
  let members = [];
  let present = new Map(); // user id -> buffering
  let offset = 0;
  let joined = false;
  let removed = false;
  // Changes we make to the player ourselves, so their events are not taken as the user's.
  const expect = { play: 0, pause: 0, seek: 0 };
  let nudgedRate = null;
  let buffering = false;

  const socket = connect();
  const serverNow = () => Date.now() + offset;
  const canControl = () => party.everyoneControls || party.hostId === userId;
  const isHost = () => party.hostId === userId;

  // ---------------------------------------------------------------- player
  function play() {
    expect.play++;
    video.play().catch((err) => {
      expect.play = 0;
      // Only the autoplay rule is answered by muting; an interrupted play()
      // (a pause or seek came first) is retried by the next sync tick.
      if (!err || err.name !== "NotAllowedError") return;
      expect.play++;
      player.muteQuietly();
      video.play().catch(() => { expect.play = 0; });
    });
  }
  // The button offers what the player's state needs, whoever changed it.
  const reflectMuted = () => { unmute.hidden = !video.muted; };
  video.addEventListener("volumechange", reflectMuted);
  unmute.addEventListener("click", () => { video.muted = false; });
  reflectMuted();

  function seekTo(seconds) {
    expect.seek++;
    video.currentTime = seconds;
  }

  function sync() {
    if (!joined || party.endedAt || removed || video.readyState < 1) return;
    const target = livePosition(state, serverNow(), video.duration);
    if (state.playing && video.paused && !video.ended) play();
    if (!state.playing && !video.paused) {
      expect.pause++;
      video.pause();
    }
    const drift = target - video.currentTime;
    if (!state.playing) {
      if (Math.abs(drift) > 0.05 && !video.seeking) seekTo(target);
      setRate(state.rate);
    } else if (Math.abs(drift) > SEEK_BEYOND) {
      if (!video.seeking) seekTo(target);
      setRate(state.rate);
    } else if (Math.abs(drift) > NUDGE_BEYOND) {
      // Catch up (or fall back) by up to 10 % until within the band again.
      setRate(state.rate * (1 + Math.max(-0.1, Math.min(0.1, drift * 0.2))));
    } else {
      setRate(state.rate);
    }
    // The host is the reference: drift is shown to those who follow.
    if (isHost()) {
      syncLine.textContent = "";
      delete syncLine.dataset.drift;
    } else {
      syncLine.textContent = `${drift >= 0 ? "behind" : "ahead"} by ${Math.abs(drift).toFixed(2)} s`;
      syncLine.dataset.drift = drift.toFixed(3);
    }
  }

  function setRate(rate) {
    if (Math.abs(video.playbackRate - rate) < 0.001) return;
    nudgedRate = rate;
    video.playbackRate = rate;
  }

  // The viewer's own actions on the player.
  async function control(action, extra = {}) {
    if (!joined || party.endedAt) return;
    if (!canControl()) {
      toast("Only the host controls playback in this party.");
      sync();
      return;
    }
    const position = video.currentTime;
    // Optimistic: follow our own change at once; the server's state replaces it.
    state = {
      ...state,
      position,
      updatedAt: serverNow(),
      playing: action === "play" ? true : action === "pause" ? false : state.playing,
      rate: extra.rate ?? state.rate,
    };
    const ack = await request("watch.control", { partyId, action, position, ...extra });
    if (!ack.ok) toast(ack.error.message);
    else applyState(ack.state);
  }

  video.addEventListener("play", () => {
    if (expect.play > 0) { expect.play--; return; }
    control("play");
  });
  video.addEventListener("pause", () => {
    if (expect.pause > 0) { expect.pause--; return; }
    if (video.ended) return;
    control("pause");
  });
  video.addEventListener("seeked", () => {
    if (expect.seek > 0) { expect.seek--; return; }
    // A seek in a paused player (one that has played to its end included)
    // pauses the party there: the server's clock may not have reached the end
    // yet, but this viewer's player has stopped.
    control(video.paused ? "pause" : "seek");
  });
  video.addEventListener("ratechange", () => {
    if (nudgedRate !== null && Math.abs(video.playbackRate - nudgedRate) < 0.001) return;
    control("rate", { rate: video.playbackRate });
  });
  const reportBuffering = (value) => {
    if (value === buffering || !joined) return;
    buffering = value;
    socket.emit("watch.buffering", { partyId, buffering: value });
  };
  video.addEventListener("waiting", () => reportBuffering(true));
  video.addEventListener("playing", () => reportBuffering(false));
  video.addEventListener("canplay", () => reportBuffering(false));

  function applyState(next) {
    if (!next || next.seq < state.seq) return; // a late, older state
    state = next;
    sync();
  }

  // ----------------------------------------------------------------- people
  function renderMembers() {
    membersList.replaceChildren(
      ...members.map((m) => {
        const li = document.createElement("li");
        li.dataset.memberId = m.id;
        const here = present.has(m.id);
        li.classList.toggle("is-away", !here);
        const name = document.createElement("span");
        name.className = "member-name";
        name.textContent = m.name;
        li.append(name);
        if (m.id === party.hostId) li.append(" ", badge("host"));
        if (!here) li.append(" ", badge("away"));
        else if (present.get(m.id)) li.append(" ", badge("buffering", "data-buffering"));
        if (isHost() && m.id !== userId && !party.endedAt) {
          li.append(button("Make host", () => request("watch.transfer", { partyId, userId: m.id }).then(report)));
          li.append(button("Remove", () => request("watch.remove", { partyId, userId: m.id }).then(report)));
        }
        return li;
      }),
    );
    hostTools.hidden = !isHost();
    everyoneBox.checked = party.everyoneControls;
    if (party.endedAt) statusLine.textContent = "This party has ended.";
    else if (removed) statusLine.textContent = "The host removed you from this party.";
    else statusLine.textContent = isHost()
      ? "You are the host: you control playback."
      : canControl() ? "Everyone controls playback." : "The host controls playback.";
  }

  function badge(text, attr) {
    const b = document.createElement("span");
    b.className = "badge";
    b.textContent = text;
    if (attr) b.setAttribute(attr, "");
    return b;
  }

  function button(text, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "link-button member-action";
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function report(ack) {
    if (!ack.ok) toast(ack.error.message);
  }

  everyoneBox?.addEventListener("change", () =>
    request("watch.mode", { partyId, everyoneControls: everyoneBox.checked }).then(report),
  );

  // ------------------------------------------------------------------- chat
  function addMessage(m) {
    if (messages.querySelector(`[data-message-id="${m.id}"]`)) return;
    const li = document.createElement("li");
    li.className = "chat-message";
    li.dataset.messageId = m.id;
    const who = document.createElement("strong");
    who.className = "chat-author";
    who.textContent = m.author ? m.author.name : "Someone";
    const body = document.createElement("span");
    body.className = "chat-body";
    body.textContent = m.body;
    li.append(who, " ", body);
    if (m.author && (m.author.id === userId || isHost())) {
      li.append(button("Delete", () => request("watch.chat.delete", { messageId: m.id }).then(report)));
    }
    messages.append(li);
    messages.scrollTop = messages.scrollHeight;
  }

  chatForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = chatInput.value.trim();
    if (!body) return;
    const ack = await request("watch.chat.send", { partyId, body });
    if (!ack.ok) { toast(ack.error.message); return; }
    chatInput.value = "";
    addMessage(ack.message);
  });

  // ----------------------------------------------------------------- socket
  async function joinParty() {
    offset = await measureOffset();
    const ack = await request("join", { room: `watch:${partyId}` });
    if (!ack.ok) {
      statusLine.textContent = ack.error.message;
      joined = false;
      return;
    }
    party = ack.party;
    members = ack.members;
    present = new Map(ack.members.filter((m) => m.present).map((m) => [m.id, m.buffering]));
    messages.replaceChildren();
    ack.history.forEach(addMessage);
    // The join always carries the current state: a late joiner (or a client
    // back from a dropped connection) starts where the party is now.
    if (ack.state.seq >= state.seq) state = ack.state; // unless a newer state came first
    joined = true;
    renderMembers();
    sync();
  }

  socket.on("connect", joinParty);
  if (socket.connected) joinParty();
  socket.on("watch.state", (e) => { if (e.partyId === partyId) applyState(e.state); });
  socket.on("watch.party", (e) => {
    if (e.partyId !== partyId) return;
    party = e.party;
    members = e.members;
    renderMembers();
  });
  socket.on("watch.member", (e) => {
    if (e.partyId !== partyId) return;
    members = [...members.filter((m) => m.id !== e.member.id), e.member];
    renderMembers();
  });
  socket.on("watch.presence", (e) => {
    if (e.partyId !== partyId) return;
    for (const change of e.changes) {
      if (change.present) present.set(change.id, change.buffering);
      else present.delete(change.id);
    }
    renderMembers();
  });
  socket.on("watch.chat.message", (m) => { if (m.partyId === partyId) addMessage(m); });
  socket.on("watch.chat.deleted", (e) => {
    messages.querySelector(`[data-message-id="${e.id}"]`)?.remove();
  });
  socket.on("watch.removed", (e) => {
    if (e.partyId !== partyId) return;
    removed = true;
    joined = false;
    expect.pause++;
    video.pause();
    renderMembers();
  });
  socket.on("watch.ended", (e) => {
    if (e.partyId !== partyId) return;
    party = { ...party, endedAt: new Date().toISOString() };
    renderMembers();
  });

  root.querySelector("[data-leave-party]").addEventListener("click", async () => {
    await request("watch.leave", { partyId });
    window.location.href = `/video/${videoId}`;
  });
  const copy = root.querySelector("[data-invite-copy]");
  copy?.addEventListener("click", async () => {
    const link = root.querySelector("[data-invite-link]");
    try {
      await navigator.clipboard.writeText(link.value);
      toast("Invite link copied.");
    } catch {
      link.select();
    }
  });

  setInterval(sync, TICK_MS);
  video.addEventListener("loadedmetadata", sync);
}

if (root) setup();
