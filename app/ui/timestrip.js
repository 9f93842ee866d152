// The timeline strip under every tree view: the events under the tree's root (GET
// /api/timeline?root=…&by=month), counted per year — or per month when they span three years
// or less — with an as-of marker on it. Dragging the marker (or the arrow keys when it has
// focus) replays the tree: the URL's date follows the marker, and the tree is asked again
// whenever the marker crosses an event day (between two events the tree cannot differ), and
// once more where the drag ends. Each new day supersedes the one before: app.js aborts the
// older view's requests, so only the latest day is drawn.
import { get } from "./api.js";
import { fill, h } from "./dom.js";
import { go } from "./state.js";
import { t, word } from "./words.js";

/** Events asked for at once: their days are the steps of the arrow keys. */
const EVENTS = 5000;
/** A strip spanning this many calendar years or fewer counts per month. */
const MONTHS_UP_TO = 3;
/** A change of day this long after the previous one starts a new history entry (else the
 * entry is replaced, so that one drag or one run of key presses is one step back). */
const NEW_ENTRY_MS = 1500;

const $ = (id) => document.getElementById(id);
const DAY_MS = 86_400_000;
let series = null; // {root, name, answer, error, bins, steps, days}
let lastMove = 0;
let requestedIndex = null;

const ms = (day) => Date.parse(`${day}T00:00:00Z`);
const dayOf = (time) => new Date(time).toISOString().slice(0, 10);
const addDays = (day, n) => dayOf(ms(day) + n * DAY_MS);

/** The events under ``root`` (read once per root: the strip stays still while the marker
 * moves over it). The subtree is taken as of the day the root was first opened. Never
 * throws: a failure is said on the strip, and the tree is drawn all the same. */
export async function load(root, name, date, opts) {
  if (series && series.root === root && !series.error) return series;
  let answer = null;
  let error = null;
  try {
    answer = await get("/timeline", { root, as_of: date, by: "month", limit: EVENTS }, opts);
  } catch (problem) {
    if (problem.name === "AbortError") throw problem;
    error = problem;
  }
  series = { root, name, answer, error, ...(answer ? shape(answer, date) : {}) };
  return series;
}

/** The bins (years or months) the strip spans, and the days the keys step to: each event
 * day, and the day before it (the tree just before the change, then with it). */
