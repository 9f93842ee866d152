// Changes view: what changed between two days (GET /api/diff). With a root, its tree as of
// both days drawn at once — lines and nodes added in the period in one colour, ended ones in
// another (dashed), organizations whose superior changed highlighted; without a root, only
// the nodes and lines the changes touch. Beside it the change list, in words; a row opens the
// node in the details panel with the evidence behind the change. Under it a timeline strip
// (changes per year: GET /api/timeline of the root; without a root, the period's own
// changes): a click on a year asks that year, a drag across years asks that span.
// The list is paged as the API pages it (``offset`` in the URL), and can be narrowed to one
// kind of change (``change``). Nodes a change names only by id (the superiors before and
// after a move, the parents-in-law gained and lost) are looked up by name.
// Everything from the data is put in as DOM text (dom.js), never as markup.
import { api, get, stillWanted } from "../api.js";
import { showNode } from "../details.js";
import { fill, h } from "../dom.js";
import { caption, draw, graph, legendKey, legendLine, treeLayout } from "../graph.js";
import { go } from "../state.js";
import { lineWord, t, word } from "../words.js";

/** Levels of each tree asked for, and nodes at most (as the tree view's first answer). */
const DEPTH = 6;
const MAX_NODES = 300;
/** Changes asked for at once: one page of the list (and of what is drawn). */
export const LIMIT = 500;
/** Names looked up at once, and at most per page (the rest stay ids, and the list says so). */
const LOOKUPS_AT_ONCE = 6;
const LOOKUPS_MAX = 200;

let current = null; // {from, to, root, offset, change, answer, before, after, names, series}

const $ = (id) => document.getElementById(id);

/** The period asked: ``from``/``to`` from the URL, else the three years up to the as-of day. */
export function periodOf(state) {
  const to = valid(state.to) || state.date;
  const from = valid(state.from) || `${Number(to.slice(0, 4)) - 3}-12-31`;
  const offset = Math.max(0, Math.floor(Number(state.offset) || 0));
  return { from, to, root: state.root || state.id || "", offset, change: state.change || "" };
}

function valid(day) {
  return /^\d{4}-\d{2}-\d{2}$/.test(day || "") ? day : null;
}

export async function show(state, signal) {
  const { from, to, root, offset, change } = periodOf(state);
  const opts = { signal };
  if (from >= to) {
    throw new Error(t(`The first day (${from}) must come before the second (${to}).`,
      `起始日（${from}）须早于截止日（${to}）。`));
  }
  const [answer, before, after, series] = await Promise.all([
    get("/diff", { from, to, root, change, limit: LIMIT, offset }, opts),
    root ? api.subtree(root, from, DEPTH, MAX_NODES, opts) : null,
    root ? api.subtree(root, to, DEPTH, MAX_NODES, opts) : null,
    root ? get("/timeline", { root, as_of: to, limit: 1 }, opts) : null,
  ]);
  stillWanted(signal);
  addStyle();
  current = { from, to, root, offset, change, answer, before, after,
    series: series ? series.by_year : byYear(answer.items) };
  current.names = namesOf(current);
  current.unnamed = await lookUpNames(current.names, answer.items, to, opts);
  stillWanted(signal);
  draw(elements(), treeLayout);
  panel();
  strip();
  return describe();
}

/** Changes per year of the period's own changes (the strip without a root). */
function byYear(items) {
  const years = {};
  for (const item of items) if (item.day) years[item.day.slice(0, 4)] = (years[item.day.slice(0, 4)] || 0) + 1;
  return years;
}

/** id → name of every node the answers name (for the words of the list). */
function namesOf({ answer, before, after }) {
  const names = new Map();
  const walk = (node) => {
    names.set(node.id, node.name);
    node.children.forEach(walk);
  };
  if (before) walk(before.tree);
  if (after) walk(after.tree);
  for (const item of answer.items) {
    if (item.id) names.set(item.id, item.name || names.get(item.id) || item.id);
    if (item.other_id) names.set(item.other_id, item.other_name || names.get(item.other_id) || item.other_id);
  }
  return names;
}

/** The ids a change names without a name (before/after, gained/lost, an other end with no
 * name), not named by anything else on the page.  */
