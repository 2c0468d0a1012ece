// The ISS tracker: a world map (D3 + world-atlas) with the live position from
// `mission.telemetry`, the ground track of the past and next orbit, the
// footprint and the day/night terminator; and the observer's passes for the
// next 10 days with a countdown to the next good one (max elevation ≥ 40°).
import { geoCircle, geoEquirectangular, geoGraticule10, geoPath } from "d3-geo";
import { feature } from "topojson-client";
import land110 from "world-atlas/land-110m.json";
import { gql } from "../lib/graphql.js";
import { followTelemetry } from "../lib/telemetry.js";
import { formatClock } from "../lib/time.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const EARTH_RADIUS_KM = 6371;
const OBSERVER_KEY = "cosmostream.observer";
const root = document.querySelector("[data-iss-tracker]");

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

function setupMap() {
  const svg = root.querySelector("[data-iss-map]");
  const projection = geoEquirectangular().fitSize([960, 480], { type: "Sphere" });
  const path = geoPath(projection);
  const layers = {};
  for (const name of ["graticule", "land", "night", "twilight", "past", "next", "footprint", "observer", "iss"]) {
    layers[name] = el("g", { class: `iss-layer iss-${name}` }, svg);
  }
  el("path", { d: path(geoGraticule10()) }, layers.graticule);
  el("path", { d: path(feature(land110, land110.objects.land)) }, layers.land);
  const night = el("path", {}, layers.night);
  const twilight = el("path", {}, layers.twilight);
  const past = el("path", {}, layers.past);
  const next = el("path", {}, layers.next);
  const footprint = el("path", {}, layers.footprint);
  const observer = el("circle", { r: 4, hidden: "" }, layers.observer);
  // Hidden until the first position arrives (the join acknowledgement carries one).
  const marker = el("g", { "data-iss-marker": "", visibility: "hidden" }, layers.iss);
  el("circle", { r: 9, class: "iss-halo" }, marker);
  el("circle", { r: 5, class: "iss-dot" }, marker);
  const label = el("text", { x: 10, y: -10 }, marker);
  label.textContent = "ISS";

  return {
    ground(g) {
      past.setAttribute("d", path({ type: "LineString", coordinates: g.past }) || "");
      next.setAttribute("d", path({ type: "LineString", coordinates: g.next }) || "");
      const [lon, lat] = g.subsolar;
      const anti = [lon + 180, -lat];
      // The night side is the hemisphere around the antisolar point; twilight 6° beyond it.
      night.setAttribute("d", path(geoCircle().center(anti).radius(90)()) || "");
      twilight.setAttribute("d", path(geoCircle().center(anti).radius(96)()) || "");
    },
    position(t) {
      const [x, y] = projection([t.longitude, t.latitude]);
      marker.setAttribute("transform", `translate(${x.toFixed(1)},${y.toFixed(1)})`);
      marker.removeAttribute("visibility");
      marker.dataset.lat = t.latitude;
      marker.dataset.lon = t.longitude;
      marker.classList.toggle("is-shadow", !t.sunlit);
      const degrees = (t.footprintKm / EARTH_RADIUS_KM) * (180 / Math.PI);
      footprint.setAttribute("d", path(geoCircle().center([t.longitude, t.latitude]).radius(degrees)()) || "");
    },
    observer(where) {
      if (!where) return observer.setAttribute("hidden", "");
      const [x, y] = projection([where.lon, where.lat]);
      observer.setAttribute("cx", x);
      observer.setAttribute("cy", y);
      observer.removeAttribute("hidden");
    },
  };
}

const GROUND_QUERY = `{ issGroundTrack { at past { latitude longitude } next { latitude longitude } subsolar { latitude longitude } } }`;

async function refreshGround(map) {
  try {
    const data = await gql(GROUND_QUERY);
    const g = data.issGroundTrack;
    const pts = (list) => list.map((p) => [p.longitude, p.latitude]);
    map.ground({ past: pts(g.past), next: pts(g.next), subsolar: [g.subsolar.longitude, g.subsolar.latitude] });
  } catch {
    /* keep the last track; the next refresh tries again */
  }
}

// -- passes -----------------------------------------------------------------------

const PASSES_QUERY = `query($lat: Float!, $lon: Float!) { issPasses(lat: $lat, lon: $lon, days: 10) {
  start { at direction } highest { at direction } end { at direction } maxElevation brightness sunlit good } }`;


function cell(row, text, muted) {
  const td = document.createElement("td");
  td.textContent = text;
  if (muted) {
    const span = document.createElement("span");
    span.className = "muted";
    span.textContent = ` ${muted}`;
    td.appendChild(span);
  }
  row.appendChild(td);
}

