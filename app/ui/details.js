// The details panel: a clicked node's properties (GET /api/nodes/{id}), its validity and
// its source with the quote — for a merged node (a same judgement), every record it is made
// of, and which id the answers use; or a clicked line's kind, dates, source and quote. Either
// way, the load that wrote the record and its earlier versions (revisions.js). Built from DOM
// text nodes (dom.js): names, quotes and URLs are data, never markup.
import { api } from "./api.js";
import { fill, h, safeUrl } from "./dom.js";
import { lineKey, recordHistory } from "./revisions.js";
import { go } from "./state.js";
import { lineWord, t, word } from "./words.js";

const panel = () => document.getElementById("details");

export function validity(from, to) {
  if (!from && !to) return t("always (no dates given)", "始终（未给出日期）");
  const start = from ? t(`from ${from}`, `自 ${from}`) : t("since ever", "一直");
  const end = to ? t(`until ${to} (exclusive)`, `至 ${to}（不含）`) : t("— still holds", "— 仍有效");
  return `${start} ${end}`;
}

/** A table of [name, value] rows; a value is text or a node; empty values are left out. */
function rows(pairs) {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== null && v !== "");
  return h("table", { className: "props" },
    shown.map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, k), h("td", {}, v))));
}

function quote(text, page) {
  if (!text) return null;
  return [h("blockquote", {}, text), page ? h("p", { className: "page" }, page) : null];
}

/** A source's URL as a link if it is http(s), else as plain text said to be refused. */
function sourceUrl(url) {
  if (!url) return null;
  const safe = safeUrl(url);
  if (!safe) {
    return h("span", { className: "refused" }, String(url), " ",
      h("small", {}, t("(not an http(s) address: not linked)", "（非 http(s) 地址：不链接）")));
  }
  return h("a", { href: safe, target: "_blank", rel: "noopener noreferrer" }, safe);
}

/** Why a line is believed to start and end when it does: each piece of evidence behind it,
 * with its own source and quote (empty when the line's record states its interval). */
function evidence(pieces) {
  if (!pieces || !pieces.length) return null;
  const verbs = { begins: "began", ends: "ended", holds: "held" };
  const said = (p) => p.role === "interval"
    ? `states it held ${p.valid_from ? `from ${p.valid_from}` : "(no start given)"}${
      p.valid_to ? ` until ${p.valid_to}` : ", no end given"}`
    : `says it ${verbs[p.role] || p.role} on ${p.date}`;
  return h("ul", { className: "evidence" }, pieces.map((p) => h("li", { className: "evidence" },
    h("b", {}, said(p)),
    p.transfer ? ` — transfer ${p.transfer}` : null,
    p.source ? ` — ${p.source}` : null,
    p.quote ? [h("br"), h("i", {}, p.quote)] : null)));
}

let shown = 0; // the latest request wins
let lastNode = null; // [id, date] of the node shown, for refreshNode

export async function showNode(id, date) {
  const ticket = ++shown;
  lastNode = [id, date];
  fill(panel(), h("p", { className: "hint" }, t(`Loading ${id}…`, `正在读取 ${id}…`)));
  let node;
  try {
    node = await api.node(id, date);
  } catch (error) {
    if (ticket === shown) fill(panel(), h("p", { className: "error" }, error.message));
    return;
  }
  if (ticket !== shown) return;
  fill(panel(), ...nodeDetails(node, id), h("div", { id: "history" }), h("div", { id: "record-history" }));
  if (node.label === "PartyOrg") showHistory(node.id, ticket);
  showRecordHistory("nodes", node.id, ticket);
}

/** The record's loads and earlier versions, below what the panel shows of it. */
async function showRecordHistory(kind, key, ticket) {
  const section = await recordHistory(kind, key);
  const target = document.getElementById("record-history");
  if (ticket !== shown || !target || !section) return;
  fill(target, section);
}

/** A node's name, label, kind, validity, properties and source with its quote (the details
 * panel's, and each side of a pair in the Duplicates view); ``asked``: the id it was asked
 * by, said when it is an alias merged into this node. */