function shape(answer, date) {
  const days = [...new Set(answer.items.map((i) => i.day).filter(Boolean))].sort();
  const years = Object.keys(answer.by_year || {}).map(Number);
  const now = new Date().getUTCFullYear();
  const first = Math.min(...years.map((y) => y - 1), Number(date.slice(0, 4)), now);
  const last = Math.max(...years, Number(date.slice(0, 4)), now);
  const monthly = last - first + 1 <= MONTHS_UP_TO;
  const bins = [];
  for (let year = first; year <= last; year += 1) {
    if (!monthly) {
      bins.push({ key: String(year), text: String(year), start: `${year}-01-01`, end: `${year + 1}-01-01`,
        count: answer.by_year?.[String(year)] || 0 });
      continue;
    }
    for (let month = 1; month <= 12; month += 1) {
      const key = `${year}-${String(month).padStart(2, "0")}`;
      const next = month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, "0")}`;
      bins.push({ key, text: month === 1 ? String(year) : String(month), start: `${key}-01`,
        end: `${next}-01`, count: answer.by_month?.[key] || 0 });
    }
  }
  const steps = [...new Set(days.flatMap((d) => [addDays(d, -1), d]))].sort();
  return { bins, steps, days, monthly };
}

/** Where a day sits on the strip, 0–1: its bin, and how far into the bin. */
function place(day) {
  const { bins } = series;
  const time = ms(day);
  if (time < ms(bins[0].start)) return 0;
  const i = bins.findIndex((b) => time < ms(b.end));
  if (i < 0) return 1;
  const bin = bins[i];
  return (i + (time - ms(bin.start)) / (ms(bin.end) - ms(bin.start))) / bins.length;
}

/** The day at a point of the strip, 0–1 (the inverse of place). */
function dayAt(fraction) {
  const { bins } = series;
  const at = Math.min(Math.max(fraction, 0), 1 - 1e-9) * bins.length;
  const bin = bins[Math.floor(at)];
  const span = ms(bin.end) - ms(bin.start);
  return dayOf(ms(bin.start) + Math.floor(((at % 1) * span) / DAY_MS) * DAY_MS);
}

/** How many event days are on or before ``day``: two days with the same count have the
 * same tree. */
function eventsUpTo(day) {
  return series.days.filter((d) => d <= day).length;
}

/** Draw the strip for the tree just drawn, its marker on ``date``; when the strip is of the
 * same root as before, only the marker moves (it keeps its focus for the next key). */
export function show(date) {
  const strip = $("tree-strip");
  if (!series) return;
  if (strip.dataset.root !== series.root || !strip.querySelector(".track")) build(strip);
  mark(date);
}

function build(strip) {
  strip.dataset.root = series.root;
  const title = h("span", { className: "strip-title" });
  if (series.error) {
    fill(strip, title, h("span", { className: "error" }, t(`The events could not be read: ${series.error.message}`,
      `无法读取事件：${series.error.message}`)));
    return;
  }
  const { answer, bins, monthly } = series;
  const per = monthly ? t("per month", "每月") : t("per year", "每年");
  title.textContent = t(`${answer.total} events under ${series.name}, ${per}`,
    `${series.name} 所属事件 ${answer.total} 项，${per}`);
  const most = Math.max(1, ...bins.map((b) => b.count));
  const bars = bins.map((bin) => h("span", { className: `bar${bin.count ? " has" : ""}`,
    dataset: { key: bin.key, count: bin.count },
    title: t(`${bin.key}: ${bin.count} events`, `${bin.key}：${bin.count} 项事件`) },
  h("span", { className: "fill", style: { height: `${Math.round((bin.count / most) * 100)}%` } }),
  h("span", { className: "year" }, bin.text)));
  const marker = h("span", { className: "marker", role: "slider", tabIndex: 0,
    "aria-label": t("As-of day: drag, or use the arrow keys, to replay the tree",
      "查询日：拖动或用方向键回放树状图"),
    "aria-valuemin": String(ms(bins[0].start) / DAY_MS),
    "aria-valuemax": String(ms(bins[bins.length - 1].end) / DAY_MS - 1),
    onkeydown: onKey }, h("span", { className: "day" }));
  const track = h("div", { className: "track", onpointerdown: onPress }, bars, marker);
  const more = answer.total > answer.items.length
    ? h("small", {}, t(` (the keys step through the first ${answer.items.length})`,
      `（方向键只经过前 ${answer.items.length} 项）`)) : null;
  const none = answer.total ? null : h("small", {}, t(" — no dated event: the tree is the same on every day",
    " — 无带日期的事件：每天的树都相同"));
  fill(strip, h("span", { className: "strip-head" }, title, more, none,
    h("span", { className: "keys" }, t("← → step from event to event · shift: one day",
      "← → 逐个事件 · shift：逐日"))), track);
  strip.title = eventWords();
}

/** The kinds of event counted, in words (the strip's tooltip). */
function eventWords() {
  const counts = Object.entries(series.answer.by_change || {});
  return counts.map(([kind, n]) => `${word("change_kinds", kind)} ${n}`).join(" · ");
}

/** Put the marker on a day (without asking anything). */
export function mark(date) {
  const marker = $("tree-strip").querySelector(".marker");
  if (!marker || !series?.bins) return;
  const at = place(date);
  marker.style.left = `${(at * 100).toFixed(3)}%`;
  marker.classList.toggle("end", at > 0.85); // its day on its left, inside the strip
  marker.dataset.day = date;
  marker.setAttribute("aria-valuenow", String(ms(date) / DAY_MS));
  marker.setAttribute("aria-valuetext", date);
  marker.firstChild.textContent = date;
}

/** Go to a day: the URL's date follows at once; the tree is asked again when the day has
 * other events behind it than the tree drawn (``final``: in any case). */
function moveTo(day, final) {
  mark(day);
  const now = Date.now();
  const replace = now - lastMove < NEW_ENTRY_MS;
  lastMove = now;
  const index = eventsUpTo(day);
  if (final || index !== requestedIndex) {
    requestedIndex = index;
    go({ date: day }, { replaceEntry: replace });
    return;
  }
  const hash = new URLSearchParams(location.hash.slice(1));
  hash.set("date", day);
  history.replaceState(null, "", `#${hash.toString()}`);
  $("as-of").value = day;
}

function onPress(event) {
  const track = event.currentTarget;
  event.preventDefault();
  track.setPointerCapture(event.pointerId);
  track.querySelector(".marker").focus();
  requestedIndex = eventsUpTo(track.querySelector(".marker").dataset.day || "");
  const at = (e) => {
    const box = track.getBoundingClientRect();
    return dayAt((e.clientX - box.left) / box.width);
  };
  let day = at(event);
  moveTo(day, false);
  const move = (e) => {
    const next = at(e);
    if (next !== day) moveTo((day = next), false);
  };
  const release = () => {
    track.removeEventListener("pointermove", move);
    track.removeEventListener("pointerup", release);
    track.removeEventListener("pointercancel", release);
    moveTo(day, true);
  };
  track.addEventListener("pointermove", move);
  track.addEventListener("pointerup", release);
  track.addEventListener("pointercancel", release);
}

/** ← →: the previous or next step (an event day, or the day before one); with shift, one
 * day; Home and End: the first and last step. */
function onKey(event) {
  const day = event.currentTarget.dataset.day;
  const { steps } = series;
  let next = null;
  if (event.key === "ArrowLeft" || event.key === "ArrowDown") {
    next = event.shiftKey ? addDays(day, -1) : [...steps].reverse().find((s) => s < day);
  } else if (event.key === "ArrowRight" || event.key === "ArrowUp") {
    next = event.shiftKey ? addDays(day, 1) : steps.find((s) => s > day);
  } else if (event.key === "Home") next = steps[0];
  else if (event.key === "End") next = steps[steps.length - 1];
  else return;
  event.preventDefault();
  if (next) moveTo(next, true);
}
