// Load driver of benchmarks/watch_party_fanout.py: N socket.io-client clients in one
// watch party; client 0 (the host) seeks once per round and every client timestamps
// the matching `watch.state`. The same driver runs against both servers.
//
//   node clients.mjs --url http://127.0.0.1:PORT --party ID [--tokens tokens.json]
//        [--clients 1000] [--rounds 30] [--warmup 3] [--interval 200] [--batch 50]
//        [--workers 1] [--timeout 10000] [--join-timeout 120000] [--quiet 1000]
//        [--settle 0] [--hold 0] [--out result.json]
//
// tokens.json: a JSON array of access tokens, one per client (client 0 = the host);
// without it every client connects with an empty token (the Node anchor has no auth).
// Clients connect `batch` at a time (websocket transport only, one connection each)
// and join `watch:<party>`; a connection or join ack may take `join-timeout` ms
// (`timeout` is for the host's control acks and for each round). The driver then
// waits at least `settle` ms, and until no event has arrived for `quiet` ms:
// join-time broadcasts (presence lists) must not land in a measured round. It logs
// "quiet after" then, and waits `hold` ms more (for a profiler to attach).
// Round r (warm-up rounds first, not counted) sends `watch.control {action: "seek",
// position: r * 7.5}`; a client's delivery is the first `watch.state` whose
// state.position is that value. Latency = receipt - send, both from
// performance.timeOrigin + performance.now() (one clock across worker threads).
// The next round starts `interval` ms after the previous send, or once the previous
// round is complete (every client served, or `timeout`), whichever is later.
//
// With --workers W > 1 the clients are split over W worker threads (the host is in
// the first); with 1 they all share one thread. Progress goes to stderr, the JSON
// result to stdout (or --out).

import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { io } from "socket.io-client";

const STEP = 7.5;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function parseArgs(argv) {
  const opts = {
    url: "", party: "", tokens: "", clients: 0, rounds: 30, warmup: 3, interval: 200,
    batch: 50, workers: 1, timeout: 10000, joinTimeout: 120000, quiet: 1000, settle: 0, hold: 0, out: "",
  };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, "").replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in opts)) throw new Error(`unknown option ${argv[i]}`);
    const value = argv[++i];
    opts[key] = typeof opts[key] === "number" ? Number(value) : value;
  }
  if (!opts.url || !opts.party) throw new Error("--url and --party are required");
  return opts;
}

function percentile(values, p) {
  if (!values.length) return NaN;
  const s = Float64Array.from(values).sort();
  const k = (s.length - 1) * p;
  const lo = Math.floor(k);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (k - lo);
}

const round3 = (x) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);

// ---------------------------------------------------------------------------
// Worker: owns a slice of the clients.