function unnamedIds(names, items) {
  const ids = new Set();
  for (const item of items) {
    for (const id of [...item.before, ...item.after, ...item.gained, ...item.lost]) ids.add(id);
    if (item.other_id && !item.other_name) ids.add(item.other_id);
  }
  return [...ids].filter((id) => !names.has(id) || names.get(id) === id);
}

/** Look up the names of the ids nothing else on the page names. There is no route taking
 * many ids at once, so it is the node route, as of the second day, for each distinct id of
 * the page (a few at a time, at most LOOKUPS_MAX a page) — one batch per page, cancelled
 * with the view. Answers the ids left unnamed (not looked up, or not found). */
async function lookUpNames(names, items, day, opts) {
  const wanted = unnamedIds(names, items);
  const asked = wanted.slice(0, LOOKUPS_MAX);
  const queue = [...asked];
  const worker = async () => {
    while (queue.length) {
      const id = queue.shift();
      try {
        const node = await api.node(id, day, opts);
        if (node.name) names.set(id, node.name);
      } catch (error) {
        if (error.name === "AbortError") throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUPS_AT_ONCE, queue.length) }, worker));
  return wanted.filter((id) => !names.has(id) || names.get(id) === id);
}

// -- the legend --------------------------------------------------------------------------------

/** The Changes view's own entries of the legend: what its colours mean. */
export function legendKeys() {
  const box = (colour, style, halo) => h("b", { className: halo ? "halo" : "box",
    style: halo ? { background: colour } : { border: `3px ${style} ${colour}` } });
  return [
    legendKey(legendLine(ADDED, "solid"), t("line begun in the period", "期间开始的关系"), "line-added"),
    legendKey(legendLine(ENDED, "dashed"), t("line ended in the period", "期间终止的关系"), "line-ended"),
    legendKey(box(ADDED, "solid"), t("founded in the period", "期间成立"), "node-founded"),
    legendKey(box(ENDED, "dashed"), t("dissolved in the period", "期间撤销"), "node-dissolved"),
    legendKey(box(MOVED, "solid", true), t("superior changed (moved)", "上级变更（迁移）"), "node-moved"),
  ];
}

// -- the graph -------------------------------------------------------------------------------

/** Added in the period: green; ended: orange, dashed; moved: a purple halo. Added once to the
 * one graph's style, after the shared rules, so that these win over them in this view. */
const ADDED = "#2e7d32";
const ENDED = "#ef6c00";
const MOVED = "#6a1b9a";
let styled = false;

function addStyle() {
  if (styled) return;
  styled = true;
  graph().style()
    .selector("edge.added").style({ "line-color": ADDED, "target-arrow-color": ADDED, width: 4,
      "line-style": "solid", opacity: 1, color: ADDED, "min-zoomed-font-size": 0 })
    .selector("edge.ended").style({ "line-color": ENDED, "target-arrow-color": ENDED, width: 3,
      "line-style": "dashed", opacity: 1, color: ENDED, "min-zoomed-font-size": 0 })
    .selector("node.added").style({ "border-color": ADDED, "border-width": 4 })
    .selector("node.ended").style({ "border-color": ENDED, "border-width": 4, "border-style": "dashed" })
    .selector("node.gone").style({ "background-opacity": 0.4 })
    .selector("node.moved").style({ "underlay-color": MOVED, "underlay-opacity": 0.3,
      "underlay-padding": 8, "border-color": MOVED, "border-width": 4, "min-zoomed-font-size": 0 })
    .update();
}

/** The drawn graph, built up in maps: id → {data, classes}, and lines by "superior>node". */
function elements() {
  const nodes = new Map();
  const lines = new Map();
  const node = (data) => {
    const known = nodes.get(data.id) || { data: {}, classes: new Set() };
    known.data = { ...data, ...known.data };
    nodes.set(data.id, known);
    return known;
  };
  const line = (up, down, data) => {
    const key = `${up}>${down}`;
    const known = lines.get(key) || { data: { id: `chg:${key}`, source: up, target: down, from: down,
      to: up, type: "AFFILIATED_TO", kind: "affiliation" }, classes: new Set() };
    Object.assign(known.data, data);
    lines.set(key, known);
    return known;
  };
  treeInto(node, line);
  changesInto(node, line);
  return [
    ...[...nodes.values()].map(({ data, classes }) => ({ group: "nodes", classes: [...classes].join(" "),
      data: { ...data, caption: caption(data, nodeNotes(classes)) } })),
    ...[...lines.values()].filter(({ data }) => nodes.has(data.source) && nodes.has(data.target))
      .map(({ data, classes }) => ({ group: "edges", classes: [...classes].join(" "), data })),
  ];
}

