// The analytics charts (D3): line, area, retention and bars, drawn from the
// JSON a page puts in each `figure.chart` (see docs/analytics.md, "Charts").
//
// Every chart shares one interaction model: a focusable svg with a crosshair
// on the "current" point, moved by the pointer or by ←/→/Home/End (↑/↓ for
// bars), a tooltip beside it and the same text in an aria-live readout, so a
// keyboard or screen reader user gets what a mouse user sees. Charts redraw
// when their figure changes size and animate only without
// prefers-reduced-motion. Numbers and dates are formatted here only; the server
// decides every figure.
import { extent, max } from "d3-array";
import { scaleBand, scaleLinear, scaleUtc } from "d3-scale";
import { select } from "d3-selection";
import { area, curveMonotoneX, line } from "d3-shape";

const LOCALE = "en-GB";
const MARGIN = { top: 16, right: 16, bottom: 30, left: 56 };
const HEIGHT = 260;
const reducedMotion = () => window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;

// -- formatting ---------------------------------------------------------------

const countFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const compactFormat = new Intl.NumberFormat(LOCALE, { notation: "compact", maximumFractionDigits: 1 });
const hoursFormat = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const percentFormat = new Intl.NumberFormat(LOCALE, { style: "percent", maximumFractionDigits: 1 });
const moneyFormats = new Map();

function moneyFormat(currency, compact = false) {
  const code = (currency || "usd").toUpperCase();
  const key = `${code}${compact ? ":compact" : ""}`;
  let format = moneyFormats.get(key);
  if (!format) {
    const options = compact ? { notation: "compact", maximumFractionDigits: 1 } : {};
    try {
      format = new Intl.NumberFormat(LOCALE, { style: "currency", currency: code, ...options });
    } catch {
      format = new Intl.NumberFormat(LOCALE, { style: "currency", currency: "USD", ...options });
    }
    moneyFormats.set(key, format);
  }
  return format;
}

/** "m:ss" (or "h:mm:ss" from an hour up) for a number of seconds. */
export function formatDuration(seconds) {
  const total = Math.max(0, Math.round(Number(seconds) || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/**
 * A value as people read it, by unit: count (thousands separators), hours (one
 * decimal), seconds (m:ss), percent (the value is 0..100) and money (the value
 * is in the currency's major unit, as the page's table shows it: 12.34 → US$12.34).
 * `compact` shortens counts and money for axis ticks.
 */
export function formatValue(value, unit = "count", { currency = null, compact = false } = {}) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "–";
  const v = Number(value);
  switch (unit) {
    case "hours":
      return `${hoursFormat.format(v)} h`;
    case "seconds":
      return formatDuration(v);
    case "percent":
      return percentFormat.format(v / 100);
    case "money":
      return moneyFormat(currency, compact).format(v);
    default:
      return (compact && Math.abs(v) >= 10_000 ? compactFormat : countFormat).format(v);
  }
}

// Bucket starts carry their zone's offset ("2026-11-10T00:00:00+01:00"): the
// wall-clock part, read as if it were UTC, gives the labels in the data's zone
// without a time-zone database; the instant itself places the point.
const WALL = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?)?/;

function parsePoint([at, value]) {
  const wall = WALL.exec(at);
  const time = new Date(at);
  return {
    at,
    time,
    wall: wall ? new Date(`${wall[1]}T${wall[2] || "00:00"}:00Z`) : time,
    value: value === null ? null : Number(value),
  };
}

// One formatter gives the parts; the site's style puts them together ("Sun 25 Oct 2026, 14:00", like lib/time.js).
const dateParts = new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const monthFormat = new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", month: "long", year: "numeric" });
const tickFormats = {
  hour: new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }),
  day: new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", day: "numeric", month: "short" }),
  week: new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", day: "numeric", month: "short" }),
  month: new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", month: "short", year: "2-digit" }),
};

/** A bucket's date in its own zone: "Tue 10 Nov 2026", "Week of 9 Nov 2026", "November 2026", or with the hour. */
export function formatBucket(point, granularity = "day") {
  if (granularity === "month") return monthFormat.format(point.wall);
  const p = {};
  for (const part of dateParts.formatToParts(point.wall)) p[part.type] = part.value;
  const day = `${p.day} ${p.month} ${p.year}`;
  if (granularity === "week") return `Week of ${day}`;
  if (granularity === "hour") return `${p.weekday} ${day}, ${p.hour}:${p.minute}`;
  return `${p.weekday} ${day}`;
}

