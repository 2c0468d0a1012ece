// The anchor of benchmarks/watch_party_fanout.py: the official Node.js Socket.IO
// server doing the watch-party fan-out of our realtime contract, and nothing else
// (no auth, no database, no member lists, no rate limit).
//
//   join {room}                                  -> ack {ok, room, state, serverTime}
//   watch.control {partyId, action, position, rate}
//        -> state {playing, position, rate, updatedAt, seq} updated in memory,
//           broadcast watch.state {partyId, state, by} to watch:<partyId> (sender included),
//           ack {ok, state}
//
//   node server.mjs [port]        (or PORT=...); prints "ready <port>" when listening.

import { createServer } from "node:http";
import { Server } from "socket.io";

const port = Number(process.argv[2] || process.env.PORT || 3000);
const host = process.env.HOST || "127.0.0.1";

const http = createServer();
// Same engine settings as ours where they matter (pings, payload cap); websocket only
// is the client's choice, polling stays available as in ours.
const io = new Server(http, {
  pingInterval: 20000,
  pingTimeout: 20000,
  maxHttpBufferSize: 64 * 1024,
  serveClient: false,
});

const parties = new Map(); // partyId -> state

function stateOf(partyId) {
  let state = parties.get(partyId);
  if (!state) {
    state = { playing: false, position: 0, rate: 1, updatedAt: Date.now(), seq: 0 };
    parties.set(partyId, state);
  }
  return state;
}

function livePosition(state, now) {
  return state.position + (state.playing ? ((now - state.updatedAt) / 1000) * state.rate : 0);
}

function fail(ack, code, message) {
  if (typeof ack === "function") ack({ ok: false, error: { code, message } });
}

io.on("connection", (socket) => {
  const userId = socket.id; // no accounts here: the socket stands for the user

  socket.on("join", (payload, ack) => {
    const room = payload && typeof payload.room === "string" ? payload.room : "";
    if (!room.startsWith("watch:") || room.length > 120) return fail(ack, "not_found", "No such room.");
    socket.join(room);
    const state = stateOf(room.slice("watch:".length));
    if (typeof ack === "function") ack({ ok: true, room, state, serverTime: Date.now() });
  });

  socket.on("leave", (payload, ack) => {
    const room = payload && typeof payload.room === "string" ? payload.room : "";
    socket.leave(room);
    if (typeof ack === "function") ack({ ok: true, room });
  });

  socket.on("watch.clock", (payload, ack) => {
    if (typeof ack === "function") ack({ ok: true, t: payload && payload.t, serverTime: Date.now() });
  });

  socket.on("watch.control", (payload, ack) => {
    const { partyId, action, position, rate } = payload || {};
    if (typeof partyId !== "string" || !["play", "pause", "seek", "rate"].includes(action)) {
      return fail(ack, "bad_payload", "Malformed payload.");
    }
    const state = stateOf(partyId);
    const now = Date.now();
    const pos = Number.isFinite(position) ? Math.max(0, position) : livePosition(state, now);
    if (action === "play") state.playing = true;
    else if (action === "pause") state.playing = false;
    else if (action === "rate" && Number.isFinite(rate)) state.rate = rate;
    state.position = pos;
    state.updatedAt = now;
    state.seq += 1;
    const snapshot = { ...state };
    io.to(`watch:${partyId}`).emit("watch.state", { partyId, state: snapshot, by: userId });
    if (typeof ack === "function") ack({ ok: true, state: snapshot });
  });
});

http.listen(port, host, () => {
  console.log(`ready ${http.address().port}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    io.close();
    process.exit(0);
  });
}