/** The root's tree on both days: a line only on the second day is added, one only on the
 * first ended; a node only on one of them is added or ended. The tree lines are those of the
 * second day (and an ended one, for a node no longer in the tree), so the layout is the tree
 * as it became. */
function treeInto(node, line) {
  const { before, after } = current;
  if (!before && !after) return;
  const pairs = (answer) => {
    const out = new Map();
    const walk = (n) => {
      out.set(n.id, n);
      for (const c of n.children) {
        out.set(`${n.id}>${c.id}`, [n.id, c.id]);
        walk(c);
      }
    };
    if (answer) walk(answer.tree);
    return out;
  };
  const was = pairs(before);
  const is = pairs(after);
  for (const [key, value] of [...was, ...is]) {
    if (Array.isArray(value)) continue;
    const { children, hidden, ...item } = value;
    const entry = node(item);
    if (!is.has(key)) entry.classes.add("gone");
    if (!was.has(key)) entry.classes.add("new");
    if (key === current.root) entry.classes.add("focus");
  }
  for (const [key, value] of [...was, ...is]) {
    if (!Array.isArray(value)) continue;
    const [up, down] = value;
    const entry = line(up, down, {});
    if (is.has(key)) entry.classes.add("tree");
    else if (!is.has(down)) entry.classes.add("tree");
    if (!was.has(key)) entry.classes.add("added");
    if (!is.has(key)) entry.classes.add("ended");
  }
}

/** What the changes say: founded and dissolved nodes, begun and ended lines, moved
 * organizations; the nodes they name are drawn even without a root. */
function changesInto(node, line) {
  for (const item of current.answer.items) {
    const entry = node({ id: item.id, label: item.label, kind: item.kind, name: item.name });
    if (item.change === "node_founded") entry.classes.add("added");
    if (item.change === "node_dissolved") entry.classes.add("ended");
    if (item.change === "superior_changed") entry.classes.add("moved");
    if ((item.change === "line_begun" || item.change === "line_ended") && item.other_id) {
      const formal = item.type === "AFFILIATED_TO";
      node({ id: item.other_id, name: item.other_name || item.other_id, label: formal ? "PartyOrg" : undefined });
      const drawn = line(item.other_id, item.id, { type: item.type, kind: formal ? "affiliation"
        : item.line_kind || "other", valid_from: item.valid_from, valid_to: item.valid_to,
      source_id: item.source, quote: item.quote, caption: lineCaption(item) });
      drawn.classes.add(item.change === "line_begun" ? "added" : "ended");
      if (item.change === "line_begun" && formal) drawn.classes.add("tree");
    }
  }
}

function lineCaption(item) {
  const kind = item.type === "AFFILIATED_TO" ? "" : `${word("relationships", item.type)} · `;
  return item.change === "line_begun" ? `${kind}${t(`from ${item.day}`, `${item.day} 起`)}`
    : `${kind}${t(`ended ${item.day}`, `${item.day} 终止`)}`;
}

function nodeNotes(classes) {
  const notes = [];
  if (classes.has("moved")) notes.push(t("⇄ superior changed", "⇄ 上级变更"));
  if (classes.has("added")) notes.push(t("+ founded in the period", "+ 期间成立"));
  if (classes.has("ended")) notes.push(t("− dissolved in the period", "− 期间撤销"));
  return notes;
}

// -- the list ---------------------------------------------------------------------------------