function formatTick(point, granularity) {
  return (tickFormats[granularity] || tickFormats.day).format(point.wall);
}

// -- shared frame ---------------------------------------------------------------

let uid = 0;

/**
 * The parts every chart has: the svg (focusable, labelled by the figcaption),
 * the tooltip and the aria-live readout, placed before the figure's table.
 */
function frame(figure, kind) {
  figure.querySelector(":scope > .chart-canvas")?.remove();
  const canvas = document.createElement("div");
  canvas.className = `chart-canvas chart-${kind}`;
  const svg = select(canvas).append("svg").attr("class", "chart-svg").attr("tabindex", 0).attr("focusable", "true");
  const caption = figure.querySelector("figcaption");
  if (caption) {
    caption.id ||= `chart-caption-${++uid}`;
    svg.attr("aria-labelledby", caption.id);
  }
  svg.attr("role", "group").attr("aria-roledescription", "chart");
  const tooltip = document.createElement("div");
  tooltip.className = "chart-tooltip";
  tooltip.hidden = true;
  tooltip.setAttribute("aria-hidden", "true");
  const readout = document.createElement("p");
  readout.className = "chart-readout visually-hidden";
  readout.setAttribute("aria-live", "polite");
  readout.dataset.chartReadout = "";
  canvas.append(tooltip, readout);
  const hint = document.createElement("p");
  hint.className = "chart-hint visually-hidden";
  hint.id = `chart-hint-${++uid}`;
  hint.textContent = kind === "bars" ? "Use the arrow keys to move between bars." : "Use the left and right arrow keys, Home and End to move between points.";
  canvas.append(hint);
  svg.attr("aria-describedby", hint.id);
  const before = figure.querySelector(":scope > .chart-table, :scope > details.chart-details");
  figure.insertBefore(canvas, before);
  return { canvas, svg, tooltip, readout };
}

/** Say so when there is nothing to draw (a new channel, a quiet period). */
function noteIfEmpty(parts, count) {
  if (count) return;
  const note = document.createElement("p");
  note.className = "chart-empty muted";
  note.textContent = "No data in this period.";
  parts.canvas.prepend(note);
}

/**
 * Wire the pointer and keyboard to a chart. `count` points; `locate(i)` gives
 * the point's [x, y] in svg units; `describe(i)` its text; `pick(x, y)` the
 * index under the pointer; `show(i)` moves the chart's own crosshair.
 */
function interact(parts, { count, locate, describe, pick, show, vertical = false }) {
  const { svg, tooltip, readout, canvas } = parts;
  noteIfEmpty(parts, count);
  let current = -1;
  const node = svg.node();

  function focus(i, { announce = true } = {}) {
    if (!count) return;
    current = Math.max(0, Math.min(count - 1, i));
    show(current);
    const text = describe(current);
    tooltip.textContent = "";
    for (const [n, line] of text.split("\n").entries()) {
      const row = document.createElement(n ? "span" : "strong");
      row.textContent = line;
      tooltip.append(row);
    }
    tooltip.hidden = false;
    const [x, y] = locate(current);
    const box = canvas.getBoundingClientRect();
    const width = tooltip.offsetWidth;
    // Keep the tooltip inside the chart: flip it to the left of the point near the right edge.
    const left = x + 12 + width > box.width ? Math.max(0, x - 12 - width) : x + 12;
    tooltip.style.left = `${left}px`;
    tooltip.style.top = `${Math.max(0, y - 8)}px`;
    node.dataset.index = String(current);
    if (announce) readout.textContent = text.replace(/\n/g, ". ");
  }

  function hide() {
    tooltip.hidden = true;
    show(-1);
  }

  svg.on("pointermove", (event) => {
    const rect = node.getBoundingClientRect();
    const i = pick(event.clientX - rect.left, event.clientY - rect.top);
    if (i !== null && i !== undefined && i >= 0) focus(i);
  });
  svg.on("pointerleave", () => {
    if (document.activeElement !== node) hide();
  });
  svg.on("focus", () => focus(current < 0 ? count - 1 : current));
  svg.on("blur", hide);
  svg.on("keydown", (event) => {
    const step = { ArrowLeft: -1, ArrowRight: 1, ...(vertical ? { ArrowUp: -1, ArrowDown: 1 } : {}) }[event.key];
    if (step) focus((current < 0 ? 0 : current) + step);
    else if (event.key === "Home") focus(0);
    else if (event.key === "End") focus(count - 1);
    else if (event.key === "Escape") return hide();
    else return;
    event.preventDefault();
  });
  return { focus, get current() { return current; } };
}

