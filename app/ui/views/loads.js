// Loads view (#view=loads&at=N): the load log, newest first (GET /api/loads, paged) — each
// write's number, time, who wrote it (the token's name, or the CLI's user), kind, message,
// files, counts, tags, and the load that reverted it. Nothing is ever overwritten: a revert
// is a load of its own, listed here too. A row (click, or Enter; ↑/↓ move) shows in the
// details panel the records that load changed, each before and after (GET /api/loads/{n}).
// Data go in as DOM text (dom.js).
import { get, stillWanted } from "../api.js";
import { fill, h } from "../dom.js";
import { go } from "../state.js";
import { t } from "../words.js";

const PAGE = 50;
/** Records of one load shown in the details panel (the rest: affgraph log N, the API). */
const CHANGES = 50;
/** File names a row shows (the rest in its tooltip, and in the load's details). */
const FILES_SHOWN = 3;
let current = null; // {at, answer}

const $ = (id) => document.getElementById(id);

export async function show(state, signal) {
  const at = Math.max(0, Math.floor(Number(state.at) || 0));
  const answer = await get("/loads", { limit: PAGE, offset: at }, { signal });
  stillWanted(signal);
  current = { at, answer };
  fill($("list"), h("div", { className: "loads" }, bar(), answer.items.length ? table(answer.items)
    : h("p", { className: "hint" }, t("Nothing has been loaded yet.", "尚未加载任何数据。"))));
  return {
    title: t("Loads: every write, in order", "加载记录：每次写入，依次排列"),
    status: t(`${answer.total} ${answer.total === 1 ? "load" : "loads"}; the last is load ${answer.last_load}`,
      `共 ${answer.total} 次加载；最近一次为第 ${answer.last_load} 次`),
    links: [],
  };
}

function bar() {
  const { at, answer } = current;
  const move = (text, to, disabled) => h("button", { type: "button", disabled,
    onclick: () => go({ at: to ? String(to) : "" }) }, text);
  const last = Math.min(at + PAGE, answer.total);
  return h("div", { className: "list-bar" },
    h("span", {}, answer.total ? t(`loads ${at + 1}–${last} of ${answer.total}, newest first`,
      `第 ${at + 1}–${last} 条，共 ${answer.total} 条，最新在前`) : ""),
    h("span", { className: "pages" },
      move(t("‹ newer", "‹ 较新"), Math.max(0, at - PAGE), at === 0),
      move(t("older ›", "较旧 ›"), at + PAGE, last >= answer.total)));
}

const KINDS = {
  load: () => t("load", "加载"),
  revert: () => t("revert", "撤销"),
  judgement: () => t("judgement", "判断"),
  write: () => t("write", "写入"),
  migrated: () => t("migrated", "迁移"),
};

export function kindWord(kind) {
  return (KINDS[kind] || (() => kind))();
}

/** "node 3 created, 1 updated · edge 2 created": what changed, by record kind. */
export function countsText(counts) {
  const said = { created: t("created", "新建"), updated: t("updated", "更新"),
    removed: t("removed", "移除"), unchanged: t("unchanged", "未变") };
  const parts = [];
  for (const [kind, byStatus] of Object.entries(counts || {})) {
    const shown = Object.entries(byStatus).filter(([status, n]) => n && status !== "unchanged")
      .map(([status, n]) => `${n} ${said[status] || status}`);
    if (shown.length) parts.push(`${kind} ${shown.join(", ")}`);
  }
  return parts.join(" · ") || t("nothing changed", "无变化");
}

function table(items) {
  const head = [t("load", "编号"), t("time (UTC)", "时间（UTC）"), t("who", "操作者"), t("kind", "类型"),
    t("message", "说明"), t("files", "文件"), t("changes", "变化"), t("tags", "标签"), t("reverted by", "已被撤销")];
  const body = h("tbody", { onkeydown: onKey, onclick: (event) => {
    const tr = event.target.closest("tr");
    if (tr) showLoad(Number(tr.dataset.load));
  } }, items.map(row));
  if (body.firstChild) body.firstChild.tabIndex = 0; // one tab stop: ↑/↓ move between the rows
  return h("table", { id: "loads-table", className: "loads-table" },
    h("thead", {}, h("tr", {}, head.map((title) => h("th", { scope: "col" }, title)))), body);
}

function onKey(event) {
  const tr = event.target.closest("tr");
  if (!tr) return;
  const step = { ArrowDown: tr.nextElementSibling, ArrowUp: tr.previousElementSibling }[event.key];
  if (step) {
    event.preventDefault();
    tr.tabIndex = -1;
    step.tabIndex = 0;
    step.focus();
  } else if (event.key === "Enter") {
    event.preventDefault();
    showLoad(Number(tr.dataset.load));
  }
}

