// The one format for clock times the pages render in the browser: a 24-hour
// clock, the date in front when the day is not today ("Sat 5 Dec, 14:05";
// with the year when it is not this year), and " UTC" after it when the time
// is given in UTC rather than in the reader's own zone. English names, like
// the rest of the interface.

const cache = new Map();

function parts(date, timeZone) {
  const key = timeZone || "";
  let format = cache.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone: timeZone || undefined,
      weekday: "short", day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    });
    cache.set(key, format);
  }
  const out = {};
  for (const p of format.formatToParts(date)) out[p.type] = p.value;
  return out;
}

/**
 * Format a time (Date, ms or ISO string). Options: `utc` (show it in UTC, and
 * say so), `seconds` (add seconds), `today` (the day counted as "today", a
 * Date or ms: the date is left out on that day; the real today by default).
 * An invalid time gives "".
 */
export function formatClock(value, { utc = false, seconds = false, today = Date.now() } = {}) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  const zone = utc ? "UTC" : undefined;
  const p = parts(date, zone);
  const ref = parts(new Date(today), zone);
  let text = `${p.hour}:${p.minute}${seconds ? `:${p.second}` : ""}`;
  if (p.day !== ref.day || p.month !== ref.month || p.year !== ref.year) {
    const year = p.year !== ref.year ? ` ${p.year}` : "";
    text = `${p.weekday} ${p.day} ${p.month}${year}, ${text}`;
  }
  return utc ? `${text} UTC` : text;
}