// The chart fills its canvas, which fills the figure's content box.
function sizeOf(canvas) {
  const width = Math.max(280, Math.floor(canvas.clientWidth || 600));
  return { width, height: HEIGHT, inner: { w: width - MARGIN.left - MARGIN.right, h: HEIGHT - MARGIN.top - MARGIN.bottom } };
}

function animateIn(pathNode) {
  if (reducedMotion() || !pathNode.animate || !pathNode.getTotalLength) return;
  const length = pathNode.getTotalLength();
  pathNode.animate(
    [{ strokeDasharray: `${length} ${length}`, strokeDashoffset: length }, { strokeDasharray: `${length} ${length}`, strokeDashoffset: 0 }],
    { duration: 600, easing: "ease-out" },
  );
}

// Durations tick at round minutes and hours rather than at round numbers of seconds.
const SECOND_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400];

function ticksOf(y, unit) {
  // Nobody watched half a video: counts tick at whole numbers only.
  if (unit === "count") return y.ticks(5).filter(Number.isInteger);
  if (unit !== "seconds") return y.ticks(5);
  const [, top] = y.domain();
  const step = SECOND_STEPS.find((s) => top / s <= 6) || Math.ceil(top / 6);
  const ticks = [];
  for (let t = 0; t <= top + 1e-9; t += step) ticks.push(t);
  return ticks;
}

function yDomainTop(top, unit) {
  if (unit !== "seconds") return top;
  const step = SECOND_STEPS.find((s) => top / s <= 6) || Math.ceil(top / 6);
  return Math.ceil(top / step) * step;
}

function yAxis(g, y, unit, currency, innerWidth) {
  const ticks = ticksOf(y, unit);
  const axis = g.append("g").attr("class", "chart-axis chart-axis-y");
  for (const t of ticks) {
    const row = axis.append("g").attr("transform", `translate(0,${y(t)})`);
    row.append("line").attr("class", "chart-grid").attr("x1", 0).attr("x2", innerWidth);
    row.append("text").attr("x", -8).attr("dy", "0.32em").attr("text-anchor", "end").text(formatValue(t, unit, { currency, compact: true }));
  }
}

// -- line and area --------------------------------------------------------------

