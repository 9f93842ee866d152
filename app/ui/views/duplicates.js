// Duplicates view (#view=duplicates&judged=no|yes|all&at=N): the pairs of nodes that may be
// one body under two names (GET /api/duplicates, paged), one pair at a time, side by side —
// each node with its names, label, kind, USCC, validity, source and quote (details.js) and its
// lines (its superiors and supervising bodies, GET /api/nodes/{id}/superiors) — with the
// evidence for and against and the score. One key decides: s same, d different, u unsure
// (POST /api/duplicates/judgements), n writes a note first; ← → or j k move between pairs.
// A judged pair (judged=yes) shows its standing judgement and can be undone (DELETE). A pair
// judged the same is answered as one node (the merged view): the view says so, links to that
// node, and says that undoing the judgement splits them again.
// Judging needs the server's write token: without it the view reviews, says so, and offers
// a field for it, kept in this tab only (sessionStorage). Data go in as DOM text (dom.js).
import { api, get, send, setToken, stillWanted, token } from "../api.js";
import { nodeDetails, refreshNode, validity } from "../details.js";
import { fill, h } from "../dom.js";
import * as merged from "../merged.js";
import { go, hashOf, readState } from "../state.js";
import { lineWord, t, word } from "../words.js";

/** Pairs asked for at once (one page of the list); the view shows one of them. */
const PAGE = 20;
const WHO_KEY = "affgraph.who";
const JUDGED = ["no", "yes", "all"];

let current = null; // {judged, at, answer, pair, sides, candidates (all listed, when none is shown)}
let notice = null; // {text, undo?} said after a judgement, until the next one
let keysReady = false;

const $ = (id) => document.getElementById(id);

/** The state's list (no, yes, all) and the pair's place in it, from the URL. */
export function placeOf(state) {
  const judged = JUDGED.includes(state.judged) ? state.judged : "no";
  const at = Math.max(0, Math.floor(Number(state.at) || 0));
  return { judged, at };
}

export async function show(state, signal) {
  const { judged } = placeOf(state);
  let { at } = placeOf(state);
  const opts = { signal };
  const page = (n) => get("/duplicates", { judged, limit: PAGE, offset: Math.floor(n / PAGE) * PAGE }, opts);
  let answer = await page(at);
  if (answer.total && at >= answer.total) {
    at = answer.total - 1; // judged away from the end of the list: the last one left
    answer = await page(at);
  }
  const pair = answer.items[at - answer.offset] || null;
  const sides = pair ? await Promise.all([pair.a, pair.b].map((n) => side(n.id, state.date, opts))) : [];
  // an empty list of pairs to judge: none listed at all, or every one judged?
  const candidates = answer.total || judged === "yes" ? null
    : judged === "all" ? 0 : (await get("/duplicates", { judged: "all", limit: 1 }, opts)).total;
  stillWanted(signal);
  current = { judged, at, answer, pair, sides, candidates };
  if (!keysReady) {
    document.addEventListener("keydown", onKey);
    keysReady = true;
  }
  fill($("list"), h("div", { className: "dup" }, tokenBar(), listBar(),
    h("p", { id: "dup-message", role: "status" }, ...decideMessage()), pair ? pairView() : empty()));
  return describe();
}

/** One node of the pair as of the day, and its lines up (or why they could not be read). */
async function side(id, date, opts) {
  const [node, lines] = await Promise.all([
    api.node(id, date, opts),
    api.superiors(id, date, opts).catch((error) => {
      if (error.name === "AbortError") throw error;
      return { error };
    }),
  ]);
  return { asked: id, node, lines };
}

// -- the page ---------------------------------------------------------------------------------

