// Overview, the first page: the loaded graph as of the day — counts by label and kind, every
// analysis list with its count, orphans by reason, coverage gaps by status, the enterprises
// with the most parents-in-law, the latest transfers and the data conflicts; each a link into
// its view. It asks only the API's existing routes, a page of one item where a count is all
// it needs.
import { api, stillWanted } from "../api.js";
import { fill, h } from "../dom.js";
import { hashOf } from "../state.js";
import { t, word } from "../words.js";
import { read } from "./analysis.js";

const TOP = 6;
let current = null;

export async function show(state, signal) {
  const { date } = state;
  const opts = { signal };
  const { lists } = await read();
  const dated = (name, params = {}) => api.list(lists[name].path,
    { ...(lists[name].dated ? { as_of: date } : {}), ...params }, opts);
  // every list that can be asked with the day alone
  const names = Object.keys(lists).filter((name) => !lists[name].required.length);
  const [stats, counts, overlaps, transfers, conflicts] = await Promise.all([
    api.list("/stats", { as_of: date }, opts),
    // a list that cannot be counted with the day alone is listed with why, not left out
    Promise.all(names.map((name) => dated(name, { limit: 1 }).catch((error) => {
      if (error.name === "AbortError") throw error;
      return { error };
    }))),
    dated("overlaps", { label: "Enterprise", limit: TOP }),
    dated("transfers", { date_to: date, limit: 1000 }),
    dated("conflicts", { limit: 20 }),
  ]);
  stillWanted(signal);
  const answers = Object.fromEntries(names.map((name, i) => [name, counts[i]]));
  current = { date, lists, stats, answers, overlaps, transfers, conflicts };
  render();
  return { title: t(`Overview on ${date}`, `${date} 概览`),
    status: t(`${stats.total.toLocaleString()} nodes on ${date} — every figure opens its list`,
      `${date} 共 ${stats.total.toLocaleString()} 个节点——点击数字打开列表`) };
}

const link = (state, text) => h("a", { href: hashOf({ date: current.date, ...state }) }, text);

function section(id, title, ...body) {
  return h("section", { className: "card", id, "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title), ...body);
}

/** A list of counts, each a link: [[text, count, state, why], …] (no count: ``why`` says
 * why not). */
function counted(rows, empty) {
  if (!rows.length) return h("p", { className: "empty" }, empty);
  return h("ul", { className: "counts" }, rows.map(([text, count, state, why]) =>
    h("li", { title: why }, state ? link(state, text) : text, h("span", { className: "count" },
      count === undefined ? "—" : Number(count).toLocaleString()))));
}

function render() {
  const { stats, lists, answers } = current;
  const byKind = (label) => stats.by_kind.filter((k) => k.label === label)
    .map((k) => `${word("kinds", k.kind, label)} ${k.count.toLocaleString()}`).join(" · ");
  fill(document.getElementById("list"), h("div", { className: "overview" },
    section("ov-graph", t("The graph on this day", "当日图谱"),
      h("table", { className: "props" }, Object.entries(stats.by_label).map(([label, count]) =>
        h("tr", {}, h("th", { scope: "row" }, word("labels", label)),
          h("td", { className: "count" }, count.toLocaleString()),
          h("td", { className: "kinds" }, byKind(label)))))),
    section("ov-analyses", t("Analyses", "分析"), counted(Object.keys(answers).map((name) =>
      [lists[name].title, answers[name].total, { view: "analysis", list: name },
        answers[name].error?.message]), "")),
    section("ov-orphans", t("Orphans by reason", "孤立党组织（按原因）"),
      byCode(answers.orphans.by_reason, "orphan_reasons", "orphans", "reason",
        t("No orphaned organization on this day.", "当日无孤立党组织。"))),
    section("ov-coverage", t("Coverage gaps by status", "覆盖缺口（按状态）"),
      byCode(answers.coverage.by_status, "coverage_statuses", "coverage", "status",
        t("No coverage gap on this day.", "当日无覆盖缺口。"))),
    section("ov-overlaps", t("Most parents-in-law", "“婆婆”最多的企业"), topEnterprises()),
    section("ov-transfers", t("Latest transfers", "最近的转移"), latestTransfers()),
    section("ov-conflicts", t("Data conflicts", "数据冲突"), conflictList())));
}

function byCode(counts, terms, list, param, empty) {
  const rows = Object.entries(counts || {}).sort((a, b) => b[1] - a[1])
    .map(([code, n]) => [word(terms, code), n, { view: "analysis", list, [param]: code }]);
  return counted(rows, empty);
}

function topEnterprises() {
  const rows = current.overlaps.items.map((item) => [item.name, item.superiors,
    { view: "superiors", id: item.id }]);
  return counted(rows, t("No enterprise has a superior on this day.", "当日没有企业有上级。"));
}

function latestTransfers() {
  const dated = current.transfers.items.filter((x) => x.date)
    .sort((a, b) => b.date.localeCompare(a.date)).slice(0, TOP);
  if (!dated.length) return h("p", { className: "empty" }, t("No transfer up to this day.", "截至当日无转移。"));
  return h("ul", { className: "plain" }, dated.map((x) => h("li", {},
    h("span", { className: "date" }, x.date), " ",
    link({ view: "tree", id: x.org, date: x.date }, x.org_name || x.org),
    ` — ${word("transfer_statuses", x.status)}`,
    x.decided_to || x.proposed_to ? ` → ${x.decided_to_name || x.proposed_to_name || x.decided_to || x.proposed_to}` : "")));
}

function conflictList() {
  const { items, total } = current.conflicts;
  if (!items.length) return h("p", { className: "empty" }, t("No data conflict on this day.", "当日无数据冲突。"));
  return [h("ul", { className: "plain" }, items.map((x) => h("li", {},
    link({ view: "tree", id: x.id }, x.name), ` — ${word("conflict_types", x.type)}`))),
  total > items.length ? link({ view: "analysis", list: "conflicts" },
    t(`all ${total} conflicts`, `全部 ${total} 个冲突`)) : null];
}

export function data() {
  const rows = Object.entries(current.answers).map(([name, answer]) => ({
    list: name, title: current.lists[name].title, total: answer.total ?? "",
    error: answer.error?.message ?? "" }));
  return { rows, json: { as_of: current.date, stats: current.stats, lists: rows } };
}
