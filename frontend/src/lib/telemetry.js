// Live mission telemetry: join the `mission:<slug>` room and keep the panel's
// [data-field] cells current from `mission.telemetry` (once a second).
import { connect, joinRoom } from "./realtime.js";
import { formatClock } from "./time.js";

const fmt = (value, digits) =>
  Number(value).toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });

const FORMAT = {
  latitude: (v) => `${fmt(v, 3)}°`,
  longitude: (v) => `${fmt(v, 3)}°`,
  altitudeKm: (v) => `${fmt(v, 1)} km`,
  speedKmS: (v, t) => `${fmt(v, t.kind === "orbit" ? 2 : 3)} km/s`,
  sunlit: (v) => (v ? "Yes" : "No (in Earth’s shadow)"),
  footprintKm: (v) => `${fmt(v, 0)} km`,
  distanceEarthKm: (v) => `${fmt(v, 0)} km`,
  distanceEarthAu: (v) => `${fmt(v, 4)} AU`,
  distanceSunKm: (v) => `${fmt(v, 0)} km`,
  distanceSunAu: (v) => `${fmt(v, 4)} AU`,
  heliocentricSpeedKmS: (v) => `${fmt(v, 3)} km/s`,
  lightTimeSeconds: (v) => {
    if (v >= 3600) return `${Math.floor(v / 3600)} h ${Math.floor((v % 3600) / 60)} min`;
    if (v >= 60) return `${Math.floor(v / 60)} min ${Math.floor(v % 60)} s`;
    return `${fmt(v, 1)} s`;
  },
  at: (v) => formatClock(v, { utc: true, seconds: true }),
};

/** Write one telemetry payload into a panel (only the cells it has). */
export function renderTelemetry(panel, t) {
  for (const cell of panel.querySelectorAll("[data-field]")) {
    const key = cell.dataset.field;
    if (!(key in t) || !FORMAT[key]) continue;
    cell.textContent = FORMAT[key](t[key], t);
    if (key === "at") cell.setAttribute("datetime", t.at);
  }
  const stale = panel.querySelector("[data-elements-stale]");
  if (stale && "elementsStale" in t) stale.hidden = !t.elementsStale;
}

/**
 * Follow a mission's telemetry. `onTelemetry(t)` gets the join ack's current
 * value and then every tick; the panel (if any) is updated too.
 */
export function followTelemetry(slug, onTelemetry = () => {}) {
  const panel = document.querySelector(`[data-telemetry][data-mission-slug="${slug}"]`);
  const live = panel && panel.querySelector("[data-telemetry-live]");
  const socket = connect();
  const handle = (t) => {
    if (!t || t.missionId !== slug) return;
    if (panel) renderTelemetry(panel, t);
    if (live) live.hidden = false;
    onTelemetry(t);
  };
  socket.on("mission.telemetry", handle);
  socket.on("disconnect", () => { if (live) live.hidden = true; });
  joinRoom(`mission:${slug}`, (ack) => { if (ack && ack.ok) handle(ack.telemetry); });
}