/** A time series (one or more; a `dashed` series is drawn dashed, aligned point by point). */
export function drawSeries(figure, data, { filled = false } = {}) {
  const parts = frame(figure, filled ? "area" : "line");
  const { width, height, inner } = sizeOf(parts.canvas);
  const unit = data.unit || "count";
  const currency = data.currency || null;
  const granularity = data.granularity || "day";
  const series = (data.series || []).map((s) => ({ ...s, points: (s.points || []).map(parsePoint) }));
  const main = series.find((s) => !s.dashed) || series[0] || { name: "", points: [] };
  const n = main.points.length;
  const svg = parts.svg.attr("viewBox", `0 0 ${width} ${height}`).attr("width", width).attr("height", height);
  const g = svg.append("g").attr("transform", `translate(${MARGIN.left},${MARGIN.top})`);
  const x = scaleUtc().domain(n > 1 ? extent(main.points, (p) => p.time) : [new Date(0), new Date(1)]).range([0, inner.w]);
  const all = series.flatMap((s) => s.points.map((p) => p.value ?? 0));
  const top = Math.max(max(all) ?? 0, 1);
  const y = scaleLinear().domain([0, yDomainTop(top, unit)]).range([inner.h, 0]);
  if (unit !== "seconds") y.nice();
  // Other series (the previous period) line up with the main one point by point.
  const xAt = (i) => (n > 1 ? x(main.points[Math.min(i, n - 1)].time) : inner.w / 2);

  yAxis(g, y, unit, currency, inner.w);
  const xAxis = g.append("g").attr("class", "chart-axis chart-axis-x").attr("transform", `translate(0,${inner.h})`);
  const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(inner.w / 80))));
  for (let i = 0; i < n; i += every) {
    xAxis.append("text").attr("x", xAt(i)).attr("y", 20).attr("text-anchor", i === 0 ? "start" : "middle").text(formatTick(main.points[i], granularity));
  }

  series.forEach((s, si) => {
    const defined = (p) => p.value !== null;
    const cls = `chart-series chart-series-${si}${s.dashed ? " is-dashed" : ""}`;
    if (filled && !s.dashed) {
      g.append("path").attr("class", `${cls} chart-area`).attr("d", area().defined(defined).x((_, i) => xAt(i)).y0(inner.h).y1((p) => y(p.value)).curve(curveMonotoneX)(s.points));
    }
    const path = g.append("path").attr("class", `${cls} chart-line`).attr("fill", "none").attr("d", line().defined(defined).x((_, i) => xAt(i)).y((p) => y(p.value)).curve(curveMonotoneX)(s.points));
    path.attr("data-series", s.name);
    if (!s.dashed) animateIn(path.node());
    g.append("g").attr("class", `${cls} chart-points`).selectAll("circle").data(s.points).join("circle")
      .attr("class", "chart-point").attr("r", n > 60 ? 0 : 2.5).attr("cx", (_, i) => xAt(i)).attr("cy", (p) => y(p.value ?? 0))
      .attr("data-at", (p) => p.at).attr("data-value", (p) => p.value);
  });
  legend(figure, parts.canvas, series);

  const cross = g.append("g").attr("class", "chart-crosshair").attr("display", "none");
  cross.append("line").attr("y1", 0).attr("y2", inner.h);
  const dots = series.map((s, si) => cross.append("circle").attr("class", `chart-focus chart-series-${si}`).attr("r", 4.5));

  const controls = interact(parts, {
    count: n,
    locate: (i) => [MARGIN.left + xAt(i), MARGIN.top + y(main.points[i].value ?? 0)],
    describe: (i) => {
      const lines = [formatBucket(main.points[i], granularity)];
      for (const s of series) {
        const p = s.points[i];
        if (!p) continue;
        // A previous period drawn on the current buckets' dates needs no date of its own.
        const when = s === main || p.at === main.points[i].at ? "" : ` (${formatBucket(p, granularity)})`;
        lines.push(`${s.name}: ${formatValue(p.value, unit, { currency })}${when}`);
      }
      return lines.join("\n");
    },
    pick: (px) => {
      if (n < 2) return 0;
      const t = x.invert(px - MARGIN.left).getTime();
      let best = 0;
      for (let i = 1; i < n; i++) if (Math.abs(main.points[i].time - t) < Math.abs(main.points[best].time - t)) best = i;
      return best;
    },
    show: (i) => {
      if (i < 0) return cross.attr("display", "none");
      cross.attr("display", null).select("line").attr("x1", xAt(i)).attr("x2", xAt(i));
      dots.forEach((dot, si) => {
        const p = series[si].points[i];
        dot.attr("cx", xAt(i)).attr("cy", y(p?.value ?? 0)).attr("visibility", p && p.value !== null ? "visible" : "hidden");
      });
    },
  });
  return { ...controls, count: n };
}

function legend(figure, canvas, series) {
  if (series.length < 2) return;
  const list = document.createElement("ul");
  list.className = "chart-legend";
  series.forEach((s, si) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `chart-swatch chart-series-${si}${s.dashed ? " is-dashed" : ""}`;
    swatch.setAttribute("aria-hidden", "true");
    item.append(swatch, document.createTextNode(s.name));
    list.append(item);
  });
  canvas.append(list);
}

// -- retention ------------------------------------------------------------------

