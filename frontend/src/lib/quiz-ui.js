// The quiz's interactive parts, shared by the quiz form (server-rendered, see
// templates/learning/quiz_question.html) and the questions a video lesson asks
// inside the player (rendered here from the GraphQL `QuizQuestion`, which holds
// nothing that gives the answer away). The client sends choices, values, an
// order or a sky view; the server grades.

const el = (tag, props = {}, children = []) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "text") node.textContent = value;
    else if (key in node && key !== "list") node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
};

let fieldCount = 0;

/** A fieldset for one presented question, with the learner's saved answer filled in. */
export function renderQuestion(q) {
  const saved = q.savedAnswer ? JSON.parse(q.savedAnswer) : {};
  const key = `vq-${q.id}-${++fieldCount}`;
  const box = el("fieldset", { className: "quiz-question" });
  box.dataset.kind = q.kind;
  box.append(el("legend", { className: "quiz-question-head", text: `${q.points} point${q.points === 1 ? "" : "s"}` }));
  box.append(el("p", { className: "quiz-prompt", text: q.prompt }));
  const labelled = (text, input) => {
    const id = `${key}-${++fieldCount}`;
    input.id = id;
    return [el("label", { htmlFor: id, text }), input];
  };
  if (q.kind === "single" || q.kind === "multiple") {
    const list = el("ul", { className: "quiz-options" });
    for (const option of q.options) {
      const input = el("input", { type: q.kind === "single" ? "radio" : "checkbox", name: key, value: option.id });
      input.checked = (saved.choices || []).includes(option.id);
      list.append(el("li", {}, [el("label", { className: "check" }, [input, ` ${option.text}`])]));
    }
    box.append(list);
  } else if (q.kind === "text") {
    box.append(...labelled("Your answer", el("input", { type: "text", name: "text", value: saved.text || "", maxLength: 200 })));
  } else if (q.kind === "ordering") {
    const list = el("ol", { className: "quiz-ordering" });
    const byId = new Map(q.options.map((o) => [o.id, o]));
    const order = Array.isArray(saved.order) && saved.order.every((id) => byId.has(id)) ? saved.order : q.options.map((o) => o.id);
    for (const id of order) {
      const item = el("li", { className: "quiz-ordering-item" });
      item.dataset.item = id;
      item.append(el("span", { className: "quiz-ordering-text", text: byId.get(id).text }));
      list.append(item);
    }
    list.dataset.ordering = "";
    box.append(list);
    enhanceOrdering(list);
  } else if (q.kind === "sky") {
    box.append(el("p", { text: `Point the sky map at ${q.target} as seen from ${q.latitude}°, ${q.longitude}° at ${q.at} (UTC).` }));
    const alt = el("input", { type: "text", name: "altitude", inputMode: "decimal", value: saved.altitude ?? "" });
    const az = el("input", { type: "text", name: "azimuth", inputMode: "decimal", value: saved.azimuth ?? "" });
    alt.dataset.skyAltitude = "";
    az.dataset.skyAzimuth = "";
    const open = el("a", { className: "button button-small button-ghost", href: skyMapUrl(q), target: "_blank", rel: "noopener", text: "Open the sky map there" });
    open.dataset.skyOpen = "";
    const use = el("button", { type: "button", className: "button button-small", text: "Use the sky map's view", hidden: true });
    use.dataset.skyUse = "";
    box.append(el("p", {}, [open, " ", use]));
    box.append(el("div", { className: "quiz-inline" }, [...labelled("Altitude (°)", alt), ...labelled("Azimuth (°)", az)]));
    enhanceSky(box);
  } else if (q.kind === "computed" && q.mode === "event") {
    box.append(el("p", { text: `When is the next ${q.event} of ${q.body} where you are, after ${q.after}?` }));
    box.append(...labelled("Time with its UTC offset (2026-03-01T21:05+01:00)", el("input", { type: "text", name: "time", value: saved.time || "" })));
  } else {
    if (q.parameters && q.parameters.length) {
      box.append(el("p", { className: "quiz-parameters", text: `Your values: ${q.parameters.map((p) => `${p.name} = ${p.value}`).join(", ")}` }));
    }
    const inline = el("div", { className: "quiz-inline" }, labelled("Value", el("input", { type: "text", name: "value", inputMode: "decimal", value: saved.value || "" })));
    if (q.units && q.units.length) {
      const select = el("select", { name: "unit" });
      for (const unit of q.units) select.append(el("option", { value: unit, text: unit, selected: saved.unit === unit }));
      inline.append(...labelled("Unit", select));
    }
    box.append(inline);
  }
  return box;
}

