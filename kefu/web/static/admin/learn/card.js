/** One group of unanswered questions as a card: what customers asked, what agents replied, and three actions. */
import { tr } from "./i18n.js";

const K = window.KefuAdmin;
const el = K.el;

function chips(group) {
  return el("div", { className: "learn-chips" }, [
    el("span", { className: "badge badge-queued plain learn-customers", text: tr("customers", { n: group.customers }) }),
    el("span", { className: "badge badge-closed plain", text: tr("messages", { n: group.messages }) }),
    ...Object.entries(group.reasons).map(([reason, n]) =>
      el("span", { className: "badge badge-bot plain", "data-reason": reason,
        text: `${tr("reason." + reason)} ${n}` })),
  ]);
}

function list(title, items, className) {
  if (!items.length) return null;
  return el("div", { className: "learn-block " + className }, [
    el("h3", { text: title }),
    el("ul", {}, items.map((node) => el("li", {}, [node]))),
  ]);
}

function text(s) { return document.createTextNode(s); }

function details(group) {
  const replies = group.agent_replies.map((r) => el("span", {}, [
    text(r.text), el("span", { className: "muted learn-count", text: " · " + tr("count", { n: r.count }) })]));
  const examples = group.examples.map((e) => el("span", {}, [
    text(e.text), el("span", { className: "muted learn-count", text: " · " + K.formatTime(e.at) })]));
  return el("div", { className: "learn-details" }, [
    list(tr("questions"), group.questions.slice(0, 8).map(text), "learn-questions"),
    list(tr("examples"), examples, "learn-examples"),
    replies.length ? list(tr("replies"), replies, "learn-replies")
      : el("p", { className: "muted learn-no-replies", text: tr("noReplies") }),
  ]);
}

function field(label, control, hint) {
  return el("label", { className: "field" }, [el("span", { className: "label", text: label }), control,
    hint ? el("p", { className: "hint", text: hint }) : null]);
}

/** The group's questions with a tick each: the owner unticks the ones that ask something else. */
function questionPicker(group) {
  const boxes = group.questions.map((q) => el("input", { type: "checkbox", className: "learn-pick", value: q,
    checked: true }));
  const node = el("fieldset", { className: "learn-picker" }, [
    el("legend", { className: "label", text: tr("pickQuestions") }),
    ...boxes.map((box) => el("label", { className: "learn-pick-row" }, [box, text(box.value)])),
  ]);
  return { node, values: () => boxes.filter((b) => b.checked).map((b) => b.value) };
}

/** The form for "new point": the group's name and the drafted answer, both editable. */
function newPointForm(group, act) {
  const question = el("input", { className: "input learn-question-input", maxlength: "500" });
  question.value = group.question;
  const answer = el("textarea", { className: "textarea learn-answer", rows: "4", maxlength: "5000" });
  answer.value = group.draft_answer;
  const category = el("input", { className: "input learn-category", maxlength: "200" });
  const picked = questionPicker(group);
  const form = el("form", { className: "learn-form learn-new-form", novalidate: true }, [
    field(tr("question"), question),
    field(tr("answer"), answer, group.draft_answer ? tr("answerHint") : tr("noDraft")),
    field(tr("category"), category),
    picked.node,
    el("div", { className: "learn-form-actions" }, [
      el("button", { type: "submit", className: "btn btn-primary learn-save", text: tr("save") })]),
  ]);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!question.value.trim() || !answer.value.trim()) return act.fail(tr("needAnswer"));
    act.post("/new-point", { message_ids: group.message_ids, question: question.value.trim(),
      answer: answer.value.trim(), category: category.value.trim(), similar_questions: picked.values() },
    tr("created"));
  });
  return form;
}

/** The form for "add to a point": the matcher's suggestions, or any point found by search. */
function addForm(group, act) {
  const select = el("select", { className: "select learn-point" });
  const fill = (points) => {
    K.clear(select);
    select.appendChild(el("option", { value: "", text: tr("pickPoint") }));
    points.forEach((p) => select.appendChild(el("option", { value: String(p.id),
      text: p.score != null ? `${p.question} (${Math.round(p.score * 100)}%)` : p.question })));
    if (points.length) select.value = String(points[0].id);
  };
  fill(group.suggested_points);
  const search = el("input", { className: "input learn-point-search", type: "search", maxlength: "200",
    placeholder: tr("pointSearch") });
  search.addEventListener("input", K.debounce(() => {
    const q = search.value.trim();
    if (!q) return fill(group.suggested_points);
    K.api("GET", "/knowledge?limit=20&search=" + encodeURIComponent(q)).then((page) => fill(page.items));
  }, 250));
  const picked = questionPicker(group);
  const form = el("form", { className: "learn-form learn-add-form", novalidate: true }, [
    field(tr("point"), select, tr("addHint")), search, picked.node,
    el("div", { className: "learn-form-actions" }, [
      el("button", { type: "submit", className: "btn btn-primary learn-save", text: tr("save") })]),
  ]);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!select.value) return act.fail(tr("pickPoint"));
    act.post("/add-to-point", { message_ids: group.message_ids, point_id: Number(select.value),
      questions: picked.values() }, tr("added"));
  });
  return form;
}

/** The card of one group; onDone(group) runs once the shop decided about it. */
export function groupCard(group, rank, onDone) {
  const error = el("div", { className: "alert alert-error learn-card-error", role: "alert", hidden: true });
  const slot = el("div", { className: "learn-form-slot" });
  const card = el("section", { className: "card learn-group", "data-group": group.id });
  const act = {
    fail(message) { K.showError(error, message); },
    post(path, body, done) {
      K.showError(error, null);
      card.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      K.api("POST", "/reports/unanswered" + path, body).then(() => {
        K.toast(done);
        onDone(group, card);
      }, (err) => {
        K.showError(error, err);
        card.querySelectorAll("button").forEach((b) => { b.disabled = false; });
      });
    },
  };
  const open = (make) => () => {
    K.clear(slot);
    K.showError(error, null);
    slot.appendChild(make(group, act));
    const first = slot.querySelector("input, textarea, select");
    if (first) first.focus();
  };
  const suggestion = group.suggested_points[0];
  card.append(
    el("div", { className: "card-head learn-head" }, [
      el("h2", {}, [el("span", { className: "learn-rank", text: `${rank}.` }),
        el("span", { className: "learn-name", text: group.question })]),
      chips(group),
      suggestion ? el("p", { className: "learn-suggested muted",
        text: `${tr("suggested")}${suggestion.question} (${Math.round(suggestion.score * 100)}%)` }) : null,
    ]),
    el("div", { className: "card-body" }, [
      details(group),
      el("div", { className: "learn-actions" }, [
        el("button", { type: "button", className: "btn btn-primary btn-sm learn-act-new", text: tr("actNew"),
          on: { click: open(newPointForm) } }),
        el("button", { type: "button", className: "btn btn-sm learn-act-add", text: tr("actAdd"),
          on: { click: open(addForm) } }),
        el("button", { type: "button", className: "btn btn-sm btn-ghost learn-act-ignore", text: tr("actIgnore"),
          on: { click: () => act.post("/ignore", { message_ids: group.message_ids }, tr("ignored")) } }),
      ]),
      slot, error,
    ]),
  );
  return card;
}
