// Live T-minus / T-plus countdowns for every [data-countdown="<ISO time>"]
// element. The server renders the value as of page load; this keeps it ticking.
// One shared timer for the whole page, aligned to whole seconds.

const pad = (n) => String(n).padStart(2, "0");

export function formatCountdown(target, now = Date.now()) {
  const diff = Math.round((target - now) / 1000);
  const left = Math.abs(diff);
  const days = Math.floor(left / 86400);
  const hms = `${pad(Math.floor((left % 86400) / 3600))}:${pad(Math.floor((left % 3600) / 60))}:${pad(left % 60)}`;
  return `${diff >= 0 ? "T−" : "T+"}${days ? `${days}d ` : ""}${hms}`;
}

let timer = null;

export function startCountdowns(root = document) {
  const items = [...root.querySelectorAll("[data-countdown]")]
    .map((el) => ({ el, target: Date.parse(el.dataset.countdown) }))
    .filter((item) => !Number.isNaN(item.target));
  if (!items.length) return;
  const tick = () => {
    const now = Date.now();
    for (const { el, target } of items) {
      const text = formatCountdown(target, now);
      if (el.textContent !== text) el.textContent = text;
      el.classList.toggle("is-past", target <= now);
    }
  };
  tick();
  if (timer) clearTimeout(timer);
  const schedule = () => {
    timer = setTimeout(() => { tick(); schedule(); }, 1000 - (Date.now() % 1000) + 5);
  };
  schedule();
}