/** The GraphQL AnswerInput for a fieldset made by `renderQuestion`, or null when blank. */
export function readAnswer(box, q) {
  const value = (name) => {
    const input = box.querySelector(`[name="${name}"]`);
    return input ? input.value.trim() : "";
  };
  const answer = { questionId: q.id };
  if (q.kind === "single" || q.kind === "multiple") {
    const choices = [...box.querySelectorAll("input:checked")].map((i) => i.value);
    return choices.length ? { ...answer, choices } : null;
  }
  if (q.kind === "text") return value("text") ? { ...answer, text: value("text") } : null;
  if (q.kind === "ordering") return { ...answer, order: [...box.querySelectorAll("[data-item]")].map((li) => li.dataset.item) };
  if (q.kind === "sky") {
    const altitude = Number.parseFloat(value("altitude"));
    const azimuth = Number.parseFloat(value("azimuth"));
    return Number.isFinite(altitude) && Number.isFinite(azimuth) ? { ...answer, altitude, azimuth } : null;
  }
  if (q.kind === "computed" && q.mode === "event") return value("time") ? { ...answer, time: value("time") } : null;
  if (!value("value")) return null;
  return value("unit") ? { ...answer, value: value("value"), unit: value("unit") } : { ...answer, value: value("value") };
}

function skyMapUrl(q) {
  const params = new URLSearchParams({ lat: String(q.latitude), lon: String(q.longitude), t: q.at });
  return `/sky-map?${params}`;
}

// ---------------------------------------------------------------- ordering

/**
 * Drag (pointer or mouse) and up/down buttons for an ordering list. Each item's
 * position select (the no-JS way) follows, so the form posts the new order.
 */
export function enhanceOrdering(list) {
  if (list.dataset.enhanced) return;
  list.dataset.enhanced = "true";
  list.classList.add("is-enhanced");
  const items = () => [...list.querySelectorAll("[data-item]")];
  const sync = () => {
    items().forEach((item, n) => {
      const select = item.querySelector("[data-position]");
      if (select) select.value = String(n + 1);
    });
    list.dispatchEvent(new Event("change", { bubbles: true }));
  };
  for (const item of items()) {
    item.draggable = true;
    const up = el("button", { type: "button", className: "quiz-move", text: "↑", ariaLabel: "Move up" });
    const down = el("button", { type: "button", className: "quiz-move", text: "↓", ariaLabel: "Move down" });
    up.addEventListener("click", () => {
      if (item.previousElementSibling) item.previousElementSibling.before(item);
      sync();
      up.focus();
    });
    down.addEventListener("click", () => {
      if (item.nextElementSibling) item.nextElementSibling.after(item);
      sync();
      down.focus();
    });
    item.append(el("span", { className: "quiz-move-buttons" }, [up, down]));
    const select = item.querySelector("[data-position]");
    if (select) {
      // Choosing a number moves the item there (the others shift).
      select.addEventListener("change", (e) => {
        e.stopPropagation();
        const target = Number(select.value) - 1;
        const others = items().filter((i) => i !== item);
        if (target >= others.length) list.append(item);
        else others[target].before(item);
        sync();
      });
    }
  }
  let dragged = null;
  list.addEventListener("dragstart", (e) => {
    dragged = e.target.closest("[data-item]");
    if (dragged) {
      dragged.classList.add("is-dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", dragged.dataset.item);
    }
  });
  list.addEventListener("dragover", (e) => {
    if (!dragged) return;
    e.preventDefault();
    const over = e.target.closest("[data-item]");
    if (!over || over === dragged) return;
    const rect = over.getBoundingClientRect();
    if (e.clientY > rect.top + rect.height / 2) over.after(dragged);
    else over.before(dragged);
  });
  list.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    sync();
  });
}

// ---------------------------------------------------------------- sky questions

/**
 * "Open the sky map there" opens the map in a window this page can read (same
 * origin); "Use the sky map's view" copies the centre of its view, as altitude
 * and azimuth, into the answer.
 */
export function enhanceSky(box) {
  const open = box.querySelector("[data-sky-open]");
  const use = box.querySelector("[data-sky-use]");
  const altitude = box.querySelector("[data-sky-altitude]");
  const azimuth = box.querySelector("[data-sky-azimuth]");
  if (!open || !use || !altitude || !azimuth) return;
  let win = null;
  open.addEventListener("click", (e) => {
    e.preventDefault();
    win = window.open(open.href, "cosmostream-sky-map");
    use.hidden = !win;
  });
  use.addEventListener("click", () => {
    let state = null;
    try {
      state = win && !win.closed && win.__sky ? win.__sky.state() : null;
    } catch {
      state = null;
    }
    if (!state) {
      use.textContent = "Open the sky map first";
      return;
    }
    altitude.value = state.alt.toFixed(2);
    azimuth.value = (((state.az % 360) + 360) % 360).toFixed(2);
    altitude.dispatchEvent(new Event("change", { bubbles: true }));
    use.textContent = "Use the sky map's view";
  });
}