/** The audience retention curve: 100 points (0..1), the channel's typical curve dashed, markers. */
export function drawRetention(figure, data) {
  const parts = frame(figure, "retention");
  const { width, height, inner } = sizeOf(parts.canvas);
  const duration = Number(data.duration) || 0;
  // Shares come as 0..1 (the service's RetentionCurve) or as percentages 0..100
  // (what the page's table shows); no share of viewers exceeds 1, so a value
  // above it means percentages.
  const raw = [...(data.points || []), ...(data.typical || [])].map(Number);
  const scale = data.unit === "percent" || raw.some((v) => v > 1) ? 0.01 : 1;
  const points = (data.points || []).map((v) => Number(v) * scale);
  const typical = Array.isArray(data.typical) ? data.typical.map((v) => Number(v) * scale) : null;
  const n = points.length;
  const svg = parts.svg.attr("viewBox", `0 0 ${width} ${height}`).attr("width", width).attr("height", height);
  const g = svg.append("g").attr("transform", `translate(${MARGIN.left},${MARGIN.top})`);
  // Point i covers [i, i+1) hundredths of the video: it is drawn at its start.
  const x = scaleLinear().domain([0, Math.max(1, n - 1)]).range([0, inner.w]);
  const y = scaleLinear().domain([0, Math.max(1, max(points) ?? 0, max(typical || []) ?? 0) * 100]).nice().range([inner.h, 0]);
  const at = (i) => (duration * i) / Math.max(1, n);

  yAxis(g, y, "percent", null, inner.w);
  const xAxis = g.append("g").attr("class", "chart-axis chart-axis-x").attr("transform", `translate(0,${inner.h})`);
  for (const q of [0, 0.25, 0.5, 0.75, 1]) {
    const i = Math.round(q * (n - 1));
    xAxis.append("text").attr("x", x(i)).attr("y", 20).attr("text-anchor", q === 0 ? "start" : q === 1 ? "end" : "middle").text(formatDuration(q === 1 ? duration : at(i)));
  }

  const curve = line().x((_, i) => x(i)).y((v) => y(v * 100)).curve(curveMonotoneX);
  if (typical) g.append("path").attr("class", "chart-series chart-series-1 chart-line chart-typical is-dashed").attr("fill", "none").attr("d", curve(typical));
  g.append("path").attr("class", "chart-series chart-series-0 chart-area").attr("d", area().x((_, i) => x(i)).y0(inner.h).y1((v) => y(v * 100)).curve(curveMonotoneX)(points));
  const path = g.append("path").attr("class", "chart-series chart-series-0 chart-line").attr("fill", "none").attr("d", curve(points));
  animateIn(path.node());
  g.append("g").attr("class", "chart-points").selectAll("circle").data(points).join("circle")
    .attr("class", "chart-point").attr("r", 0).attr("cx", (_, i) => x(i)).attr("cy", (v) => y(v * 100)).attr("data-value", (v) => v);

  const markers = g.append("g").attr("class", "chart-markers");
  for (const m of data.markers || []) {
    if (!duration) break;
    const mx = x(Math.min(n - 1, (Number(m.at) / duration) * n));
    const mark = markers.append("g").attr("class", `chart-marker is-${m.kind}`).attr("transform", `translate(${mx},0)`).attr("data-at", m.at);
    mark.append("line").attr("y1", 0).attr("y2", inner.h);
    mark.append("text").attr("x", 4).attr("y", 10).text(m.label);
    mark.append("title").text(`${m.kind === "quiz" ? "Quiz" : "Chapter"} at ${formatDuration(m.at)}: ${m.label}`);
  }
  legend(figure, parts.canvas, [{ name: "This video" }, ...(typical ? [{ name: "Typical for the channel", dashed: true }] : [])]);

  const cross = g.append("g").attr("class", "chart-crosshair").attr("display", "none");
  cross.append("line").attr("y1", 0).attr("y2", inner.h);
  const dot = cross.append("circle").attr("class", "chart-focus chart-series-0").attr("r", 4.5);
  const markerNear = (i) => (data.markers || []).filter((m) => Number(m.at) >= at(i) && Number(m.at) < at(i + 1));

  const controls = interact(parts, {
    count: n,
    locate: (i) => [MARGIN.left + x(i), MARGIN.top + y(points[i] * 100)],
    describe: (i) => {
      const lines = [`At ${formatDuration(at(i))} (${i} % of the video)`, `Still watching: ${formatValue(points[i] * 100, "percent")}`];
      if (typical) lines.push(`Typical: ${formatValue(typical[i] * 100, "percent")}`);
      for (const m of markerNear(i)) lines.push(`${m.kind === "quiz" ? "Quiz" : "Chapter"}: ${m.label}`);
      return lines.join("\n");
    },
    pick: (px) => Math.max(0, Math.min(n - 1, Math.round(x.invert(px - MARGIN.left)))),
    show: (i) => {
      if (i < 0) return cross.attr("display", "none");
      cross.attr("display", null).select("line").attr("x1", x(i)).attr("x2", x(i));
      dot.attr("cx", x(i)).attr("cy", y(points[i] * 100));
    },
  });
  return { ...controls, count: n };
}