/** The token: given (judging is on), or not (said plainly, with a field to give it). */
function tokenBar() {
  const who = h("input", { id: "dup-who", type: "text", value: sessionStorage.getItem(WHO_KEY) || "",
    placeholder: t("your name", "您的名字"), autocomplete: "name",
    onchange: (event) => sessionStorage.setItem(WHO_KEY, event.target.value.trim()) });
  const whoField = h("label", {}, t("judged by ", "判断人 "), who);
  if (token()) {
    return h("section", { className: "dup-token ok", "aria-label": t("Write token", "写入令牌") },
      h("span", {}, t("Judging is on: the write token is given for this tab.", "可以判断：本标签页已提供写入令牌。")),
      " ", whoField, " ",
      h("button", { type: "button", onclick: () => { setToken(""); go({}); } }, t("forget the token", "忘记令牌")));
  }
  const field = h("input", { id: "dup-token", type: "password", autocomplete: "off",
    "aria-label": t("write token", "写入令牌") });
  const use = (event) => {
    event.preventDefault();
    if (!field.value.trim()) return;
    setToken(field.value.trim());
    notice = null;
    go({});
  };
  return h("form", { className: "dup-token missing", onsubmit: use, "aria-label": t("Write token", "写入令牌") },
    h("p", { id: "dup-token-message" }, t("You can review the pairs, but judging them needs the server's write token " +
      "(AFFGRAPH_API_TOKEN). Enter it to judge: it is kept in this tab only, and forgotten when the tab closes.",
    "可以查看候选对，但判断需要服务器的写入令牌（AFFGRAPH_API_TOKEN）。输入后即可判断：令牌只保存在本标签页，关闭即忘。")),
    h("label", {}, t("token ", "令牌 "), field), " ", h("button", { type: "submit" }, t("Use it", "使用")),
    " ", whoField);
}

/** Which pairs, where this one is among them, and the keys. */
function listBar() {
  const { judged, at, answer } = current;
  const choices = { no: t("not judged yet", "尚未判断"), yes: t("judged", "已判断"), all: t("all", "全部") };
  const picker = h("select", { id: "dup-judged", onchange: (event) => go({ judged: event.target.value, at: "" }) },
    JUDGED.map((value) => h("option", { value, selected: value === judged }, choices[value])));
  const move = (text, to, disabled) => h("button", { type: "button", disabled, onclick: () => go({ at: String(to) }) }, text);
  return h("div", { className: "list-bar dup-bar" },
    h("label", {}, t("pairs ", "候选对 "), picker),
    h("span", { id: "dup-place" }, answer.total
      ? t(`pair ${at + 1} of ${answer.total}`, `第 ${at + 1} 对，共 ${answer.total} 对`)
      : t("no pair", "没有候选对")),
    move(t("‹ previous", "‹ 上一对"), at - 1, at === 0),
    move(t("next ›", "下一对 ›"), at + 1, at + 1 >= answer.total),
    h("span", { className: "keys" }, t("keys: s same · d different · u unsure · n note · ← → or j k move",
      "按键：s 同一 · d 不同 · u 无法判断 · n 备注 · ← → 或 j k 切换")));
}

function empty() {
  const { judged, candidates } = current;
  const words = judged === "yes" ? t("No pair has been judged yet.", "尚无已判断的候选对。")
    : candidates === 0
      ? t("No candidate pair: no two nodes have names alike enough to be listed.",
        "没有候选对：没有名称足够相似的两个节点。")
      : candidates === 1
        ? t("No pair left to judge: the one candidate has a judgement.", "没有待判断的候选对：唯一的一对已判断。")
        : t(`No pair left to judge: all ${candidates} candidates have a judgement.`,
          `没有待判断的候选对：全部 ${candidates} 对均已判断。`);
  return h("p", { className: "empty" }, words);
}

/** The pair: its score and rule, the evidence for and against, both nodes side by side. */
function pairView() {
  const { pair, sides } = current;
  const rule = pair.rule === "uscc" ? t("same unified social credit code", "统一社会信用代码相同")
    : pair.rule === "name" ? t("names alike once normalized", "规范化后名称相近") : pair.rule;
  return h("section", { className: "dup-pair", "aria-label": t("The pair", "候选对"),
    dataset: { a: pair.a.id, b: pair.b.id } },
  h("p", { className: "dup-score" }, h("b", {}, t(`score ${pair.score}`, `得分 ${pair.score}`)), ` · ${rule}`),
  pair.judgement ? standing(pair.judgement, oneNode()) : null,
  h("div", { className: "dup-evidence" },
    h("div", { className: "for" }, h("h2", {}, t("What matched", "相同之处")), points(pair.same)),
    h("div", { className: "against" }, h("h2", {}, t("What differed", "不同之处")), points(pair.different))),
  decideBar(),
  h("div", { className: "dup-sides" }, sides.map((s, i) => sideView(s, i ? "b" : "a"))));
}

function points(list) {
  return list.length ? h("ul", {}, list.map((p) => h("li", {}, p))) : h("p", { className: "empty" }, t("nothing", "无"));
}

/** The node both sides of the pair are answered as, if the server merged them (a standing
 * same judgement: both ids give one node); else null. */