let shown = 0; // the latest load asked for wins

/** One load in the details panel: what it was, and the records it changed. */
async function showLoad(number) {
  const ticket = ++shown;
  const panel = $("details");
  let answer;
  try {
    answer = await get(`/loads/${number}`, { limit: CHANGES });
  } catch (error) {
    if (ticket === shown) fill(panel, h("p", { className: "error" }, error.message));
    return;
  }
  if (ticket !== shown) return;
  const { entry, changes, total } = answer;
  fill(panel, h("h2", { tabIndex: -1 }, t(`Load ${entry.number}`, `第 ${entry.number} 次加载`)),
    h("p", { className: "meta" }, `${entry.at.replace("T", " ").replace("Z", " UTC")} · ${entry.who} · ${kindWord(entry.kind)}`),
    entry.message ? h("blockquote", {}, entry.message) : null,
    entry.files.length ? h("ul", { className: "files" }, entry.files.map((f) =>
      h("li", {}, baseName(f.name), h("br"), h("small", {}, `sha256 ${f.sha256} · ${f.size} ${t("bytes", "字节")}`)))) : null,
    h("h3", {}, t(`Records it changed (${total})`, `变更的记录（${total}）`)),
    h("ul", { className: "load-changes" }, changes.map(changeItem)),
    total > changes.length ? h("p", { className: "hint" }, t(`and ${total - changes.length} more: affgraph log ${
      entry.number}, or GET /api/loads/${entry.number}?offset=${changes.length}`, `另有 ${total - changes.length} 条：affgraph log ${
      entry.number}，或 GET /api/loads/${entry.number}?offset=${changes.length}`)) : null);
}

/** "node branch-7 updated: name A → A renamed", its fields that changed. */
function changeItem(change) {
  const said = { created: t("created", "新建"), updated: t("updated", "更新"), removed: t("removed", "移除") };
  const before = change.before || {};
  const after = change.after || {};
  const fields = change.change === "updated" ? [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])) : [];
  const value = (v) => (v === undefined ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v));
  return h("li", { dataset: { kind: change.kind, id: change.id } },
    `${change.kind} `, h("code", { className: "id" }, change.id), ` ${said[change.change] || change.change}`,
    fields.length ? h("ul", {}, fields.map((k) => h("li", {}, `${k}: ${value(before[k])} → ${value(after[k])}`))) : null);
}

function row(entry) {
  const files = entry.files.slice(0, FILES_SHOWN).map((f) => h("span", { className: "file",
    title: `sha256 ${f.sha256} · ${f.size} bytes` }, baseName(f.name)));
  const more = entry.files.length - FILES_SHOWN;
  if (more > 0) {
    files.push(h("span", { className: "more", title: entry.files.slice(FILES_SHOWN).map((f) => baseName(f.name)).join(", ") },
      t(`and ${more} more`, `等另 ${more} 个`)));
  }
  const kind = entry.reverts ? `${kindWord(entry.kind)} ${t("of load", "第")} ${entry.reverts}${t("", " 次")}`
    : kindWord(entry.kind);
  return h("tr", { dataset: { load: String(entry.number) }, tabIndex: -1,
    className: entry.reverted_by ? "reverted" : "" },
    h("td", { className: "number" }, String(entry.number)),
    h("td", { className: "at" }, entry.at.replace("T", " ").replace("Z", "")),
    h("td", {}, entry.who),
    h("td", {}, kind),
    h("td", { className: "message" }, entry.message),
    h("td", { className: "files" }, joined(files)),
    h("td", {}, countsText(entry.counts),
      entry.forced.length ? h("small", {}, t(` (forced: ${entry.forced.length})`, `（强制：${entry.forced.length}）`)) : null),
    h("td", {}, entry.tags.map((tag) => h("span", { className: "tag" }, tag))),
    h("td", {}, entry.reverted_by ? t(`load ${entry.reverted_by}`, `第 ${entry.reverted_by} 次`) : ""));
}

function joined(elements) {
  return elements.flatMap((element, i) => (i ? [", ", element] : [element]));
}

/** A file's name without the folders it was loaded from (the log keeps the whole name). */
export function baseName(name) {
  return String(name).split(/[\\/]/).pop();
}

/** The page's loads, for CSV and JSON export. */
export function data() {
  const rows = current.answer.items.map((e) => ({ load: e.number, at: e.at, who: e.who, kind: e.kind,
    message: e.message, files: e.files.map((f) => f.name).join("|"), changes: countsText(e.counts),
    tags: e.tags.join("|"), reverts: e.reverts ?? "", reverted_by: e.reverted_by ?? "" }));
  return { rows, json: current.answer };
}
