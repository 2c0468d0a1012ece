// The sky map: stars, constellations, the Milky Way, the Sun, Moon and planets
// for a place and time, drawn with Three.js on the inside of a sphere.
//
// Stars and lines are stored once in J2000 equatorial coordinates; a single
// matrix per frame (precession × sidereal rotation × latitude tilt, see
// lib/sky-math.js) turns the whole sky for the observer, so playing time at
// ×10,000 costs nothing per star. Solar-system bodies come from the server's
// `sky` query (apparent RA/Dec of date) and are refetched when the shown time
// drifts more than 20 minutes from the last answer.
import * as THREE from "three";
import starData from "d3-celestial/data/stars.6.json";
import lineData from "d3-celestial/data/constellations.lines.json";
import constellationData from "d3-celestial/data/constellations.json";
import { gql } from "../lib/graphql.js";
import { formatClock } from "../lib/time.js";
import {
  DEG,
  altAz,
  apply,
  bvToRgb,
  equatorialVector,
  formatDec,
  formatRa,
  fromAltAz,
  horizonMatrix,
  multiply,
  obliquity,
  precessionMatrix,
  raDec,
} from "../lib/sky-math.js";

const R = 100; // radius of the celestial sphere in scene units
const REFETCH_MS = 20 * 60 * 1000;
const STORAGE_KEY = "cosmostream.sky.location";
const BODY_STYLE = {
  Sun: { color: "#ffe27a", size: 0.53 },
  Moon: { color: "#e8e6df", size: 0.52 },
  Mercury: { color: "#c9b8a6" },
  Venus: { color: "#fff4d6" },
  Mars: { color: "#ff8a5c" },
  Jupiter: { color: "#f3d7b0" },
  Saturn: { color: "#f0dc9c" },
  Uranus: { color: "#a9e4ef" },
  Neptune: { color: "#7aa5ff" },
};
const SKY_QUERY = `query Sky($lat: Float!, $lon: Float!, $at: DateTime) {
  sky(lat: $lat, lon: $lon, at: $at) {
    at
    bodies { name kind raHours decDegrees altDegrees azDegrees distanceKm distanceAu
             magnitude phaseFraction phaseName constellation rise transit set }
  }
}`;

const root = document.querySelector("[data-sky]");
if (root) start(root);

