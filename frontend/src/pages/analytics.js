// Analytics pages (/analytics, /analytics/video/<id>, /analytics/course/<id>,
// /admin/analytics): every `figure.chart` the server rendered is drawn with D3
// from its chart-data JSON, and its table — the same numbers, which is all a
// reader without JavaScript gets — moves under a "Show data" disclosure. The
// realtime panel joins its Socket.IO room and redraws the last 48 hours and
// the "watching now" figure on each `analytics.realtime` snapshot.
import { collapseTable, formatValue, mountChart, readData } from "../lib/charts.js";
import { connect, joinRoom } from "../lib/realtime.js";

const mounted = new Map();

function drawAll(root = document) {
  for (const figure of root.querySelectorAll("figure.chart[data-chart]")) {
    if (mounted.has(figure)) continue;
    let data = readData(figure);
    if (!data) continue;
    if (figure.closest("[data-realtime]")) data = asColumns(data);
    const chart = mountChart(figure, data);
    if (!chart) continue;
    mounted.set(figure, chart);
    collapseTable(figure);
    addCsvLink(figure);
  }
}

/** A "Download CSV" link for the figure's `data-csv` export, unless the page wrote one. */
function addCsvLink(figure) {
  const href = figure.dataset.csv;
  if (!href || figure.querySelector("a.chart-csv, a[download]")) return;
  const link = document.createElement("a");
  link.className = "chart-csv";
  link.href = href;
  link.setAttribute("download", "");
  link.textContent = "Download CSV";
  const caption = figure.querySelector("figcaption");
  if (caption) link.setAttribute("aria-label", `Download CSV: ${caption.textContent.trim()}`);
  figure.append(link);
}

/** The realtime figure is drawn as columns over time whichever bars shape the server wrote. */
function asColumns(data) {
  if (data.points || !data.rows) return data;
  return { ...data, points: data.rows.map((r) => [r.key, r.value]), rows: undefined };
}

/** Apply one RealtimeSnapshot (`{hours: [{at, value}], watching_now, at}`) to a panel. */
export function applySnapshot(panel, snapshot) {
  if (!snapshot || !Array.isArray(snapshot.hours)) return;
  const figure = panel.querySelector("figure.chart");
  const chart = figure && mounted.get(figure);
  if (chart) {
    const base = readData(figure) || {};
    chart.update({ unit: "count", granularity: "hour", ...asColumns(base), points: snapshot.hours.map((h) => [h.at, h.value]) });
    rewriteTable(figure, snapshot.hours);
  }
  const now = snapshot.watching_now ?? snapshot.watchingNow;
  const output = panel.querySelector("[data-watching-now]");
  if (output && now !== undefined) {
    output.value = formatValue(now, "count");
    output.textContent = output.value;
    output.dataset.value = String(now);
  }
  panel.dataset.updatedAt = snapshot.at || "";
}

// The table under "Show data" keeps telling the same numbers as the chart,
// written as the server writes them (the hour's ISO time, the count) — as the CSV has them.
function rewriteTable(figure, hours) {
  const body = figure.querySelector("table.chart-table tbody");
  if (!body) return;
  body.replaceChildren(
    ...hours.map((h) => {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.scope = "row";
      const time = document.createElement("time");
      time.dateTime = h.at;
      time.textContent = h.at;
      th.append(time);
      const td = document.createElement("td");
      td.textContent = String(Math.round(h.value));
      tr.append(th, td);
      return tr;
    }),
  );
}

/** Whether a snapshot's scope is the one of `room` ("analytics:<kind>:<id>"). */
function sameScope(room, scope) {
  if (!scope || !scope.kind) return true;
  const [, kind, id] = room.split(":");
  return kind === scope.kind && (!scope.id || !id || id === String(scope.id));
}

function wireRealtime() {
  for (const panel of document.querySelectorAll("[data-realtime][data-room]")) {
    const room = panel.dataset.room;
    const socket = connect();
    socket.on("analytics.realtime", (snapshot) => {
      // One socket may be in several rooms; each snapshot names its scope.
      if (!sameScope(room, snapshot?.scope)) return;
      applySnapshot(panel, snapshot);
    });
    joinRoom(room, (ack) => {
      panel.dataset.joined = ack && ack.ok ? "ok" : "failed";
      // The join acknowledgement may carry the current snapshot.
      const snapshot = ack && (ack.snapshot || ack.realtime);
      if (ack && ack.ok && snapshot) applySnapshot(panel, snapshot);
    });
  }
}

drawAll();
wireRealtime();