export function nodeDetails(node, asked) {
  const src = node.source_record;
  const skip = new Set(["id", "label", "kind", "name", "name_en", "aliases", "valid_from",
    "valid_to", "source", "quote", "page", "as_of", "active", "source_record", "unresolved", "same_as",
    "load"]);
  const extra = Object.entries(node).filter(([k, v]) => !skip.has(k) && v !== null)
    .map(([k, v]) => [k.replaceAll("_", " "), String(v)]);
  const actions = [];
  if (node.label === "PartyOrg") actions.push(["tree", t("Open tree", "打开树状图")]);
  if (node.label === "PartyOrg" || node.label === "Enterprise") {
    actions.push(["superiors", t("Parents-in-law", "婆婆（上级与指导机构）")]);
  }
  const exists = node.active ? t("exists", "存在") : t("does not exist", "不存在");
  return [
    h("h2", { tabIndex: -1 }, node.name),
    node.name_en && node.name_en !== node.name ? h("p", { className: "en" }, node.name_en) : null,
    h("p", { className: "meta" }, `${word("labels", node.label)} · ${word("kinds", node.kind,
      node.label)} · `, h("code", { className: "id" }, node.id)),
    h("p", { className: `badge ${node.active ? "on" : "off"}` }, `${exists} ${t("on", "于")} ${
      node.as_of}`, node.unresolved ? t(" — placeholder for an unknown id", " — 未知编号的占位") : null),
    node.load ? h("p", { className: "cite", title: t("The load this answer was computed on: as_recorded=" +
      `${node.load} in the API gives it again, however the data move on`, `本回答所依据的加载：在 API 中用 as_recorded=${
      node.load} 可再次得到同一回答`) }, t(`at load ${node.load}, as of ${node.as_of}`,
      `第 ${node.load} 次加载，截至 ${node.as_of}`)) : null,
    mergedInto(node, asked),
    h("div", { className: "actions" }, actions.map(([view, text]) =>
      h("button", { type: "button", onclick: () => go({ view, id: node.id }) }, text))),
    h("h3", {}, t("Properties", "属性")),
    rows([[t("valid", "有效期"), validity(node.valid_from, node.valid_to)],
      [t("aliases", "别名"), (node.aliases || []).join("; ")], ...extra]),
    h("h3", {}, t("Source", "来源")),
    src ? rows([[t("document", "文献"), src.title || src.id], [t("publisher", "发布者"), src.publisher],
      [t("date", "日期"), src.date], [t("language", "语言"), src.language],
      ["url", sourceUrl(src.url)]])
      : h("p", {}, node.source || t("no source given", "未给出来源")),
    quote(node.quote, node.page),
    sameAs(node),
  ];
}

/** Asked by an alias: which node answers for it, and why. */
function mergedInto(node, asked) {
  if (!asked || asked === node.id) return null;
  return h("p", { className: "merged-into", role: "note" },
    t("You asked for ", "您查询的 "), h("code", { className: "id" }, asked),
    t(": it is merged into this node (judged the same body), so it is answered under ",
      "：已并入本节点（判断为同一机构），因此以 "),
    h("code", { className: "id" }, node.id), t(".", " 作答。"));
}

/** A merged node: one body under several names — each record it is made of (its id, name,
 * kind, source and quote, as loaded), which id the answers use and why. */
function sameAs(node) {
  const others = node.same_as || [];
  if (!others.length) return null;
  const records = [{ id: node.id, name: node.name, kind: node.kind, source: node.source, quote: node.quote },
    ...others];
  const n = records.length;
  return h("section", { className: "same-as", "aria-label": t("Merged records", "合并的记录") },
    h("h3", {}, t(`One body under ${n} names`, `同一机构，${n} 个名称`)),
    h("p", {}, t(`Judged the same body: every answer is given under `, "已判断为同一机构：所有查询都以 "),
      h("code", { className: "id" }, node.id),
      t(`, the least of its ${n} ids (a rule that depends on the ids alone, so the id stays the ` +
        "same whatever the order of loads and judgements). Any of its ids opens this node.",
      `作答，即其 ${n} 个编号中最小的一个（此规则只取决于编号，无论加载和判断的先后，编号都不变）。用其中任一编号都会打开本节点。`)),
    h("ul", { className: "same-as" }, records.map((r) => h("li", { dataset: { id: r.id } },
      h("code", { className: "id" }, r.id),
      r.id === node.id ? h("small", { className: "canonical" }, t(" — the id answers use", " — 作答所用编号")) : null,
      h("br"), h("b", {}, r.name), ` · ${word("kinds", r.kind, node.label)}`,
      h("br"), h("small", {}, t("source: ", "来源："), r.source || t("none given", "未给出")),
      r.quote ? h("blockquote", {}, r.quote) : null))),
    h("p", { className: "meta" }, t(`Its lines are those of all ${n} records together; in Parents-in-law, ` +
      "a line loaded with another record says so (\"loaded as\").",
      `其关系是全部 ${n} 条记录的关系之和；在“婆婆”视图中，以其他记录载入的关系会注明（“载入时”）。`)));
}

