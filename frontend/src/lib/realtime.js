// One shared Socket.IO connection per page. Browsers authenticate with the
// HttpOnly access cookie sent on the handshake; rooms are joined by asking the
// server, which authorizes each join.
import { io } from "socket.io-client";

let socket = null;

export function connect() {
  if (!socket) {
    socket = io({ path: "/socket.io", transports: ["websocket", "polling"], withCredentials: true });
  }
  return socket;
}

/** Join `room` now and after every reconnect (rooms are per connection). */
export function join(room) {
  return joinRoom(room, () => {});
}

/** Emit `event` and resolve with the server's ack (`{ok: false, error}` on a timeout). */
export function request(event, data, timeout = 5000) {
  const s = connect();
  return new Promise((resolve) =>
    s.timeout(timeout).emit(event, data, (err, ack) =>
      resolve(err || !ack ? { ok: false, error: { code: "timeout", message: "The server did not answer. Try again." } } : ack),
    ),
  );
}

/**
 * Join `room` now and again after every reconnect, handing each join's ack
 * (history, presence…) to `onJoin`: whatever was missed while disconnected
 * comes back with it. Returns a function that leaves the room.
 */
export function joinRoom(room, onJoin) {
  const s = connect();
  const run = async () => onJoin(await request("join", { room }));
  s.on("connect", run);
  if (s.connected) run();
  return () => {
    s.off("connect", run);
    if (s.connected) s.emit("leave", { room });
  };
}