function oneNode() {
  const [a, b] = current.sides;
  return a && b && a.node.id === b.node.id ? a.node : null;
}

/** A judged pair's standing judgement, with an undo (for a merged pair: it splits them). */
function standing(judgement, oneBody) {
  return h("div", { className: `dup-judgement ${judgement.verdict}` },
    h("b", {}, verdictWords(judgement.verdict)), ` — ${judgement.who}, ${judgement.recorded_at}`,
    judgement.note ? h("blockquote", {}, judgement.note) : null,
    oneBody ? answeredAsOne(oneBody) : null, " ",
    h("button", { type: "button", id: "dup-undo", onclick: () => undo(current.pair, Boolean(oneBody)) },
      oneBody ? t("Undo this judgement: split them again", "撤销此判断：重新分为两个节点")
        : t("Undo this judgement", "撤销此判断")));
}

/** "Now answered as one node", with a link to it (its tree or parents-in-law). */
function answeredAsOne(node) {
  const view = node.label === "PartyOrg" ? "tree" : node.label === "Enterprise" ? "superiors" : null;
  const name = h("code", { className: "id" }, node.id);
  const link = view ? h("a", { href: hashOf({ view, id: node.id, date: readState().date }),
    className: "dup-open" }, node.name, " (", name, ")") : [node.name, " (", name, ")"];
  return h("p", { className: "dup-merged" },
    t("The two are now answered as one node: ", "二者现作为一个节点作答："), link,
    t(" — every query reads both records as it, under the least id; either id opens it.",
      " — 所有查询都把两条记录当作该节点，以最小编号作答；用任一编号都会打开它。"));
}

function sideView({ asked, node, lines }, which) {
  return h("article", { className: "dup-side", dataset: { side: which, node: asked },
    "aria-label": `${which.toUpperCase()}: ${node.name}` },
  ...nodeDetails(node, asked),
  h("h3", {}, t("Lines", "关系")),
  lines.error ? h("p", { className: "meta" }, t(`none read: ${lines.error.message}`, `未读取：${lines.error.message}`))
    : lines.items.length ? h("ul", { className: "history" }, lines.items.map(lineView))
      : h("p", { className: "empty" }, t("no superior and no supervising body on the day", "当日无上级或指导机构")));
}

function lineView(line) {
  const kind = line.relation === "affiliation" ? lineWord("affiliation")
    : word("relationship_kinds", line.line_kind, "SUPERVISES");
  return h("li", {}, h("b", {}, kind), ` ${line.name || line.id} · `, validity(line.valid_from, line.valid_to),
    line.source ? h("small", { className: "meta" }, ` — ${line.source}`) : null);
}

/** The keys and the note. */
function decideBar() {
  const button = (verdict, key) => h("button", { type: "button", dataset: { verdict },
    onclick: () => judge(verdict) }, `${verdictWords(verdict)} (${key})`);
  const note = h("textarea", { id: "dup-note", rows: 2, placeholder: t("note (optional): why", "备注（可选）：理由"),
    "aria-label": t("note", "备注") });
  return h("section", { className: "dup-decide", "aria-label": t("Decide", "判断") },
    button("same", "s"), " ", button("different", "d"), " ", button("unsure", "u"), " ", note);
}

function verdictWords(verdict) {
  return word("verdicts", verdict);
}

// -- judging ------------------------------------------------------------------------------------

function say(text) {
  notice = { text };
  const message = $("dup-message");
  if (message) fill(message, ...decideMessage());
}

/** The last judgement's notice, with its undo (shown above the pair, or the empty list). */
function decideMessage() {
  if (!notice) return [];
  const undoText = notice.merged ? t("Undo: split them again", "撤销：重新分为两个节点") : t("Undo", "撤销");
  return [notice.text, notice.merged ? answeredAsOne(notice.merged) : null,
    notice.undo ? [" ", h("button", { type: "button", id: "dup-notice-undo",
      onclick: () => undo(notice.undo, Boolean(notice.merged)) }, undoText)] : null];
}

/** Who judges: the name given, or null after asking for it. */
function whoJudges() {
  const who = ($("dup-who")?.value || "").trim();
  if (who) {
    sessionStorage.setItem(WHO_KEY, who);
    return who;
  }
  say(t("Say who judges first (your name, above).", "请先填写判断人（上方）。"));
  $("dup-who")?.focus();
  return null;
}

