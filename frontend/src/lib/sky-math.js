// Small astronomy helpers for the sky map: sidereal time, precession and the
// rotation from equatorial to horizon coordinates, plus star colours.
//
// Frames. Stars, constellation lines and the Milky Way come in J2000 (ICRS)
// RA/Dec; the server gives the Sun, Moon and planets as apparent RA/Dec of
// date. We precess J2000 to the mean equator of date (IAU 1976 angles), then
// rotate by the local sidereal time and the latitude into the horizon frame
// used by the scene: +X east, +Y zenith, −Z north. Nutation (≤ 17″) and stellar
// aberration (≤ 20″) are left out: far below what a screen shows.

export const DEG = Math.PI / 180;

/** Julian date of a JS time (ms since 1970, UTC). */
export function julianDate(ms) {
  return ms / 86400000 + 2440587.5;
}

/**
 * Greenwich mean sidereal time in degrees (IAU 1982, Meeus eq. 12.4):
 * 280.46061837° + 360.98564736629° d + 0.000387933° T² − T³ / 38710000,
 * with d days and T Julian centuries since J2000.0 (UT1 ≈ UTC here).
 */
export function gmstDegrees(ms) {
  const d = julianDate(ms) - 2451545.0;
  const t = d / 36525;
  const g = 280.46061837 + 360.98564736629 * d + 0.000387933 * t * t - (t * t * t) / 38710000;
  return ((g % 360) + 360) % 360;
}

/** Local sidereal time in degrees for an east-positive longitude. */
export function lstDegrees(ms, lonDeg) {
  return (((gmstDegrees(ms) + lonDeg) % 360) + 360) % 360;
}

/** Unit vector of RA/Dec (degrees) in the equatorial frame (x to the equinox, z to the pole). */
export function equatorialVector(raDeg, decDeg) {
  const a = raDeg * DEG;
  const d = decDeg * DEG;
  return [Math.cos(d) * Math.cos(a), Math.cos(d) * Math.sin(a), Math.sin(d)];
}

function mul(a, b) {
  const r = [];
  for (let i = 0; i < 3; i++) {
    r.push([0, 1, 2].map((j) => a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j]));
  }
  return r;
}

const r3 = (x) => [
  [Math.cos(x), Math.sin(x), 0],
  [-Math.sin(x), Math.cos(x), 0],
  [0, 0, 1],
];
const r2 = (x) => [
  [Math.cos(x), 0, -Math.sin(x)],
  [0, 1, 0],
  [Math.sin(x), 0, Math.cos(x)],
];

/** Precession matrix J2000 → mean equator of date (Lieske 1977 ζ, z, θ). */
export function precessionMatrix(ms) {
  const t = (julianDate(ms) - 2451545.0) / 36525;
  const as = DEG / 3600;
  const zeta = (2306.2181 * t + 0.30188 * t * t + 0.017998 * t ** 3) * as;
  const z = (2306.2181 * t + 1.09468 * t * t + 0.018203 * t ** 3) * as;
  const theta = (2004.3109 * t - 0.42665 * t * t - 0.041833 * t ** 3) * as;
  return mul(r3(-z), mul(r2(theta), r3(-zeta)));
}

/**
 * Rotation (3×3, rows) from equatorial of date to the scene's horizon frame:
 * first by the local sidereal time (so x points at the meridian), then tilt by
 * the latitude φ: up = cos φ·x + sin φ·z, north = −sin φ·x + cos φ·z, east = y.
 */
export function horizonMatrix(ms, latDeg, lonDeg) {
  const lst = lstDegrees(ms, lonDeg) * DEG;
  const p = latDeg * DEG;
  const tilt = [
    [0, 1, 0],
    [Math.cos(p), 0, Math.sin(p)],
    [Math.sin(p), 0, -Math.cos(p)],
  ];
  return mul(tilt, r3(lst));
}

export function multiply(a, b) {
  return mul(a, b);
}

export function apply(m, v) {
  return [
    m[0][0] * v[0] + m[0][1] * v[1] + m[0][2] * v[2],
    m[1][0] * v[0] + m[1][1] * v[1] + m[1][2] * v[2],
    m[2][0] * v[0] + m[2][1] * v[1] + m[2][2] * v[2],
  ];
}

/** Scene vector (x east, y up, z south) → {alt, az} in degrees, az from north through east. */
export function altAz(v) {
  const alt = Math.asin(Math.max(-1, Math.min(1, v[1]))) / DEG;
  const az = ((Math.atan2(v[0], -v[2]) / DEG) % 360 + 360) % 360;
  return { alt, az };
}

/** Scene vector for altitude/azimuth in degrees. */
export function fromAltAz(altDeg, azDeg) {
  const a = altDeg * DEG;
  const z = azDeg * DEG;
  return [Math.cos(a) * Math.sin(z), Math.sin(a), -Math.cos(a) * Math.cos(z)];
}

/** Equatorial (x, y, z) → RA hours and Dec degrees. */
export function raDec(v) {
  const ra = ((Math.atan2(v[1], v[0]) / DEG / 15) % 24 + 24) % 24;
  const dec = Math.asin(Math.max(-1, Math.min(1, v[2]))) / DEG;
  return { ra, dec };
}

/** Mean obliquity of the ecliptic in degrees. */
export function obliquity(ms) {
  const t = (julianDate(ms) - 2451545.0) / 36525;
  return 23.4392911 - 0.0130042 * t;
}

/**
 * Star colour from B–V: Ballesteros (2012) gives the temperature, then a
 * blackbody approximation (Helland) gives sRGB; values 0–1.
 */
export function bvToRgb(bv) {
  const b = Math.max(-0.4, Math.min(2.0, Number.isFinite(bv) ? bv : 0.6));
  const t = 4600 * (1 / (0.92 * b + 1.7) + 1 / (0.92 * b + 0.62)) / 100;
  let r;
  let g;
  let bl;
  if (t <= 66) {
    r = 255;
    g = 99.4708025861 * Math.log(t) - 161.1195681661;
    bl = t <= 19 ? 0 : 138.5177312231 * Math.log(t - 10) - 305.0447927307;
  } else {
    r = 329.698727446 * (t - 60) ** -0.1332047592;
    g = 288.1221695283 * (t - 60) ** -0.0755148492;
    bl = 255;
  }
  const c = (x) => Math.max(0, Math.min(255, x)) / 255;
  return [c(r), c(g), c(bl)];
}

export function formatRa(hours) {
  const h = Math.floor(hours);
  const m = (hours - h) * 60;
  return `${h}h ${m.toFixed(1).padStart(4, "0")}m`;
}

export function formatDec(deg) {
  const sign = deg < 0 ? "−" : "+";
  const a = Math.abs(deg);
  const d = Math.floor(a);
  const m = Math.round((a - d) * 60);
  return `${sign}${d}° ${String(m).padStart(2, "0")}′`;
}