function start(root) {
  const $ = (sel) => root.querySelector(sel);
  const canvas = $("[data-sky-canvas]");
  const stage = $("[data-sky-stage]");
  const labelsEl = $("[data-sky-labels]");
  const statusEl = $("[data-sky-status]");
  const panel = $("[data-sky-panel]");
  const controls = $("[data-sky-controls]");

  let renderer;
  try {
    renderer = new THREE.WebGLRenderer({ canvas, antialias: true, preserveDrawingBuffer: true });
  } catch {
    // No WebGL: the server-rendered table stays; say why there is no map.
    const note = document.createElement("p");
    note.className = "notice";
    note.textContent = "Your browser cannot draw the 3D sky (WebGL is off); here are the positions instead.";
    $("[data-sky-fallback]").prepend(note);
    return;
  }
  stage.hidden = false;
  controls.hidden = false;
  // The controls act as you change them; Enter in a field must not reload the page.
  controls.addEventListener("submit", (e) => e.preventDefault());

  // ---------- state ----------
  const params = new URLSearchParams(location.search);
  const num = (v, d) => (v !== null && v !== "" && Number.isFinite(Number(v)) ? Number(v) : d);
  const saved = readSaved();
  const state = {
    lat: num(params.get("lat"), saved ? saved.lat : Number(root.dataset.lat)),
    lon: num(params.get("lon"), saved ? saved.lon : Number(root.dataset.lon)),
    time: params.get("t") ? Date.parse(params.get("t")) : Date.now(),
    az: num(params.get("az"), 180),
    alt: num(params.get("alt"), 30),
    fov: num(params.get("fov"), 70),
    speed: 1,
    playing: !params.get("t"),
    live: !params.get("t"),
    night: false,
    selected: null,
  };
  if (!Number.isFinite(state.time)) state.time = Date.now();
  state.lat = clamp(state.lat, -90, 90);
  state.lon = clamp(state.lon, -180, 180);
  state.fov = clamp(state.fov, 1, 120);
  state.alt = clamp(state.alt, -89, 89);

  // ---------- scene ----------
  const scene = new THREE.Scene();
  scene.background = new THREE.Color("#03050d");
  const camera = new THREE.PerspectiveCamera(state.fov, 1, 0.1, 1000);
  camera.position.set(0, 0, 0);
  const j2000 = new THREE.Group(); // stars, lines, Milky Way: J2000 equatorial
  const ofDate = new THREE.Group(); // bodies, equatorial grid, ecliptic: of date
  const horizon = new THREE.Group(); // ground, horizon, alt-az grid: fixed
  for (const g of [j2000, ofDate]) g.matrixAutoUpdate = false;
  scene.add(j2000, ofDate, horizon);

  const toScene = (v) => new THREE.Vector3(v[0] * R, v[1] * R, v[2] * R);

  // Stars: one Points object, size and colour per vertex, round in the shader.
  const stars = starData.features.map((f) => ({
    id: f.id,
    mag: f.properties.mag,
    bv: Number.parseFloat(f.properties.bv),
    ra: ((f.geometry.coordinates[0] % 360) + 360) % 360,
    dec: f.geometry.coordinates[1],
  }));
  const starPos = new Float32Array(stars.length * 3);
  const starColor = new Float32Array(stars.length * 3);
  const starSize = new Float32Array(stars.length);
  stars.forEach((s, i) => {
    s.vec = equatorialVector(s.ra, s.dec);
    starPos.set(s.vec.map((c) => c * R), i * 3);
    starColor.set(bvToRgb(s.bv), i * 3);
    starSize[i] = Math.max(1.5, 1.5 * (6.6 - s.mag));
  });
  const starGeom = new THREE.BufferGeometry();
  starGeom.setAttribute("position", new THREE.BufferAttribute(starPos, 3));
  starGeom.setAttribute("color", new THREE.BufferAttribute(starColor, 3));
  starGeom.setAttribute("size", new THREE.BufferAttribute(starSize, 1));
  const starMaterial = new THREE.ShaderMaterial({
    uniforms: { scale: { value: 1 } },
    vertexShader: `attribute float size; attribute vec3 color; uniform float scale; varying vec3 vColor;
      void main() { vColor = color; gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
        gl_PointSize = size * scale; }`,
    fragmentShader: `varying vec3 vColor;
      void main() { vec2 c = gl_PointCoord - vec2(0.5); float d = length(c); if (d > 0.5) discard;
        float a = smoothstep(0.5, 0.1, d); gl_FragColor = vec4(vColor * a + vec3(0.25) * a * a, a); }`,
    transparent: true,
    depthWrite: false,
  });
  j2000.add(new THREE.Points(starGeom, starMaterial));

  // Constellation lines.
  const linePts = [];
  for (const f of lineData.features) {
    for (const line of f.geometry.coordinates) {
      for (let i = 0; i + 1 < line.length; i++) {
        linePts.push(toScene(equatorialVector(line[i][0], line[i][1])));
        linePts.push(toScene(equatorialVector(line[i + 1][0], line[i + 1][1])));
      }
    }
  }
  const lines = new THREE.LineSegments(
    new THREE.BufferGeometry().setFromPoints(linePts),
    new THREE.LineBasicMaterial({ color: "#3f5b9a", transparent: true, opacity: 0.75 }),
  );
  j2000.add(lines);
  const constellations = constellationData.features.map((f) => ({
    name: f.properties.name,
    abbr: f.id,
    vec: equatorialVector(f.geometry.coordinates[0], f.geometry.coordinates[1]),
  }));

  // Milky Way outline and bright-star names arrive later (big files, own chunks).
  const milkyWay = new THREE.Group();
  j2000.add(milkyWay);
  const namedStars = [];
  import("d3-celestial/data/mw.json").then(({ default: mw }) => {
    const material = new THREE.LineBasicMaterial({ color: "#5b6f9e", transparent: true, opacity: 0.45 });
    for (const f of mw.features) {
      if (f.id !== "ol1" && f.id !== "ol2") continue; // the two outermost contours
      for (const polygon of f.geometry.coordinates) {
        for (const ring of polygon) {
          const pts = ring.map(([ra, dec]) => toScene(equatorialVector(ra, dec)));
          milkyWay.add(new THREE.LineLoop(new THREE.BufferGeometry().setFromPoints(pts), material));
        }
      }
    }
    dirty = true;
  });
  import("d3-celestial/data/starnames.json").then(({ default: names }) => {
    for (const s of stars) {
      const n = names[s.id];
      if (n && n.name) {
        s.name = n.name;
        namedStars.push(s);
      }
    }
    namedStars.sort((a, b) => a.mag - b.mag);
    for (const s of namedStars.slice(0, 40)) addLabel(s.name, "star", () => starScene(s));
    fillSearch();
    dirty = true;
  });

  // Ecliptic (of date) and the equatorial grid.
  const eclPts = [];
  function buildEcliptic() {
    eclPts.length = 0;
    const e = obliquity(state.time) * DEG;
    for (let i = 0; i <= 360; i += 2) {
      const l = i * DEG;
      eclPts.push(toScene([Math.cos(l), Math.sin(l) * Math.cos(e), Math.sin(l) * Math.sin(e)]));
    }
  }
  buildEcliptic();
  const ecliptic = new THREE.Line(
    new THREE.BufferGeometry().setFromPoints(eclPts),
    new THREE.LineDashedMaterial({ color: "#c9a227", dashSize: 1.2, gapSize: 0.8 }),
  );
  ecliptic.computeLineDistances();
  ofDate.add(ecliptic);

  const eqGrid = gridLines((a, b) => equatorialVector(a, b), "#2f6b5a");
  eqGrid.visible = false;
  ofDate.add(eqGrid);
  const altazGrid = gridLines((a, b) => fromAltAz(b, a), "#6b4a2f");
  altazGrid.visible = false;
  horizon.add(altazGrid);

  // The ground: a dark, slightly see-through lower hemisphere and the horizon line.
  const ground = new THREE.Mesh(
    new THREE.SphereGeometry(R * 0.98, 64, 16, 0, Math.PI * 2, Math.PI / 2, Math.PI / 2),
    new THREE.MeshBasicMaterial({ color: "#0d1a12", side: THREE.BackSide, transparent: true, opacity: 0.88, depthWrite: false }),
  );
  ground.renderOrder = 10;
  horizon.add(ground);
  const horizonPts = [];
  for (let a = 0; a <= 360; a += 2) horizonPts.push(toScene(fromAltAz(0, a)));
  const horizonLine = new THREE.Line(
    new THREE.BufferGeometry().setFromPoints(horizonPts),
    new THREE.LineBasicMaterial({ color: "#4f8a5f" }),
  );
  horizonLine.renderOrder = 11;
  horizon.add(horizonLine);

  // Solar-system bodies: sprites with a drawn disc (the Moon shows its phase).
  let bodies = [];
  const bodySprites = new Map();
  let skyAt = null;
  let fetching = false;

  // ---------- labels ----------
  const labels = [];
  function addLabel(text, kind, position) {
    const el = document.createElement("span");
    el.className = `sky-label sky-label-${kind}`;
    el.textContent = text;
    labelsEl.append(el);
    labels.push({ el, position, kind });
  }
  for (const [name, az] of [["N", 0], ["NE", 45], ["E", 90], ["SE", 135], ["S", 180], ["SW", 225], ["W", 270], ["NW", 315]]) {
    addLabel(name, "cardinal", () => toScene(fromAltAz(0.5, az)));
  }
  for (const c of constellations) addLabel(c.name, "constellation", () => toScene(apply(starMatrix, c.vec)));

  // ---------- transforms ----------
  let starMatrix = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  let dateMatrix = starMatrix;
  function setMatrix(group, m) {
    group.matrix.set(m[0][0], m[0][1], m[0][2], 0, m[1][0], m[1][1], m[1][2], 0, m[2][0], m[2][1], m[2][2], 0, 0, 0, 0, 1);
    group.matrixWorldNeedsUpdate = true;
  }
  function updateSky() {
    dateMatrix = horizonMatrix(state.time, state.lat, state.lon);
    starMatrix = multiply(dateMatrix, precessionMatrix(state.time));
    setMatrix(ofDate, dateMatrix);
    setMatrix(j2000, starMatrix);
    dirty = true;
  }
  const starScene = (s) => toScene(apply(starMatrix, s.vec));
  const bodyScene = (b) => toScene(apply(dateMatrix, equatorialVector(b.raHours * 15, b.decDegrees)));

  // ---------- view ----------
  function updateCamera() {
    camera.fov = state.fov;
    const d = fromAltAz(state.alt, state.az);
    camera.up.set(0, 1, 0);
    camera.lookAt(d[0], d[1], d[2]);
    camera.updateProjectionMatrix();
    starMaterial.uniforms.scale.value = clamp(Math.sqrt(70 / state.fov), 0.8, 3) * renderer.getPixelRatio();
    dirty = true;
  }
  function resize() {
    const w = stage.clientWidth;
    const h = stage.clientHeight;
    renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    renderer.setSize(w, h, false);
    camera.aspect = w / Math.max(1, h);
    updateCamera();
  }
  new ResizeObserver(resize).observe(stage);

  /** Screen position (CSS px within the canvas) of a scene point, or null when off screen. */
  function project(p) {
    const v = p.clone().project(camera);
    if (v.z > 1 || v.z < -1 || Math.abs(v.x) > 1.05 || Math.abs(v.y) > 1.05) return null;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    return { x: ((v.x + 1) / 2) * w, y: ((1 - v.y) / 2) * h };
  }

  // ---------- bodies ----------
  function discTexture(color, phase, waxing) {
    const size = 128;
    const c = document.createElement("canvas");
    c.width = c.height = size;
    const g = c.getContext("2d");
    const r = size / 2 - 4;
    const m = size / 2;
    if (phase === undefined) {
      const grad = g.createRadialGradient(m, m, r * 0.2, m, m, r);
      grad.addColorStop(0, "#ffffff");
      grad.addColorStop(0.55, color);
      grad.addColorStop(1, "rgba(0,0,0,0)");
      g.fillStyle = grad;
      g.beginPath();
      g.arc(m, m, r, 0, Math.PI * 2);
      g.fill();
    } else {
      // Dark disc, then the lit part: bright limb on +x (turned to the Sun later).
      g.fillStyle = "#262626";
      g.beginPath();
      g.arc(m, m, r, 0, Math.PI * 2);
      g.fill();
      g.fillStyle = color;
      g.beginPath();
      g.arc(m, m, r, -Math.PI / 2, Math.PI / 2, false);
      const rx = r * Math.abs(1 - 2 * phase);
      g.ellipse(m, m, Math.max(0.01, rx), r, 0, Math.PI / 2, -Math.PI / 2, phase < 0.5);
      g.fill();
    }
    const texture = new THREE.CanvasTexture(c);
    texture.colorSpace = THREE.SRGBColorSpace;
    return texture;
  }

  function setBodies(list) {
    bodies = list;
    for (const b of list) {
      let entry = bodySprites.get(b.name);
      const style = BODY_STYLE[b.name] || { color: "#ffffff" };
      const moonKey = b.name === "Moon" ? Math.round(b.phaseFraction * 50) : null;
      if (!entry || entry.moonKey !== moonKey) {
        if (entry) {
          ofDate.remove(entry.sprite);
          entry.sprite.material.map.dispose();
          entry.sprite.material.dispose();
        }
        const map = discTexture(style.color, b.name === "Moon" ? b.phaseFraction : undefined);
        const sprite = new THREE.Sprite(new THREE.SpriteMaterial({ map, depthWrite: false, transparent: true }));
        sprite.renderOrder = 5;
        ofDate.add(sprite);
        const old = entry;
        entry = { sprite, moonKey };
        bodySprites.set(b.name, entry);
        if (!old) addLabel(b.name, "body", () => bodyScene(bodyByName(b.name)));
      }
      const v = equatorialVector(b.raHours * 15, b.decDegrees);
      entry.sprite.position.set(v[0] * R, v[1] * R, v[2] * R);
    }
    dirty = true;
  }
  const bodyByName = (name) => bodies.find((b) => b.name === name);

  function sizeBodies() {
    const worldPerPx = (2 * R * Math.tan((state.fov * DEG) / 2)) / Math.max(1, canvas.clientHeight);
    for (const b of bodies) {
      const entry = bodySprites.get(b.name);
      const style = BODY_STYLE[b.name] || {};
      const minPx = b.name === "Sun" || b.name === "Moon" ? 16 : clamp(11 - (b.magnitude ?? 6) * 1.2, 5, 14);
      const s = Math.max((style.size || 0) * DEG * R * 1.15, minPx * worldPerPx);
      entry.sprite.scale.set(s, s, 1);
    }
    // Turn the Moon's lit limb towards the Sun as seen on screen.
    const moon = bodyByName("Moon");
    const sun = bodyByName("Sun");
    if (moon && sun) {
      const m = bodyScene(moon).normalize();
      const s = bodyScene(sun).normalize();
      const toward = s.clone().sub(m.clone().multiplyScalar(m.dot(s))).normalize();
      const a = m.clone().multiplyScalar(R).project(camera);
      const b = m.clone().multiplyScalar(Math.cos(0.01)).add(toward.multiplyScalar(Math.sin(0.01))).multiplyScalar(R).project(camera);
      bodySprites.get("Moon").sprite.material.rotation = Math.atan2((b.y - a.y) / camera.aspect, b.x - a.x) + 0;
    }
  }

  async function fetchSky() {
    if (fetching) return;
    fetching = true;
    const at = new Date(state.time).toISOString();
    try {
      const data = await gql(SKY_QUERY, { lat: state.lat, lon: state.lon, at });
      skyAt = Date.parse(data.sky.at);
      setBodies(data.sky.bodies);
      renderTable(data.sky.bodies, skyAt);
      if (statusEl.dataset.kind === "error") setStatus("");
      refreshPanel();
      window.__sky.ready = true;
    } catch (err) {
      setStatus(err.message, "error");
      skyAt = state.time; // do not hammer the server; retried when time moves on
    } finally {
      fetching = false;
    }
  }
  // The server-rendered planets table, kept for the time and place shown
  // (same columns and figures as the server's; times in the reader's zone).
  function renderTable(list, at) {
    const tbody = root.querySelector("[data-sky-table-body]");
    if (!tbody) return;
    const when = root.querySelector("[data-sky-table-when]");
    if (when) when.textContent = `From latitude ${state.lat.toFixed(4)}°, longitude ${state.lon.toFixed(4)}° at ${formatClock(at)} (your time).`;
    const rise = root.querySelector("[data-sky-table-rise]");
    if (rise) rise.textContent = "Rise";
    const signed = (x) => `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(1)}°`;
    tbody.replaceChildren(...list.map((b) => {
      const tr = document.createElement("tr");
      tr.dataset.body = b.name;
      if (b.altDegrees < 0) tr.className = "is-below";
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = b.name;
      if (b.phaseName) {
        const span = document.createElement("span");
        span.className = "muted";
        span.textContent = `(${b.phaseName}, ${(b.phaseFraction * 100).toFixed(0)}% lit)`;
        th.append(" ", span);
      }
      const raMinutes = Math.floor((b.raHours * 60) % 60);
      const cells = [
        `${Math.floor(b.raHours)}h ${String(raMinutes).padStart(2, "0")}m`,
        signed(b.decDegrees),
        signed(b.altDegrees),
        `${b.azDegrees.toFixed(1)}°`,
        b.magnitude === null ? "–" : b.magnitude.toFixed(1),
        b.constellation,
        fmtTime(b.rise),
        fmtTime(b.transit),
        fmtTime(b.set),
        b.distanceAu < 0.01
          ? `${Math.round(b.distanceKm).toLocaleString("en")} km`
          : `${b.distanceAu.toFixed(3)} AU`,
      ];
      tr.append(th, ...cells.map((text) => {
        const td = document.createElement("td");
        td.textContent = text;
        return td;
      }));
      return tr;
    }));
  }

  function maybeFetch(force = false) {
    if (force || skyAt === null || Math.abs(state.time - skyAt) > REFETCH_MS) fetchSky();
  }

  // ---------- ISS (drawn only when the server has the `issSkyTrack` query) ----------
  const iss = issLayer();

  function issLayer() {
    if (root.dataset.iss !== "true") return { update() {}, pick: () => null, info: () => null };
    const group = new THREE.Group();
    horizon.add(group);
    let points = [];
    let fetchedFor = null;
    const dot = new THREE.Sprite(new THREE.SpriteMaterial({ map: discTexture("#9ff0ff"), depthWrite: false }));
    dot.visible = false;
    dot.renderOrder = 6;
    group.add(dot);
    let path = null;
    addLabel("ISS", "body", () => (dot.visible ? dot.position.clone() : null));
    async function load() {
      fetchedFor = state.time;
      points = [];
      // The orbit elements are only good for weeks: the server answers within 30 days of now.
      if (Math.abs(state.time - Date.now()) < 29 * 86400000) {
        try {
          const data = await gql(
            `query IssSkyTrack($lat: Float!, $lon: Float!, $at: DateTime, $m: Int!) {
              issSkyTrack(lat: $lat, lon: $lon, at: $at, minutes: $m) {
                at altDegrees: altitude azDegrees: azimuth sunlit } }`,
            { lat: state.lat, lon: state.lon, at: new Date(state.time - 10 * 60000).toISOString(), m: 100 },
          );
          points = (data.issSkyTrack || []).map((p) => ({ ...p, t: Date.parse(p.at) }));
        } catch {
          points = []; // no elements yet: no ISS on the map
        }
      }
      if (path) group.remove(path);
      const segments = [];
      for (let i = 0; i + 1 < points.length; i++) {
        const a = points[i];
        const b = points[i + 1];
        if (a.altDegrees < -2 && b.altDegrees < -2) continue;
        segments.push(toScene(fromAltAz(a.altDegrees, a.azDegrees)), toScene(fromAltAz(b.altDegrees, b.azDegrees)));
      }
      path = new THREE.LineSegments(
        new THREE.BufferGeometry().setFromPoints(segments),
        new THREE.LineBasicMaterial({ color: "#9ff0ff", transparent: true, opacity: 0.7 }),
      );
      path.renderOrder = 12;
      group.add(path);
      dirty = true;
    }
    return {
      update() {
        if (fetchedFor === null || Math.abs(state.time - fetchedFor) > 5 * 60000) load();
        const i = points.findIndex((p) => p.t >= state.time);
        if (i <= 0) {
          dot.visible = false;
          return;
        }
        const a = points[i - 1];
        const b = points[i];
        const f = (state.time - a.t) / Math.max(1, b.t - a.t);
        const va = new THREE.Vector3(...fromAltAz(a.altDegrees, a.azDegrees));
        const vb = new THREE.Vector3(...fromAltAz(b.altDegrees, b.azDegrees));
        const v = va.lerp(vb, f).normalize();
        dot.position.copy(v.multiplyScalar(R));
        dot.visible = true;
        const worldPerPx = (2 * R * Math.tan((state.fov * DEG) / 2)) / Math.max(1, canvas.clientHeight);
        dot.scale.set(10 * worldPerPx, 10 * worldPerPx, 1);
        this.current = { ...altAz([v.x / R, v.y / R, v.z / R]), sunlit: b.sunlit };
      },
      info: () => ({ points: points.length, visible: dot.visible, ...(dot.visible ? altAz(dot.position.toArray().map((c) => c / R)) : {}) }),
      pick(x, y) {
        if (!dot.visible) return null;
        const p = project(dot.position);
        return p && Math.hypot(p.x - x, p.y - y) < 14 ? { kind: "iss", name: "ISS" } : null;
      },
    };
  }

  // ---------- render loop ----------
  let dirty = true;
  let lastFrame = performance.now();
  let lastUi = 0;
  let drawnTime = state.time;
  function frame(now) {
    const dt = now - lastFrame;
    lastFrame = now;
    if (state.playing) {
      state.time += dt * state.speed;
      // The sky turns 15″ per second of time: at ×1 one redraw a second is plenty.
      if (Math.abs(state.time - drawnTime) >= 1000) {
        drawnTime = state.time;
        updateSky();
      }
      maybeFetch();
      if (now - lastUi > 1000) {
        lastUi = now;
        syncUi();
      }
    }
    if (dirty) {
      iss.update();
      sizeBodies();
      renderer.render(scene, camera);
      placeLabels();
      if (state.selected && state.playing) refreshPanel();
      dirty = false;
      scheduleUrl();
    }
    requestAnimationFrame(frame);
  }

  function placeLabels() {
    const showLines = lines.visible;
    for (const l of labels) {
      if (l.kind === "constellation" && !showLines) {
        l.el.hidden = true;
        continue;
      }
      const p = l.position();
      const s = p && project(p);
      if (!s) {
        l.el.hidden = true;
        continue;
      }
      l.el.hidden = false;
      l.el.classList.toggle("is-below", p.y < 0 && l.kind !== "cardinal");
      l.el.style.transform = `translate(${s.x.toFixed(1)}px, ${s.y.toFixed(1)}px)`;
    }
  }

  // ---------- picking & panel ----------
  function pickAt(x, y) {
    const hitIss = iss.pick(x, y);
    if (hitIss) return hitIss;
    let best = null;
    let bestD = 14;
    for (const b of bodies) {
      const s = project(bodyScene(b));
      const d = s && Math.hypot(s.x - x, s.y - y);
      if (s && d < bestD + 4) {
        best = { kind: "body", name: b.name };
        bestD = d - 4; // bodies win ties against stars
      }
    }
    for (const st of stars) {
      if (st.mag > 5.5 && !st.name) continue;
      const s = project(starScene(st));
      const d = s && Math.hypot(s.x - x, s.y - y);
      if (s && d < bestD) {
        best = { kind: "star", star: st, name: st.name || `HIP ${st.id}` };
        bestD = d;
      }
    }
    return best;
  }

  function select(target) {
    state.selected = target;
    refreshPanel();
  }

  function fmtTime(iso) {
    return iso ? formatClock(iso) : "–";
  }

  function refreshPanel() {
    const t = state.selected;
    if (!t) {
      panel.hidden = true;
      return;
    }
    const facts = [];
    let title = t.name;
    if (t.kind === "body") {
      const b = bodyByName(t.name);
      if (!b) return;
      const h = altAz(apply(dateMatrix, equatorialVector(b.raHours * 15, b.decDegrees)));
      facts.push(["Type", b.kind === "PLANET" ? "Planet" : b.kind === "SUN" ? "Star (the Sun)" : "Moon"]);
      facts.push(["Magnitude", b.magnitude === null ? "–" : b.magnitude.toFixed(1)]);
      if (b.phaseName) facts.push(["Phase", `${b.phaseName}, ${(b.phaseFraction * 100).toFixed(0)}% lit`]);
      else if (b.phaseFraction !== null && b.kind === "PLANET") facts.push(["Illuminated", `${(b.phaseFraction * 100).toFixed(0)}%`]);
      facts.push(["RA / Dec (of date)", `${formatRa(b.raHours)} / ${formatDec(b.decDegrees)}`]);
      facts.push(["Alt / Az", `${h.alt.toFixed(1)}° / ${h.az.toFixed(1)}°`, "altaz"]);
      facts.push(["Constellation", b.constellation]);
      facts.push(["Rise", fmtTime(b.rise)], ["Transit", fmtTime(b.transit)], ["Set", fmtTime(b.set)]);
      facts.push([
        "Distance",
        b.distanceAu < 0.01
          ? `${Math.round(b.distanceKm).toLocaleString()} km`
          : `${b.distanceAu.toFixed(3)} AU (${(b.distanceKm / 1e6).toFixed(1)} million km)`,
      ]);
    } else if (t.kind === "star") {
      const s = t.star;
      const h = altAz(apply(starMatrix, s.vec));
      facts.push(["Type", "Star"], ["Magnitude", s.mag.toFixed(2)]);
      if (Number.isFinite(s.bv)) facts.push(["B–V colour index", s.bv.toFixed(2)]);
      facts.push(["RA / Dec (J2000)", `${formatRa(s.ra / 15)} / ${formatDec(s.dec)}`]);
      facts.push(["Alt / Az", `${h.alt.toFixed(1)}° / ${h.az.toFixed(1)}°`, "altaz"]);
      facts.push(["Catalogue", `HIP ${s.id}`]);
    } else if (t.kind === "constellation") {
      const c = constellations.find((x) => x.name === t.name);
      const h = altAz(apply(starMatrix, c.vec));
      title = c.name;
      facts.push(["Type", "Constellation"], ["Abbreviation", c.abbr]);
      facts.push(["Alt / Az (centre)", `${h.alt.toFixed(1)}° / ${h.az.toFixed(1)}°`, "altaz"]);
    } else if (t.kind === "iss") {
      const c = iss.current;
      facts.push(["Type", "Space station"]);
      if (c) facts.push(["Alt / Az", `${c.alt.toFixed(1)}° / ${c.az.toFixed(1)}°`, "altaz"], ["Sunlit", c.sunlit ? "yes" : "no"]);
    }
    $("[data-sky-panel-title]").textContent = title;
    const dl = $("[data-sky-panel-facts]");
    dl.replaceChildren(
      ...facts.flatMap(([k, v, key]) => {
        const dt = document.createElement("dt");
        dt.textContent = k;
        const dd = document.createElement("dd");
        dd.textContent = v;
        if (key) dd.dataset.fact = key;
        else dd.dataset.fact = k.toLowerCase().split(" ")[0];
        return [dt, dd];
      }),
    );
    panel.hidden = false;
  }
  $("[data-sky-panel-close]").addEventListener("click", () => select(null));

  // ---------- input ----------
  let drag = null;
  canvas.addEventListener("pointerdown", (e) => {
    drag = { x: e.clientX, y: e.clientY, az: state.az, alt: state.alt, moved: false };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
    if (!drag.moved) return;
    const degPerPx = state.fov / Math.max(1, canvas.clientHeight);
    state.az = (((drag.az - dx * degPerPx) % 360) + 360) % 360;
    state.alt = clamp(drag.alt + dy * degPerPx, -89, 89);
    updateCamera();
  });
  canvas.addEventListener("pointerup", (e) => {
    const d = drag;
    drag = null;
    if (d && !d.moved) {
      const rect = canvas.getBoundingClientRect();
      select(pickAt(e.clientX - rect.left, e.clientY - rect.top));
    }
  });
  canvas.addEventListener(
    "wheel",
    (e) => {
      e.preventDefault();
      state.fov = clamp(state.fov * Math.exp(e.deltaY * 0.001), 1, 120);
      updateCamera();
    },
    { passive: false },
  );
  canvas.tabIndex = 0;
  canvas.addEventListener("keydown", (e) => {
    const step = state.fov / 10;
    const keys = {
      ArrowLeft: () => (state.az = (state.az - step + 360) % 360),
      ArrowRight: () => (state.az = (state.az + step) % 360),
      ArrowUp: () => (state.alt = clamp(state.alt + step, -89, 89)),
      ArrowDown: () => (state.alt = clamp(state.alt - step, -89, 89)),
      "+": () => (state.fov = clamp(state.fov / 1.2, 1, 120)),
      "-": () => (state.fov = clamp(state.fov * 1.2, 1, 120)),
    };
    if (keys[e.key]) {
      e.preventDefault();
      keys[e.key]();
      updateCamera();
    }
  });

  // Time.
  const timeInput = $("[data-sky-time]");
  const speedInput = $("[data-sky-speed]");
  const playButton = $("[data-sky-play]");
  function setTime(ms, { playing = false } = {}) {
    state.time = ms;
    state.playing = playing;
    state.live = false;
    buildEclipticIfNeeded();
    updateSky();
    refreshPanel();
    maybeFetch(true);
    syncUi();
  }
  let eclipticYear = new Date(state.time).getUTCFullYear();
  function buildEclipticIfNeeded() {
    const y = new Date(state.time).getUTCFullYear();
    if (Math.abs(y - eclipticYear) < 50) return;
    eclipticYear = y;
    buildEcliptic();
    ecliptic.geometry.setFromPoints(eclPts);
    ecliptic.computeLineDistances();
  }
  timeInput.addEventListener("change", () => {
    const ms = new Date(timeInput.value).getTime(); // datetime-local is local time
    if (Number.isFinite(ms)) setTime(ms);
  });
  $("[data-sky-now]").addEventListener("click", () => {
    setTime(Date.now(), { playing: true });
    state.speed = 1;
    speedInput.value = "1";
    state.live = true;
    syncUi();
  });
  speedInput.addEventListener("change", () => {
    state.speed = Number(speedInput.value);
    state.live = false;
  });
  playButton.addEventListener("click", () => {
    state.playing = !state.playing;
    state.speed = Number(speedInput.value);
    state.live = false;
    lastFrame = performance.now();
    syncUi();
  });

  function localInputValue(ms) {
    const d = new Date(ms);
    const p = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  }
  function syncUi() {
    if (document.activeElement !== timeInput) timeInput.value = localInputValue(state.time);
    playButton.textContent = state.playing ? "Pause" : "Play";
    playButton.setAttribute("aria-pressed", String(state.playing));
    root.classList.toggle("is-night", state.night);
  }

  // Place.
  const latInput = $("[data-sky-lat]");
  const lonInput = $("[data-sky-lon]");
  function setPlace(lat, lon) {
    if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
      setStatus("Latitude must be between −90 and 90, longitude between −180 and 180.", "error");
      return;
    }
    state.lat = lat;
    state.lon = lon;
    latInput.value = lat.toFixed(4);
    lonInput.value = lon.toFixed(4);
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ lat, lon }));
    } catch {
      /* private mode: the URL still holds the place */
    }
    updateSky();
    maybeFetch(true);
    setStatus(`Observing from ${lat.toFixed(2)}°, ${lon.toFixed(2)}°.`);
  }
  latInput.value = state.lat.toFixed(4);
  lonInput.value = state.lon.toFixed(4);
  $("[data-sky-apply-place]").addEventListener("click", () => setPlace(Number(latInput.value), Number(lonInput.value)));
  for (const input of [latInput, lonInput]) {
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") setPlace(Number(latInput.value), Number(lonInput.value));
    });
  }
  const locate = $("[data-sky-locate]");
  if (!navigator.geolocation) locate.hidden = true;
  locate.addEventListener("click", () => {
    setStatus("Asking your browser for your location…");
    navigator.geolocation.getCurrentPosition(
      (pos) => setPlace(pos.coords.latitude, pos.coords.longitude),
      () => setStatus("Your browser did not share a location; type it instead.", "error"),
      { timeout: 10000, maximumAge: 600000 },
    );
  });

  // Toggles.
  for (const box of root.querySelectorAll("[data-sky-toggle]")) {
    const onToggle = () => {
      const on = box.checked;
      switch (box.dataset.skyToggle) {
        case "lines": lines.visible = on; break;
        case "altaz": altazGrid.visible = on; break;
        case "equatorial": eqGrid.visible = on; break;
        case "ecliptic": ecliptic.visible = on; break;
        case "milkyway": milkyWay.visible = on; break;
        case "night": state.night = on; syncUi(); break;
      }
      dirty = true;
    };
    box.addEventListener("change", onToggle);
    onToggle();
  }

  // Search with fly-to.
  const search = $("[data-sky-search]");
  function fillSearch() {
    const names = [
      ...Object.keys(BODY_STYLE),
      ...namedStars.map((s) => s.name),
      ...constellations.map((c) => c.name),
    ];
    $("[data-sky-search-names]").replaceChildren(
      ...names.map((n) => Object.assign(document.createElement("option"), { value: n })),
    );
  }
  fillSearch();
  function find(name) {
    const q = name.trim().toLowerCase();
    if (!q) return null;
    const body = bodies.find((b) => b.name.toLowerCase() === q);
    if (body) return { target: { kind: "body", name: body.name }, pos: () => bodyScene(body) };
    const star = namedStars.find((s) => s.name.toLowerCase() === q);
    if (star) return { target: { kind: "star", star, name: star.name }, pos: () => starScene(star) };
    const c = constellations.find((x) => x.name.toLowerCase() === q || x.abbr.toLowerCase() === q);
    if (c) return { target: { kind: "constellation", name: c.name }, pos: () => toScene(apply(starMatrix, c.vec)) };
    return null;
  }
  function flyTo(name) {
    const found = find(name);
    if (!found) {
      setStatus(`Nothing called “${name}” on this map.`, "error");
      return false;
    }
    const p = found.pos();
    const goal = altAz([p.x / R, p.y / R, p.z / R]);
    const from = { az: state.az, alt: state.alt };
    let dAz = ((goal.az - from.az + 540) % 360) - 180;
    const t0 = performance.now();
    const reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    const duration = reduce ? 0 : 700;
    const step = (now) => {
      const k = duration ? Math.min(1, (now - t0) / duration) : 1;
      const e = k < 0.5 ? 2 * k * k : 1 - (-2 * k + 2) ** 2 / 2;
      state.az = (from.az + dAz * e + 360) % 360;
      state.alt = clamp(from.alt + (goal.alt - from.alt) * e, -89, 89);
      updateCamera();
      if (k < 1) requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
    select(found.target);
    setStatus(goal.alt < 0 ? `${found.target.name} is below the horizon now.` : "");
    return true;
  }
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter") flyTo(search.value);
  });
  search.addEventListener("change", () => {
    if (find(search.value)) flyTo(search.value);
  });
  $("[data-sky-go]").addEventListener("click", () => flyTo(search.value));

  function setStatus(text, kind = "info") {
    statusEl.textContent = text;
    statusEl.dataset.kind = kind;
  }

  // ---------- URL ----------
  // At most one history update per 400 ms: browsers throttle replaceState.
  let urlTimer = null;
  function scheduleUrl() {
    if (urlTimer === null) {
      urlTimer = setTimeout(() => {
        urlTimer = null;
        writeUrl();
      }, 400);
    }
  }
  function writeUrl() {
    const q = new URLSearchParams();
    q.set("lat", state.lat.toFixed(4));
    q.set("lon", state.lon.toFixed(4));
    if (!state.live) q.set("t", new Date(Math.round(state.time / 1000) * 1000).toISOString().replace(".000Z", "Z"));
    q.set("az", state.az.toFixed(1));
    q.set("alt", state.alt.toFixed(1));
    q.set("fov", state.fov.toFixed(1));
    const url = `${location.pathname}?${q}`;
    if (url !== location.pathname + location.search) history.replaceState(null, "", url);
  }

  // ---------- test hooks ----------
  window.__sky = {
    canvas,
    ready: false,
    state: () => ({ ...state, time: new Date(state.time).toISOString(), selected: state.selected && state.selected.name }),
    bodies: () => bodies.map((b) => ({ ...b })),
    /** Page coordinates (CSS px) of a body's centre, or null when it is off screen. */
    screenPosition(name) {
      const b = bodyByName(name);
      if (!b) return null;
      const s = project(bodyScene(b));
      if (!s) return null;
      const rect = canvas.getBoundingClientRect();
      return { x: rect.left + s.x, y: rect.top + s.y, ...altAz(apply(dateMatrix, equatorialVector(b.raHours * 15, b.decDegrees))) };
    },
    /** The ISS layer: null when the server has no `issSkyTrack`, else {points, visible, alt, az}. */
    iss: () => iss.info(),
    setTime: (iso) => setTime(Date.parse(iso)),
    flyTo,
    select: (name) => select(find(name)?.target || null),
  };

  updateSky();
  resize();
  syncUi();
  maybeFetch(true);
  requestAnimationFrame(frame);
}

function gridLines(toVec, color) {
  // Meridians every 15° (1 h of RA) and parallels every 15°, as line segments.
  const pts = [];
  const push = (a, b) => {
    const v = toVec(a, b);
    pts.push(new THREE.Vector3(v[0] * R, v[1] * R, v[2] * R));
  };
  for (let a = 0; a < 360; a += 15) {
    for (let b = -90; b < 90; b += 3) {
      push(a, b);
      push(a, b + 3);
    }
  }
  for (let b = -75; b <= 75; b += 15) {
    for (let a = 0; a < 360; a += 3) {
      push(a, b);
      push(a + 3, b);
    }
  }
  return new THREE.LineSegments(
    new THREE.BufferGeometry().setFromPoints(pts),
    new THREE.LineBasicMaterial({ color, transparent: true, opacity: 0.6 }),
  );
}

function clamp(x, lo, hi) {
  return Math.min(hi, Math.max(lo, x));
}

function readSaved() {
  try {
    const v = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
    return v && Number.isFinite(v.lat) && Number.isFinite(v.lon) ? v : null;
  } catch {
    return null;
  }
}