/** The period form and the change list, beside the graph. */
function panel() {
  const { from, to, root, answer } = current;
  const input = (id, value, text, type = "date") => h("label", {}, text,
    h("input", { id, type, value, required: type === "date" }));
  const form = h("form", { className: "changes-form", onsubmit: (event) => {
    event.preventDefault();
    const rootId = $("changes-root").value.trim();
    go({ view: "changes", from: $("changes-from").value, to: $("changes-to").value,
      root: rootId, id: rootId, offset: "" });
  } },
  input("changes-from", from, t("from ", "自 ")), input("changes-to", to, t(" to ", " 至 ")),
  input("changes-root", root, t(" under ", " 所属 "), "search"),
  h("button", { type: "submit" }, t("Show", "显示")));
  const rows = answer.items.map(row);
  const unnamed = current.unnamed.length
    ? h("p", { className: "meta" }, t(`${current.unnamed.length} ids could not be named (shown as ids).`,
      `${current.unnamed.length} 个编号未能查到名称（显示编号）。`)) : null;
  fill($("changes-list"), form, kindPicker(),
    h("h2", { id: "changes-heading" }, t(`${answer.total} changes`, `共 ${answer.total} 项变化`)),
    pager(), unnamed,
    rows.length ? h("ol", { className: "changes", "aria-labelledby": "changes-heading",
      start: current.offset + 1 }, rows)
      : h("p", { className: "empty" }, t("Nothing changed in the period.", "期间无变化。")),
    rows.length > 20 ? pager() : null);
}

/** Only one kind of change (the API's ``change``), each kind with its count in the period. */
function kindPicker() {
  const counts = current.answer.by_change || {};
  const all = Object.values(counts).reduce((a, b) => a + b, 0);
  const options = [h("option", { value: "" }, t(`every kind (${all})`, `全部类型（${all}）`)),
    ...Object.entries(counts).map(([kind, n]) => h("option", { value: kind, selected: kind === current.change },
      `${word("change_kinds", kind)} (${n})`))];
  return h("label", { className: "changes-kind" }, t("kind of change ", "变化类型 "),
    h("select", { id: "changes-kind", onchange: (event) => go({ change: event.target.value, offset: "" }) },
      options));
}

/** Where this page is in the list, and buttons to the pages before and after it. */
function pager() {
  const { offset, answer } = current;
  const shown = answer.items.length;
  const button = (text, to, disabled) => h("button", { type: "button", disabled,
    onclick: () => go({ offset: to ? String(to) : "" }) }, text);
  return h("p", { className: "pager" },
    t(`${shown ? offset + 1 : 0}–${offset + shown} of ${answer.total} `,
      `第 ${shown ? offset + 1 : 0}–${offset + shown} 项，共 ${answer.total} 项 `),
    button(t("‹ previous", "‹ 上一页"), Math.max(0, offset - LIMIT), offset === 0),
    " ", button(t("next ›", "下一页 ›"), offset + LIMIT, offset + shown >= answer.total));
}

function row(item) {
  const open = () => openChange(item);
  return h("li", { dataset: { change: item.change, node: item.id } },
    h("button", { type: "button", className: "change-row", onclick: open },
      h("span", { className: "date" }, item.day || "?"), " ",
      h("b", {}, word("change_kinds", item.change)), " ",
      h("span", { className: "name" }, item.name || item.id),
      h("small", {}, what(item))));
}

/** The change in words, beyond its kind and its node. */
function what(item) {
  const name = (id) => current.names.get(id) || id;
  const list = (ids) => ids.map(name).join(", ") || t("none", "无");
  switch (item.change) {
    case "line_begun":
    case "line_ended":
      return ` ${item.change === "line_begun" ? "→" : "↛"} ${item.other_name || name(item.other_id) || "?"} (${
        item.type === "AFFILIATED_TO" ? lineWord("affiliation") : word("relationships", item.type)}${
        item.line_kind ? ` · ${word("relationship_kinds", item.line_kind, item.type)}` : ""})`;
    case "superior_changed":
      return ` ${list(item.before)} → ${list(item.after)}`;
    case "transfer":
      return ` ${word("transfer_statuses", item.status)} → ${item.other_name || name(item.other_id) || "?"}`;
    case "orphaned":
    case "no_longer_orphaned":
      return item.reason ? ` (${word("orphan_reasons", item.reason)})` : "";
    case "parents_in_law_changed":
      return ` ${t("gained", "新增")}: ${list(item.gained)}; ${t("lost", "失去")}: ${list(item.lost)}`;
    default:
      return "";
  }
}

/** A row: the node in the details panel, as of the second day, with the change's evidence
 * (its source and quote, and each piece of evidence behind it) above the node's own. */