// -- bars -----------------------------------------------------------------------

/**
 * Bars. With `rows` (a breakdown: key, label, value, share) horizontal bars,
 * largest first as given; with `points` ([iso, value], like a series) vertical
 * columns over time — the realtime panel's 48 hours.
 */
export function drawBars(figure, data) {
  return data.points ? drawColumns(figure, data) : drawRows(figure, data);
}

function drawRows(figure, data) {
  const parts = frame(figure, "bars");
  const unit = data.unit || "count";
  const currency = data.currency || null;
  const rows = data.rows || [];
  const { width } = sizeOf(parts.canvas);
  const labelWidth = Math.min(200, Math.round(width * 0.35));
  const valueWidth = 110;
  const rowHeight = 28;
  const height = Math.max(rowHeight, rows.length * rowHeight) + 8;
  const svg = parts.svg.attr("viewBox", `0 0 ${width} ${height}`).attr("width", width).attr("height", height);
  const y = scaleBand().domain(rows.map((_, i) => i)).range([4, height - 4]).padding(0.2);
  const x = scaleLinear().domain([0, Math.max(1, max(rows, (r) => Number(r.value)) ?? 0)]).range([0, width - labelWidth - valueWidth]);
  const row = svg.selectAll("g.chart-row").data(rows).join("g").attr("class", "chart-row").attr("transform", (_, i) => `translate(0,${y(i)})`);
  row.append("text").attr("class", "chart-bar-label").attr("x", labelWidth - 8).attr("y", y.bandwidth() / 2).attr("dy", "0.32em").attr("text-anchor", "end").text((r) => r.label);
  row.append("rect").attr("class", "chart-bar").attr("x", labelWidth).attr("height", y.bandwidth()).attr("width", (r) => Math.max(1, x(Number(r.value)))).attr("data-key", (r) => r.key);
  row.append("text").attr("class", "chart-bar-value").attr("x", (r) => labelWidth + Math.max(1, x(Number(r.value))) + 6).attr("y", y.bandwidth() / 2).attr("dy", "0.32em")
    .text((r) => `${formatValue(r.value, unit, { currency })}${r.share !== undefined && r.share !== null ? ` · ${percentFormat.format(r.share)}` : ""}`);

  const controls = interact(parts, {
    count: rows.length,
    vertical: true,
    locate: (i) => [labelWidth + x(Number(rows[i].value)), y(i)],
    describe: (i) => {
      const r = rows[i];
      const share = r.share !== undefined && r.share !== null ? ` (${percentFormat.format(r.share)})` : "";
      return `${r.label}\n${formatValue(r.value, unit, { currency })}${share}`;
    },
    pick: (_, py) => {
      const i = Math.floor((py - 4) / y.step());
      return i >= 0 && i < rows.length ? i : null;
    },
    show: (i) => row.classed("is-current", (_, j) => j === i),
  });
  return { ...controls, count: rows.length };
}

