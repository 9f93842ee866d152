// Loads view (#view=loads&at=N): the load log, newest first (GET /api/loads, paged) — each
// write's number, time, who wrote it (the token's name, or the CLI's user), kind, message,
// files, counts, tags, and the load that reverted it. Nothing is ever overwritten: a revert
// is a load of its own, listed here too. Data go in as DOM text (dom.js).
import { get, stillWanted } from "../api.js";
import { fill, h } from "../dom.js";
import { go } from "../state.js";
import { t } from "../words.js";

const PAGE = 50;
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
  return h("table", { id: "loads-table", className: "loads-table" },
    h("thead", {}, h("tr", {}, head.map((title) => h("th", { scope: "col" }, title)))),
    h("tbody", {}, items.map(row)));
}

function row(entry) {
  const files = entry.files.map((f) => h("span", { className: "file", title: `sha256 ${f.sha256} · ${f.size} bytes` },
    baseName(f.name)));
  const kind = entry.reverts ? `${kindWord(entry.kind)} ${t("of load", "第")} ${entry.reverts}${t("", " 次")}`
    : kindWord(entry.kind);
  return h("tr", { dataset: { load: String(entry.number) }, className: entry.reverted_by ? "reverted" : "" },
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