async function openChange(item) {
  for (const li of $("changes-list").querySelectorAll("li.chosen")) li.classList.remove("chosen");
  $("changes-list").querySelector(`li[data-node="${CSS.escape(item.id)}"][data-change="${item.change}"]`)
    ?.classList.add("chosen");
  await showNode(item.id, current.to);
  const details = $("details");
  const heading = details.querySelector("h2");
  if (!heading) return;
  const evidence = (item.evidence || []).filter((p) => p.quote && p.quote !== item.quote);
  heading.before(h("section", { className: "change-evidence", "aria-label": t("The change", "此项变化") },
    h("h3", {}, `${word("change_kinds", item.change)} · ${item.day || "?"}`),
    h("p", {}, item.name || item.id, what(item)),
    item.transfer ? h("p", {}, t("transfer record: ", "转移记录："), h("code", { className: "id" }, item.transfer)) : null,
    h("p", { className: "meta" }, t("source: ", "来源："), item.source || t("none given", "未给出")),
    item.quote ? h("blockquote", {}, item.quote) : null,
    evidence.map((p) => h("p", { className: "meta" }, `${roleWords(p.role)}${p.date ? ` ${p.date}` : ""} — ${
      p.source || ""}`, h("blockquote", {}, p.quote)))));
}

/** What a piece of evidence says of the line (its role), in words. */
function roleWords(role) {
  const words = { begins: t("says it began", "称其开始于"), ends: t("says it ended", "称其终止于"),
    holds: t("says it held", "称其存续于"), interval: t("states its dates", "载明其起止") };
  return words[role] || role;
}

// -- the timeline strip -------------------------------------------------------------------------

/** Bars of changes per year; the years of the period marked. A click asks one year (from the
 * last day of the year before to the last day of the year); a drag across bars, that span. */
function strip() {
  const years = Object.keys(current.series).map(Number);
  const first = Math.min(...years, Number(current.from.slice(0, 4)));
  const last = Math.max(...years, Number(current.to.slice(0, 4)));
  const most = Math.max(1, ...Object.values(current.series));
  let pressed = null;
  const pick = (a, b) => go({ view: "changes", from: `${Math.min(a, b) - 1}-12-31`, to: `${Math.max(a, b)}-12-31`,
    offset: "" });
  const bars = [];
  for (let year = first; year <= last; year += 1) {
    const count = current.series[String(year)] || 0;
    const inside = `${year}-12-31` > current.from && `${year}-01-01` <= current.to;
    bars.push(h("button", { type: "button", className: `bar${inside ? " in" : ""}`, dataset: { year, count },
      title: t(`${year}: ${count} changes`, `${year} 年：${count} 项变化`),
      "aria-label": t(`${year}: ${count} changes`, `${year} 年：${count} 项变化`),
      onpointerdown: () => { pressed = year; },
      onpointerup: () => { if (pressed !== null && pressed !== year) pick(pressed, year); pressed = null; },
      onclick: () => pick(year, year) },
    h("span", { className: "fill", style: { height: `${Math.round((count / most) * 100)}%` } }),
    h("span", { className: "year" }, String(year))));
  }
  const whose = current.root ? t("changes per year under the root, all time", "该组织下历年变化")
    : t("changes per year in the period", "期间每年变化");
  fill($("changes-strip"), h("span", { className: "strip-title" }, whose), h("div", { className: "bars" }, bars));
}

// -- status and export ----------------------------------------------------------------------

function describe() {
  const { from, to, root, answer } = current;
  const counts = Object.entries(answer.by_change || {}).map(([kind, n]) => `${word("change_kinds", kind)} ${n}`);
  const scope = root ? t(` under ${current.names.get(root) || root}`, `（${current.names.get(root) || root} 所属）`) : "";
  const shown = answer.items.length;
  const more = answer.total > shown
    ? t(` · changes ${current.offset + 1}–${current.offset + shown} of ${answer.total} listed and drawn`,
      ` · 列出并绘出第 ${current.offset + 1}–${current.offset + shown} 项，共 ${answer.total} 项`) : "";
  return {
    title: t(`Changes${scope}, ${from} → ${to}`, `${from} 至 ${to} 的变化${scope}`),
    status: `${counts.join(" · ") || t("no change", "无变化")}${more}`,
    links: root ? [{ text: t("Open its tree", "打开树状图"), state: { view: "tree", id: root, date: to } }] : [],
  };
}

export function data() {
  const rows = current.answer.items.map((item) => Object.fromEntries(Object.entries(item)
    .filter(([k]) => k !== "evidence").map(([k, v]) => [k, Array.isArray(v) ? v.join("|") : v ?? ""])));
  return { rows, json: current.answer };
}