async function runWorker({ url, party, tokens, first, batch, totalRounds, timeout, joinTimeout }) {
  const n = tokens.length;
  const room = `watch:${party}`;
  const sockets = new Array(n);
  const times = Array.from({ length: totalRounds + 1 }, () => new Float64Array(n).fill(NaN));
  const counts = new Int32Array(totalRounds + 1);
  const waiters = new Map(); // round -> resolve
  let lastEventAt = now();
  let otherEvents = 0;
  let unmatchedStates = 0;
  const errors = [];

  function onState(i, payload) {
    const t = now();
    lastEventAt = t;
    const position = payload && payload.state && payload.state.position;
    const r = Math.round(position / STEP);
    if (!(r >= 1 && r <= totalRounds) || Math.abs(position - r * STEP) > 1e-6) {
      unmatchedStates++;
      return;
    }
    if (!Number.isNaN(times[r][i])) return;
    times[r][i] = t;
    if (++counts[r] === n) {
      const done = waiters.get(r);
      if (done) done();
    }
  }

  function connectOne(i) {
    return new Promise((resolve) => {
      const socket = io(url, {
        transports: ["websocket"],
        forceNew: true,
        reconnection: false,
        timeout: joinTimeout,
        auth: tokens[i] ? { token: tokens[i] } : {},
      });
      sockets[i] = socket;
      socket.on("watch.state", (payload) => onState(i, payload));
      socket.onAny((event) => {
        lastEventAt = now();
        if (event !== "watch.state") otherEvents++;
      });
      socket.once("connect_error", (err) => {
        errors.push(`client ${first + i}: connect_error ${err.message}`);
        resolve(false);
      });
      socket.once("connect", async () => {
        try {
          const ack = await socket.timeout(joinTimeout).emitWithAck("join", { room });
          if (!ack || ack.ok !== true) {
            errors.push(`client ${first + i}: join refused ${JSON.stringify(ack && ack.error)}`);
            resolve(false);
          } else resolve(true);
        } catch (err) {
          errors.push(`client ${first + i}: join ${err.message}`);
          resolve(false);
        }
      });
    });
  }

  const started = now();
  let joined = 0;
  for (let s = 0; s < n; s += batch) {
    const results = await Promise.all(
      Array.from({ length: Math.min(batch, n - s) }, (_, k) => connectOne(s + k)),
    );
    joined += results.filter(Boolean).length;
    if (first === 0 && Math.floor((s + batch) / 100) > Math.floor(s / 100)) {
      parentPort.postMessage({ type: "progress", joined, seconds: (now() - started) / 1000 });
    }
  }
  parentPort.postMessage({
    type: "ready", joined, errors: errors.slice(0, 20), errorCount: errors.length,
    connectMs: now() - started,
  });

  parentPort.on("message", async (msg) => {
    if (msg.type === "stats") {
      parentPort.postMessage({ type: "stats", lastEventAt, otherEvents, unmatchedStates });
    } else if (msg.type === "round") {
      const { r } = msg;
      const complete = counts[r] === n
        ? Promise.resolve()
        : new Promise((resolve) => waiters.set(r, resolve));
      let sendAt = null;
      let ackMs = null;
      let ackError = null;
      if (first === 0) {
        // The host: one seek per round.
        sendAt = now();
        try {
          const ack = await sockets[0].timeout(timeout).emitWithAck("watch.control", {
            partyId: party, action: "seek", position: r * STEP, rate: 1,
          });
          ackMs = now() - sendAt;
          if (!ack || ack.ok !== true) ackError = JSON.stringify(ack && ack.error);
        } catch (err) {
          ackError = err.message;
        }
      }
      await Promise.race([complete, sleep(timeout)]);
      waiters.delete(r);
      parentPort.postMessage({ type: "round", r, sendAt, ackMs, ackError, times: times[r] });
    } else if (msg.type === "close") {
      for (const socket of sockets) if (socket) socket.close();
      parentPort.postMessage({ type: "closed" });
      parentPort.close();
    }
  });
}

// ---------------------------------------------------------------------------
// Main: spawns the workers, paces the rounds, aggregates.