/** Show the node on the panel again, if one is: after a judgement, which may merge it with
 * another or split it, what was shown may no longer be so. */
export function refreshNode() {
  if (lastNode && panel().querySelector("h2")) showNode(...lastNode);
}

async function showHistory(id, ticket) {
  let history;
  try {
    history = await api.history(id);
  } catch {
    return;
  }
  const target = document.getElementById("history");
  if (ticket !== shown || !target || !history.items.length) return;
  fill(target, h("h3", {}, t("Affiliation history", "隶属关系沿革")),
    h("ul", { className: "history" }, history.items.map(historyItem)));
}

function historyItem(item) {
  if (item.event === "affiliation") {
    const open = (event) => {
      event.preventDefault();
      go({ view: "tree", id: item.id });
    };
    return h("li", {}, t("line to ", "隶属于 "),
      h("a", { href: "#", dataset: { node: item.id }, onclick: open }, item.name || item.id),
      ` (${word("relationship_kinds", item.line_kind, "AFFILIATED_TO")}) `,
      validity(item.valid_from, item.valid_to), evidence(item.evidence));
  }
  const to = item.decided_to || item.proposed_to;
  const proposed = item.proposed_to && item.decided_to && item.proposed_to !== item.decided_to
    ? ` (${t("proposed", "拟转至")} ${item.proposed_to})` : "";
  return h("li", {}, t("transfer ", "转移 "), h("b", {}, word("transfer_statuses", item.status)),
    item.date ? ` ${t("on", "于")} ${item.date}` : "",
    `: ${item.from || "?"} → ${to || "?"}${proposed}`,
    item.reason ? [h("br"), h("i", {}, item.reason)] : null);
}

/** A clicked line: its data as drawn; a tree line without it asks the chain of its lower end. */
export async function showEdge(data, date, names) {
  const ticket = ++shown;
  let line = data;
  if (data.type === "AFFILIATED_TO" && !data.source_id && !data.quote && data.from) {
    try {
      const chain = await api.chain(data.from, date);
      const up = chain.items[1];
      if (up && up.id === data.to && up.line) {
        line = { ...data, ...up.line, source_id: up.line.source, kind: up.line.kind,
          record_kind: up.line.kind || "" };
      }
    } catch {
      // keep what is drawn
    }
  }
  if (ticket !== shown) return;
  const name = (id) => names(id) || id;
  const title = line.type === "AFFILIATED_TO" ? t("Affiliation (formal superior)", "隶属关系（正式上级）")
    : line.type === "SUPERVISES" ? t("Supervision (a parent-in-law)", "指导关系（“婆婆”）") : line.type;
  fill(panel(),
    h("h2", { tabIndex: -1 }, title),
    h("p", { className: "meta" }, `${name(line.from)} → ${name(line.to)}`),
    rows([[t("kind", "类型"), line.kind ? lineWord(line.kind) : ""],
      [t("valid", "有效期"), validity(line.valid_from, line.valid_to)],
      [t("source", "来源"), line.source_id],
      ...(line.loaded_ends ? [[t("loaded as", "载入时"), loadedAs(line.loaded_ends)]] : [])]),
    quote(line.quote),
    h("div", { id: "record-history" }));
  if (line.type && line.from && line.to) showRecordHistory("lines", lineKey(line), ticket);
}

/** Where a line of a merged group came from: the ends its record was loaded with. */
function loadedAs(ends) {
  return `${ends[0]} → ${ends[1]} ` + t("(a record merged into the node shown)", "（已合并到所示节点的记录）");
}
