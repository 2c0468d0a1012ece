// The course and quiz editors without JavaScript are plain forms; this adds:
// - drag-and-drop of lessons (within and across modules), which posts the same
//   "place" form the lesson editor has (module and position) and reloads;
// - a confirmation before removing a module, lesson or question;
// - in question forms, only the chosen kind's fields are shown;
// - formulae in the article preview typeset as learners will see them.
import { typeset } from "../lib/formulae.js";

function submitPlace(action, moduleId, position) {
  const form = document.createElement("form");
  form.method = "post";
  form.action = action;
  const token = document.querySelector('input[name="csrf_token"]');
  for (const [name, value] of [
    ["csrf_token", token ? token.value : ""],
    ["module_id", moduleId],
    ["position", String(position)],
  ]) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}

function enableDrag(root) {
  let dragged = null;
  for (const row of root.querySelectorAll("[data-lesson-id]")) {
    row.draggable = true;
    row.addEventListener("dragstart", (event) => {
      dragged = row;
      row.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.dataset.lessonId);
    });
    row.addEventListener("dragend", () => row.classList.remove("is-dragging"));
  }
  for (const list of root.querySelectorAll("[data-lesson-list]")) {
    list.addEventListener("dragover", (event) => {
      if (dragged) event.preventDefault();
    });
    list.addEventListener("drop", (event) => {
      if (!dragged) return;
      event.preventDefault();
      const rows = [...list.querySelectorAll("[data-lesson-id]")].filter((r) => r !== dragged);
      let position = rows.length + 1;
      for (const [index, row] of rows.entries()) {
        const box = row.getBoundingClientRect();
        if (event.clientY < box.top + box.height / 2) {
          position = index + 1;
          break;
        }
      }
      submitPlace(dragged.dataset.placeAction, list.dataset.moduleId, position);
      dragged = null;
    });
  }
}

function enableConfirm(root) {
  for (const form of root.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
}

function enableKinds(root) {
  for (const form of root.querySelectorAll("[data-question-form]")) {
    const select = form.querySelector("[data-question-kind]");
    if (!select) continue;
    const show = () => {
      for (const set of form.querySelectorAll(".kind-fields")) {
        set.hidden = !set.dataset.kinds.split(" ").includes(select.value);
      }
    };
    select.addEventListener("change", show);
    show();
  }
}

const root = document.querySelector("[data-course-editor]");
if (root) {
  enableDrag(root);
  enableConfirm(root);
  enableKinds(root);
}

for (const preview of document.querySelectorAll("[data-article-preview]")) typeset(preview);