function ask(worker, message, type) {
  return new Promise((resolve) => {
    const listener = (msg) => {
      if (msg.type === type) {
        worker.off("message", listener);
        resolve(msg);
      }
    };
    worker.on("message", listener);
    if (message) worker.postMessage(message);
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let tokens = opts.tokens ? JSON.parse(readFileSync(opts.tokens, "utf8")) : [];
  if (!Array.isArray(tokens)) tokens = tokens.tokens;
  const n = opts.clients || tokens.length || 1000;
  if (tokens.length && tokens.length < n) throw new Error(`${tokens.length} tokens for ${n} clients`);
  tokens = Array.from({ length: n }, (_, i) => tokens[i] || "");
  const totalRounds = opts.warmup + opts.rounds;
  const log = (...a) => console.error("[clients]", ...a);

  const w = Math.max(1, Math.min(opts.workers, n));
  const per = Math.ceil(n / w);
  const batch = Math.max(1, Math.ceil(opts.batch / w));
  const workers = [];
  for (let k = 0; k < w; k++) {
    const first = k * per;
    const slice = tokens.slice(first, first + per);
    workers.push(new Worker(new URL(import.meta.url), {
      workerData: {
        url: opts.url, party: opts.party, tokens: slice, first, batch, totalRounds,
        timeout: opts.timeout, joinTimeout: opts.joinTimeout,
      },
    }));
  }
  workers[0].on("message", (m) => {
    if (m.type === "progress") log(`worker 0: ${m.joined} joined after ${m.seconds.toFixed(1)} s`);
  });
  for (const worker of workers) worker.on("error", (err) => { log("worker error", err); process.exit(1); });

  const connectStarted = now();
  const ready = await Promise.all(workers.map((wk) => ask(wk, null, "ready")));
  const connectMs = now() - connectStarted;
  const joined = ready.reduce((a, m) => a + m.joined, 0);
  const connectErrors = ready.flatMap((m) => m.errors);
  log(`${joined}/${n} joined in ${(connectMs / 1000).toFixed(2)} s (${w} worker thread${w > 1 ? "s" : ""})`);
  if (joined < n) {
    console.log(JSON.stringify({ error: "not every client joined", joined, clients: n, connectErrors }));
    process.exit(2);
  }

  // Let join-time traffic (member lists, presence) die down before measuring.
  const quietStarted = now();
  let otherBefore = 0;
  for (;;) {
    await sleep(Math.min(250, opts.quiet));
    const stats = await Promise.all(workers.map((wk) => ask(wk, { type: "stats" }, "stats")));
    const last = Math.max(...stats.map((s) => s.lastEventAt));
    otherBefore = stats.reduce((a, s) => a + s.otherEvents, 0);
    if (now() - last >= opts.quiet && now() - quietStarted >= opts.settle) break;
    if (now() - quietStarted > 120000) { log("never quiet; measuring anyway"); break; }
  }
  const settleMs = now() - quietStarted;
  log(`quiet after ${(settleMs / 1000).toFixed(2)} s; ${otherBefore} other events received while joining`);
  await sleep(opts.hold); // time for a profiler to attach

  const rounds = [];
  let nextAt = now();
  for (let r = 1; r <= totalRounds; r++) {
    await sleep(nextAt - now());
    nextAt = now() + opts.interval;
    const replies = await Promise.all(workers.map((wk) => ask(wk, { type: "round", r }, "round")));
    const host = replies.find((m) => m.sendAt !== null);
    const receipts = replies.flatMap((m) => Array.from(m.times));
    const got = receipts.filter((t) => !Number.isNaN(t));
    const latencies = got.map((t) => t - host.sendAt);
    const last = got.length ? Math.max(...got) : NaN;
    rounds.push({
      round: r, warmup: r <= opts.warmup, position: r * STEP, sentAt: round3(host.sendAt),
      ackMs: round3(host.ackMs),
      ackError: host.ackError, delivered: got.length, expected: n, spanMs: round3(last - host.sendAt),
      p50: round3(percentile(latencies, 0.5)), p99: round3(percentile(latencies, 0.99)),
      max: round3(Math.max(...latencies)), latencies: latencies.map(round3),
    });
    if (host.ackError) log(`round ${r}: control refused: ${host.ackError}`);
  }

  log("rounds done");
  const stats = await Promise.all(workers.map((wk) => ask(wk, { type: "stats" }, "stats")));
  await Promise.all(workers.map((wk) => ask(wk, { type: "close" }, "closed")));

  const counted = rounds.filter((r) => !r.warmup);
  const all = counted.flatMap((r) => r.latencies);
  const delivered = counted.reduce((a, r) => a + r.delivered, 0);
  const span = counted.reduce((a, r) => a + (Number.isFinite(r.spanMs) ? r.spanMs : 0), 0);
  const result = {
    url: opts.url, clients: n, workers: w, rounds: opts.rounds, warmup: opts.warmup,
    intervalMs: opts.interval, connectSeconds: round3(connectMs / 1000),
    settleSeconds: round3(settleMs / 1000),
    otherEventsWhileJoining: otherBefore,
    otherEventsTotal: stats.reduce((a, s) => a + s.otherEvents, 0),
    unmatchedStates: stats.reduce((a, s) => a + s.unmatchedStates, 0),
    summary: {
      p50: round3(percentile(all, 0.5)), p99: round3(percentile(all, 0.99)),
      max: round3(Math.max(...all)), mean: round3(all.reduce((a, x) => a + x, 0) / all.length),
      ackP50: round3(percentile(counted.map((r) => r.ackMs), 0.5)),
      spanP50: round3(percentile(counted.map((r) => r.spanMs), 0.5)),
      delivered, expected: n * counted.length,
      messagesPerSecond: round3(delivered / (span / 1000)),
      failedControls: counted.filter((r) => r.ackError).length,
    },
    perRound: rounds,
  };
  const text = JSON.stringify(result);
  if (opts.out) writeFileSync(opts.out, text);
  else process.stdout.write(text + "\n");
  const s = result.summary;
  log(`p50 ${s.p50} ms  p99 ${s.p99} ms  max ${s.max} ms  ${s.delivered}/${s.expected} delivered  ${Math.round(s.messagesPerSecond)} msg/s`);
  process.exit(0);
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  runWorker(workerData).catch((err) => {
    parentPort.postMessage({ type: "ready", joined: 0, errors: [String(err)], errorCount: 1, connectMs: 0 });
  });
}
