// Class pages: show due dates in the reader's own time, and send the due date
// typed in local time as UTC. Without this script the page says "(UTC)" and
// the server reads the typed time as UTC, so the form works either way.
import { formatClock } from "../lib/time.js";

for (const time of document.querySelectorAll("time[data-local]")) {
  const text = formatClock(time.dateTime);
  if (text) time.textContent = text;
}

for (const form of document.querySelectorAll("form[data-due-form]")) {
  const local = form.elements.namedItem("due");
  const utc = form.elements.namedItem("due_utc");
  const zone = form.querySelector("[data-due-zone]");
  if (!local || !utc) continue;
  if (zone) zone.textContent = "(your local time)";
  form.addEventListener("submit", () => {
    // A datetime-local value has no zone: new Date() reads it as local time.
    const value = local.value ? new Date(local.value) : null;
    utc.value = value && !Number.isNaN(value.getTime()) ? value.toISOString() : "";
  });
}