function renderPasses(section, passes) {
  const table = section.querySelector("[data-passes-table]");
  const body = section.querySelector("[data-passes-body]");
  body.replaceChildren();
  for (const p of passes) {
    const row = document.createElement("tr");
    row.className = `pass-${p.brightness.replace(" ", "-")}${p.good ? " pass-good" : ""}`;
    // The pass's later moments carry a date only when they fall on another day.
    const start = new Date(p.start.at);
    cell(row, formatClock(start, { seconds: true }), p.start.direction);
    cell(row, formatClock(p.highest.at, { seconds: true, today: start }), p.highest.direction);
    cell(row, formatClock(p.end.at, { seconds: true, today: start }), p.end.direction);
    cell(row, `${Math.round(p.maxElevation)}°`);
    cell(row, p.brightness[0].toUpperCase() + p.brightness.slice(1));
    cell(row, p.sunlit ? "Yes" : "No");
    body.appendChild(row);
  }
  table.hidden = passes.length === 0;
  section.querySelector("[data-passes-empty]").hidden = passes.length !== 0;
}

export function formatWait(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const hms = [Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60]
    .map((n) => String(n).padStart(2, "0")).join(":");
  return d ? `${d} d ${hms}` : hms;
}

let countdownTimer = null;
function startCountdown(section, passes) {
  const line = section.querySelector("[data-next-good]");
  clearInterval(countdownTimer);
  const tick = () => {
    const now = Date.now();
    const next = passes.find((p) => p.good && new Date(p.end.at).getTime() > now);
    if (!next) {
      line.textContent = "No pass reaches 40° in the next 10 days.";
      line.hidden = false;
      return;
    }
    const start = new Date(next.start.at).getTime();
    const what = `${Math.round(next.maxElevation)}° high, ${next.brightness}`;
    line.textContent = start > now
      ? `Next good pass in ${formatWait(start - now)} — ${formatClock(start)}, ${what}.`
      : `The ISS is passing over you now (${what}): look ${next.highest.direction}!`;
    line.hidden = false;
  };
  tick();
  countdownTimer = setInterval(tick, 1000);
}

function setupPasses(map) {
  const section = document.querySelector("[data-iss-passes]");
  if (!section) return;
  const form = section.querySelector("[data-observer-form]");
  const latInput = section.querySelector("[data-observer-lat]");
  const lonInput = section.querySelector("[data-observer-lon]");
  const label = section.querySelector("[data-observer-label]");
  const useLocation = section.querySelector("[data-use-location]");

  async function show(where) {
    latInput.value = where.lat;
    lonInput.value = where.lon;
    map.observer(where);
    label.textContent = `For ${Number(where.lat).toFixed(3)}°, ${Number(where.lon).toFixed(3)}° — times in your time zone.`;
    try {
      const data = await gql(PASSES_QUERY, { lat: Number(where.lat), lon: Number(where.lon) });
      renderPasses(section, data.issPasses);
      startCountdown(section, data.issPasses);
      localStorage.setItem(OBSERVER_KEY, JSON.stringify({ lat: Number(where.lat), lon: Number(where.lon) }));
    } catch (err) {
      label.textContent = err.message;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const where = { lat: Number(latInput.value), lon: Number(lonInput.value) };
    const url = new URL(location.href);
    url.searchParams.set("lat", where.lat);
    url.searchParams.set("lon", where.lon);
    history.replaceState(null, "", url);
    show(where);
  });
  if ("geolocation" in navigator) {
    useLocation.hidden = false;
    useLocation.addEventListener("click", () => {
      navigator.geolocation.getCurrentPosition(
        (pos) => show({ lat: +pos.coords.latitude.toFixed(4), lon: +pos.coords.longitude.toFixed(4) }),
        () => { label.textContent = "Your browser did not share a location: type it instead."; },
        { maximumAge: 600000, timeout: 10000 },
      );
    });
  }
  const params = new URLSearchParams(location.search);
  let where = null;
  if (params.has("lat") && params.has("lon")) where = { lat: params.get("lat"), lon: params.get("lon") };
  else {
    try { where = JSON.parse(localStorage.getItem(OBSERVER_KEY) || "null"); } catch { where = null; }
  }
  if (where && Number.isFinite(Number(where.lat)) && Number.isFinite(Number(where.lon))) show(where);
}

if (root) {
  const map = setupMap();
  map.ground(JSON.parse(root.dataset.ground));
  const readout = root.querySelector("[data-iss-readout]");
  let lastGround = Date.now();
  followTelemetry("iss", (t) => {
    map.position(t);
    readout.textContent = `ISS at ${t.latitude.toFixed(2)}°, ${t.longitude.toFixed(2)}° — ${Math.round(t.altitudeKm)} km up, ${t.speedKmS.toFixed(2)} km/s, ${t.sunlit ? "in sunlight" : "in Earth's shadow"}`;
    readout.dataset.at = t.at;
    // The track and the terminator move slowly: redraw them every minute.
    if (Date.now() - lastGround > 60000) {
      lastGround = Date.now();
      refreshGround(map);
    }
  });
  setupPasses(map);
}
