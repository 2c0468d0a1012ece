// Lesson pages (templates/learning/lesson.html). The server renders every lesson
// and the quiz as plain forms; this adds:
// - formulae typeset with KaTeX (the server marks them `.math`, TeX as text);
// - the player, with the platform's playback events (progress is what the
//   server measures from them — nothing here says "completed"), and the video's
//   questions: playback pauses at a question's time, the learner answers through
//   `startQuizAttempt` / `saveAnswer`, and playback goes on;
// - in the quiz form: save as you go, time left, drag ordering, the sky map.
import { typeset } from "../lib/formulae.js";
import { gql } from "../lib/graphql.js";
import { initPlayer } from "../lib/player.js";
import { enhanceOrdering, enhanceSky, readAnswer, renderQuestion } from "../lib/quiz-ui.js";
import { toast } from "../lib/toast.js";

// ---------------------------------------------------------------- video questions

const START = `mutation($quiz: ID!, $lat: Float, $lon: Float) {
  startQuizAttempt(quizId: $quiz, latitude: $lat, longitude: $lon) {
    id
    questions { id prompt points kind mode options { id text } units parameters { name value }
      target latitude longitude at body event after needsPlace savedAnswer }
  }
}`;
const SAVE = "mutation($a: ID!, $answer: AnswerInput!) { saveAnswer(attemptId: $a, answer: $answer) }";

function setupVideoLesson(box) {
  const root = box.querySelector("[data-player]");
  if (!root) return;
  const { video } = initPlayer(root);
  const quizId = box.dataset.quizId;
  let marks = [];
  try {
    marks = JSON.parse(box.dataset.marks || "[]");
  } catch {
    marks = [];
  }
  if (!quizId || !marks.length) return;
  // The form below the video is for pages without JavaScript.
  const fallback = document.querySelector("[data-video-fallback]");
  if (fallback) fallback.hidden = true;

  const dialog = box.querySelector("[data-video-question]");
  const form = box.querySelector("[data-video-question-form]");
  const body = box.querySelector("[data-video-question-body]");
  const error = box.querySelector("[data-video-question-error]");
  let attempt = null; // {id, questions}
  let asking = null; // {mark, question, fieldset}

  async function loadAttempt() {
    if (!attempt) attempt = (await gql(START, { quiz: quizId })).startQuizAttempt;
    return attempt;
  }

  async function ask(mark) {
    asking = { mark };
    video.pause();
    // The question shows over the player, not over a full-screen video.
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    try {
      const current = await loadAttempt();
      const question = current.questions.find((q) => q.id === mark.id);
      if (!question) {
        mark.answered = true;
        asking = null;
        return;
      }
      const fieldset = renderQuestion(question);
      body.replaceChildren(fieldset);
      asking = { mark, question, fieldset };
      error.hidden = true;
      dialog.hidden = false;
      box.classList.add("is-asking");
      fieldset.querySelector("input, select, button")?.focus();
    } catch (err) {
      asking = null;
      toast(err.message || "The question could not be loaded.", "error");
    }
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!asking || !asking.question) return;
    const answer = readAnswer(asking.fieldset, asking.question);
    if (!answer) {
      error.textContent = "Answer the question to go on.";
      error.hidden = false;
      return;
    }
    try {
      await gql(SAVE, { a: attempt.id, answer });
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      return;
    }
    asking.mark.answered = true;
    close();
    toast("Answer saved.", "success");
    video.play().catch(() => {});
  });

  function close() {
    asking = null;
    dialog.hidden = true;
    box.classList.remove("is-asking");
  }

  // While a question is open the video stays paused.
  video.addEventListener("play", () => {
    if (asking) video.pause();
  });
  // Questions skipped by seeking past them are asked when the video ends.
  video.addEventListener("ended", () => {
    const left = marks.find((m) => !m.answered);
    if (left && !asking) ask(left);
  });
  let last = video.currentTime || 0;
  video.addEventListener("timeupdate", () => {
    const now = video.currentTime;
    // A question is asked when playback runs through its time, not on a seek past it.
    const ran = now >= last && now - last < 2;
    if (!asking && ran && !video.seeking) {
      const due = marks.find((m) => !m.answered && m.at > last - 0.01 && m.at <= now);
      if (due) ask(due);
    }
    last = now;
  });
}

// ---------------------------------------------------------------- the quiz form

function setupQuizForm(form) {
  for (const list of form.querySelectorAll("[data-ordering]")) enhanceOrdering(list);
  for (const box of form.querySelectorAll("[data-question][data-kind='sky']")) enhanceSky(box);
  const status = form.querySelector("[data-save-status]");
  let timer = 0;
  let saving = false;

  // Save as you go: the same form post as the Save button, in the background.
  async function save() {
    if (saving) return;
    saving = true;
    const data = new FormData(form);
    data.set("action", "save");
    try {
      const res = await fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      });
      // 204: kept. 409: the attempt is over (time ran out); 401: signed out.
      const says = {
        204: "Saved.",
        401: "Not saved: sign in again.",
        409: "Not saved: this attempt is over.",
      };
      if (status) status.textContent = says[res.status] || "Not saved: check your answers.";
    } catch {
      if (status) status.textContent = "Not saved: you seem to be offline.";
    } finally {
      saving = false;
    }
  }
  form.addEventListener("change", () => {
    clearTimeout(timer);
    if (status) status.textContent = "";
    timer = setTimeout(save, 800);
  });
}

// An event's time is sent as ISO 8601 with its UTC offset; a date-time picker
// in the learner's own time zone fills it in.
function setupEventTime(input) {
  const picker = document.createElement("input");
  picker.type = "datetime-local";
  picker.step = "60";
  picker.className = "quiz-event-picker";
  picker.setAttribute("aria-label", "Pick the time (your time zone)");
  input.after(picker);
  picker.addEventListener("change", () => {
    const local = new Date(picker.value);
    if (Number.isNaN(local.getTime())) return;
    const offset = -local.getTimezoneOffset();
    const sign = offset >= 0 ? "+" : "-";
    const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
    input.value = `${picker.value.slice(0, 16)}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
}

function setupDeadline(box) {
  const end = Date.parse(box.dataset.deadline);
  const out = box.querySelector("[data-time-left]");
  if (!Number.isFinite(end) || !out) return;
  const tick = () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    out.textContent = left > 0 ? `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} left.` : "time is up: submit now.";
    if (left > 0) setTimeout(tick, 1000);
    else box.classList.add("is-over");
  };
  tick();
}

function setupLocate(button) {
  if (!navigator.geolocation) return;
  const form = button.closest("form");
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.geolocation.getCurrentPosition(
      (p) => {
        form.querySelector("[data-latitude]").value = p.coords.latitude.toFixed(4);
        form.querySelector("[data-longitude]").value = p.coords.longitude.toFixed(4);
      },
      () => toast("Your browser did not share a location; type it instead.", "error"),
    );
  });
}

typeset(document);
const lessonPlayer = document.querySelector("[data-lesson-player]");
if (lessonPlayer) setupVideoLesson(lessonPlayer);
for (const form of document.querySelectorAll("[data-quiz-form]")) setupQuizForm(form);
for (const input of document.querySelectorAll("[data-event-time]")) setupEventTime(input);
for (const box of document.querySelectorAll("[data-deadline]")) setupDeadline(box);
for (const button of document.querySelectorAll("[data-locate]")) setupLocate(button);