function drawColumns(figure, data) {
  const parts = frame(figure, "columns");
  const { width, height, inner } = sizeOf(parts.canvas);
  const unit = data.unit || "count";
  const granularity = data.granularity || "hour";
  const points = (data.points || []).map(parsePoint);
  const n = points.length;
  const svg = parts.svg.attr("viewBox", `0 0 ${width} ${height}`).attr("width", width).attr("height", height);
  const g = svg.append("g").attr("transform", `translate(${MARGIN.left},${MARGIN.top})`);
  const x = scaleBand().domain(points.map((_, i) => i)).range([0, inner.w]).padding(0.15);
  const y = scaleLinear().domain([0, Math.max(1, max(points, (p) => p.value ?? 0) ?? 0)]).nice().range([inner.h, 0]);
  yAxis(g, y, unit, data.currency || null, inner.w);
  const xAxis = g.append("g").attr("class", "chart-axis chart-axis-x").attr("transform", `translate(0,${inner.h})`);
  const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(inner.w / 70))));
  for (let i = 0; i < n; i += every) {
    xAxis.append("text").attr("x", x(i) + x.bandwidth() / 2).attr("y", 20).attr("text-anchor", "middle").text(formatTick(points[i], granularity));
  }
  const bars = g.append("g").attr("class", "chart-columns").selectAll("rect").data(points).join("rect")
    .attr("class", "chart-bar").attr("x", (_, i) => x(i)).attr("width", x.bandwidth())
    .attr("y", (p) => y(p.value ?? 0)).attr("height", (p) => inner.h - y(p.value ?? 0)).attr("data-at", (p) => p.at).attr("data-value", (p) => p.value);

  const controls = interact(parts, {
    count: n,
    locate: (i) => [MARGIN.left + x(i) + x.bandwidth(), MARGIN.top + y(points[i].value ?? 0)],
    describe: (i) => `${formatBucket(points[i], granularity)}\n${data.name || "Views"}: ${formatValue(points[i].value, unit)}`,
    pick: (px) => {
      const i = Math.floor((px - MARGIN.left) / x.step());
      return i >= 0 && i < n ? i : null;
    },
    show: (i) => bars.classed("is-current", (_, j) => j === i),
  });
  return { ...controls, count: n };
}

// -- figures --------------------------------------------------------------------

const DRAW = {
  line: (figure, data) => drawSeries(figure, data),
  area: (figure, data) => drawSeries(figure, data, { filled: true }),
  retention: drawRetention,
  bars: drawBars,
};

/** The figure's chart-data JSON (null when missing or malformed). */
export function readData(figure) {
  const script = figure.querySelector(":scope > script.chart-data");
  if (!script) return null;
  try {
    return JSON.parse(script.textContent);
  } catch {
    return null;
  }
}

/**
 * Draw `figure` from its chart-data (or `data`), keep the current point across
 * redraws, and redraw on resize. Returns an object whose `update(data)`
 * redraws with new data (the realtime panel).
 */
export function mountChart(figure, data = readData(figure)) {
  const kind = figure.dataset.chart;
  const draw = DRAW[kind];
  if (!draw || !data) return null;
  let current = data;
  let chart = null;
  let lastWidth = -1;
  const render = () => {
    const keep = chart && document.activeElement === figure.querySelector(".chart-svg") ? chart.current : -1;
    chart = draw(figure, current);
    lastWidth = figure.clientWidth;
    figure.dataset.drawn = kind;
    figure.dataset.motion = reducedMotion() ? "reduce" : "full";
    if (keep >= 0) {
      figure.querySelector(".chart-svg").focus();
      chart.focus(Math.min(keep, chart.count - 1), { announce: false });
    }
  };
  render();
  if ("ResizeObserver" in window) {
    let pending = 0;
    new ResizeObserver(() => {
      if (figure.clientWidth === lastWidth || pending) return;
      pending = requestAnimationFrame(() => {
        pending = 0;
        if (figure.clientWidth !== lastWidth) render();
      });
    }).observe(figure);
  }
  return {
    update(data) {
      current = data;
      render();
    },
    get chart() {
      return chart;
    },
  };
}

/**
 * Put the figure's table under a "Show data" disclosure: still in the page for
 * screen readers and for copying the numbers, out of the way of the chart.
 */
export function collapseTable(figure) {
  const table = figure.querySelector(":scope > table.chart-table");
  if (!table) return;
  const details = document.createElement("details");
  details.className = "chart-details";
  const summary = document.createElement("summary");
  summary.textContent = "Show data";
  details.append(summary);
  table.replaceWith(details);
  details.append(table);
}