function needsToken() {
  if (token()) return false;
  say(t("Judging needs the write token: enter it above.", "判断需要写入令牌：请在上方输入。"));
  $("dup-token")?.focus();
  return true;
}

/** Record a verdict of the pair on screen, then show the list again (in the not-judged
 * list, the next pair takes this one's place). */
async function judge(verdict) {
  const pair = current?.pair;
  if (!pair || needsToken()) return;
  const who = whoJudges();
  if (!who) return;
  const note = ($("dup-note")?.value || "").trim() || undefined;
  try {
    await send("POST", "/duplicates/judgements", undefined, { a: pair.a.id, b: pair.b.id, verdict, who, note });
  } catch (error) {
    refused(error);
    return;
  }
  notice = { text: t(`Recorded: ${verdictWords(verdict)} — ${pair.a.name} / ${pair.b.name}.`,
    `已记录：${verdictWords(verdict)} — ${pair.a.name} / ${pair.b.name}。`), undo: pair,
  merged: verdict === "same" ? await mergedNode(pair) : null };
  merged.stale();
  refreshNode();
  go({});
}

/** The node a pair judged the same is now answered as (null if the server did not merge
 * them, or could not be asked: then nothing is said of a merge). */
async function mergedNode(pair) {
  try {
    const [a, b] = await Promise.all([api.node(pair.a.id), api.node(pair.b.id)]);
    return a.id === b.id ? a : null;
  } catch {
    return null;
  }
}

/** Withdraw the pair's standing judgement (it is kept, marked withdrawn); ``split``: it was
 * a same judgement the server answered the pair as one node by, which this splits again. */
async function undo(pair, split = false) {
  if (needsToken()) return;
  const who = whoJudges();
  if (!who) return;
  try {
    await send("DELETE", "/duplicates/judgements", { a: pair.a.id, b: pair.b.id, who });
  } catch (error) {
    refused(error);
    return;
  }
  notice = { text: split
    ? t(`Withdrawn: ${pair.a.name} / ${pair.b.name} are split again — two nodes, each answered under its own id ` +
      `(${pair.a.id}, ${pair.b.id}) — and a candidate again.`,
    `已撤销：${pair.a.name} / ${pair.b.name} 重新分为两个节点，各以自己的编号（${pair.a.id}、${pair.b.id}）作答，并重新成为候选对。`)
    : t(`Withdrawn: ${pair.a.name} / ${pair.b.name} is a candidate again.`,
      `已撤销：${pair.a.name} / ${pair.b.name} 重新成为候选对。`) };
  merged.stale();
  refreshNode();
  go({});
}

function refused(error) {
  if (error.status === 401) {
    setToken("");
    notice = { text: t(`The token was refused (${error.message}): enter it again.`,
      `令牌被拒绝（${error.message}）：请重新输入。`) };
    go({});
    return;
  }
  say(`${t("Not recorded", "未记录")}: ${error.message}`);
}

function onKey(event) {
  if (readState().view !== "duplicates" || !current || document.body.dataset.state !== "ready") return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest?.("input, textarea, select, [role=slider]")) {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  const verdicts = { s: "same", d: "different", u: "unsure" };
  const key = event.key.toLowerCase();
  if (verdicts[key]) judge(verdicts[key]);
  else if (key === "n") $("dup-note")?.focus();
  else if ((key === "arrowleft" || key === "k") && current.at > 0) go({ at: String(current.at - 1) });
  else if ((key === "arrowright" || key === "j") && current.at + 1 < current.answer.total) {
    go({ at: String(current.at + 1) });
  } else return;
  event.preventDefault();
}

function describe() {
  const { judged, answer, pair } = current;
  const which = { no: t("to judge", "待判断"), yes: t("judged", "已判断"), all: t("in all", "总计") }[judged];
  return {
    title: t("Duplicates: one body under two names?", "疑似重复：同一机构的两个名称？"),
    status: t(`${answer.total} ${answer.total === 1 ? "pair" : "pairs"} ${which}`,
      `${which}候选对 ${answer.total} 对`),
    links: [],
  };
}

/** The page's pairs, for CSV and JSON export. */
export function data() {
  const rows = current.answer.items.map((p) => ({ score: p.score, rule: p.rule, a: p.a.id, a_name: p.a.name,
    b: p.b.id, b_name: p.b.name, same: p.same.join("|"), different: p.different.join("|"),
    verdict: p.judgement?.verdict ?? "", who: p.judgement?.who ?? "" }));
  return { rows, json: current.answer };
}
