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

export function join(room) {
  const s = connect();
  const ask = () =>
    new Promise((resolve) => s.timeout(5000).emit("join", { room }, (err, ack) => resolve(err ? { ok: false } : ack)));
  // Rooms are per connection: join again after every reconnect.
  s.on("connect", () => { ask(); });
  return s.connected ? ask() : Promise.resolve({ ok: true, pending: true });
}
