// Tree view: an organization's reporting line up to its root (chain), and its subtree down
// (subtree), top-down. Clicking a node expands or collapses it; expanding asks the subtree
// of that node. Past the first few hundred nodes everything is collapsed and the status
// line says how much is hidden. Many leaves under one node are one group, a grid within
// their level. Every current superior is drawn: two at once are drawn both, as a conflict.
// A tree asked of an enterprise is the tree of its Party organization. Under it, the
// timeline strip of the tree's root (timestrip.js), whose marker replays the tree by day.
import { ApiError, api, stillWanted } from "../api.js";
import { caption, draw, graph, treeLayout } from "../graph.js";
import * as merged from "../merged.js";
import * as timestrip from "../timestrip.js";
import { t, word } from "../words.js";

/** Nodes drawn at once before the rest stays collapsed. */
export const BUDGET = 300;
/** Levels asked for when a tree is opened. */
const FIRST_DEPTH = 3;
/** More leaves than this under one node are drawn as one group, a grid. */
export const GROUP_FROM = 12;

// The model of what is loaded: id → {item, children: [ids], hidden, expanded, partial}.
let model = new Map();
let current = null; // {id, asked, date, chain, subtree, history, top}

function put(item, extra = {}) {
  const known = model.get(item.id);
  const entry = known || { item, children: [], hidden: 0, expanded: false, partial: false };
  entry.item = { ...entry.item, ...item };
  Object.assign(entry, extra);
  model.set(item.id, entry);
  return entry;
}

/** Graft a subtree answer (nested TreeNode) into the model, open where it has children. */
function graft(node, open) {
  const { children, hidden, ...item } = node;
  const entry = put(item);
  entry.children = children.map((c) => c.id);
  entry.hidden = hidden;
  entry.partial = false;
  entry.loaded = true;
  entry.expanded = open && children.length > 0;
  for (const child of children) graft(child, open);
}

export async function show(state, signal) {
  const { date } = state;
  const opts = { signal };
  let id = state.id;
  let host = null; // the enterprise asked for, when the tree is of its organization
  let chain;
  try {
    chain = await api.chain(id, date, opts);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 422) throw error;
    host = await hostOf(id, date, opts);
    id = host.orgs[0].id;
    chain = await api.chain(id, date, opts);
  }
  const asked = host ? null : id; // (a tree of an enterprise's organization: not asked by its id)
  id = chain.id; // an alias of a merged node is answered under the node's (canonical) id
  const top = chain.items[chain.items.length - 1];
  const [history, subtree, conflicting] = await Promise.all([
    api.history(id, opts).catch(() => null), // lines before and after the day
    loadSubtree(id, date, FIRST_DEPTH, BUDGET, opts),
    conflictingSuperiors(chain, date, opts),
    timestrip.load(top.id, top.name, date, opts),
    merged.refresh(`tree:${id}`, opts),
  ]);
  stillWanted(signal);
  const keep = current && current.id === id ? model : null;
  model = new Map();
  // the chain, from the root down to the organization; each step's line is the one from
  // the step below up to it
  const steps = [...chain.items].reverse();
  steps.forEach((step, i) => {
    const below = steps[i + 1];
    put(step, { expanded: Boolean(below), partial: Boolean(below), children: below ? [below.id] : [],
      dissolved: !step.active || step.unresolved });
    if (below) put(below, { upParent: step.id, upLine: step.line });
  });
  if (subtree) {
    graft(subtree.tree, true);
    collapseBeyondBudget(id);
  }
  const focus = model.get(id);
  focus.dissolved = !chain.items[0].active;
  if (keep) restoreExpansion(keep);
  const formerIds = (history?.items || []).filter((i) => i.event === "affiliation").map((i) => i.id);
  await merged.learn([...model.keys(), ...conflicting.map((n) => n.id), ...formerIds], date, opts);
  stillWanted(signal);
  current = { id, asked, date, chain, subtree, history, top: steps[0].id, host, conflicting };
  timestrip.show(date); // first: the strip takes its height from the graph's
  graph().resize();
  render();
  return describe();
}

/** The Party organizations based in an enterprise (those with a line on the day), for a
 * tree asked of it; an error saying why there is no tree otherwise. */
async function hostOf(id, date, opts) {
  const node = await api.node(id, date, opts);
  const why = (text) => Object.assign(new Error(text), { links: [
    { text: t("Open its parents-in-law", "查看其“婆婆”"), state: { view: "superiors", id } }] });
  if (node.label !== "Enterprise") {
    throw why(t(`${node.name} is a ${word("labels", node.label)}, not a Party organization: ` +
      "a tree is a reporting line of Party organizations.",
    `${node.name} 是${word("labels", node.label)}，不是党组织：树状图只画党组织的隶属关系。`));
  }
  const answer = await api.superiors(id, date, opts);
  const orgIds = [...new Set(answer.items.map((i) => i.via).filter(Boolean))];
  if (!orgIds.length) {
    throw why(t(`${node.name} is an enterprise, and no Party organization based in it has a ` +
      `line on ${date}: there is no tree to draw.`,
    `${node.name} 是企业，${date} 当日没有设在其中且有隶属关系的党组织，无树可画。`));
  }
  const orgs = await Promise.all(orgIds.map((org) => api.node(org, date, opts)));
  return { node, orgs };
}

/** The superiors of a line that stops at two superiors at once: every one is drawn. */
async function conflictingSuperiors(chain, date, opts) {
  if (chain.stop_reason !== "multiple_superiors") return [];
  return Promise.all(chain.stop_detail.map((superior) => api.node(superior, date, opts)));
}

function loadSubtree(id, date, depth, maxNodes, opts) {
  return api.subtree(id, date, depth, maxNodes, opts);
}

/** Keep the first BUDGET nodes (breadth-first) open; collapse the nodes past it. */
function collapseBeyondBudget(rootId) {
  let shown = 0;
  const queue = [rootId];
  while (queue.length) {
    const entry = model.get(queue.shift());
    shown += 1;
    if (!entry.expanded) continue;
    if (shown + entry.children.length > BUDGET) entry.expanded = false;
    else queue.push(...entry.children);
  }
}

function restoreExpansion(previous) {
  for (const [nodeId, old] of previous) {
    const entry = model.get(nodeId);
    if (entry && entry.loaded && old.expanded === false && entry.expanded) entry.expanded = false;
  }
}

/** Everything known to be under a collapsed node: loaded descendants and counted ones. */
function hiddenUnder(entry, seen = new Set()) {
  let count = entry.hidden;
  for (const childId of entry.children) {
    const child = model.get(childId);
    if (!child || seen.has(childId)) continue;
    seen.add(childId);
    count += 1 + hiddenUnder(child, seen);
  }
  return count;
}

/** What is visible: walk down from the top of the chain through expanded nodes. */
function visible() {
  const nodes = [];
  const edges = [];
  let hiddenCount = 0;
  const seen = new Set();
  const stack = [current.top];
  while (stack.length) {
    const nodeId = stack.pop();
    if (seen.has(nodeId)) continue;
    seen.add(nodeId);
    const entry = model.get(nodeId);
    nodes.push(entry);
    if (!entry.expanded) {
      hiddenCount += hiddenUnder(entry);
      continue;
    }
    hiddenCount += entry.hidden;
    for (const childId of [...entry.children].reverse()) {
      const child = model.get(childId);
      edges.push({ from: nodeId, to: childId,
        line: child && child.upParent === nodeId ? child.upLine : null });
      stack.push(childId);
    }
    if (entry.hidden && entry.loaded) {
      nodes.push({ more: true, id: `more:${nodeId}`, parent: nodeId, count: entry.hidden });
      edges.push({ from: nodeId, to: `more:${nodeId}`, more: true });
    }
  }
  return { nodes, edges, hiddenCount };
}

function nodeElement(entry) {
  if (entry.more) {
    return { group: "nodes", classes: "more",
      data: { id: entry.id, more: entry.parent, caption: t(`… ${entry.count.toLocaleString()} more — click to show`,
        `… 另有 ${entry.count.toLocaleString()} 个——点击显示`) } };
  }
  const { item } = entry;
  const under = entry.expanded ? 0 : hiddenUnder(entry);
  const extra = [];
  if (under) extra.push(t(`▸ ${under.toLocaleString()} under it`, `▸ 下属 ${under.toLocaleString()} 个`));
  else if (entry.partial) extra.push(t("▸ more under it", "▸ 下属更多"));
  if (entry.dissolved) extra.push(item.unresolved ? t("(unknown id)", "（未知编号）") : t("(dissolved)", "（已撤销）"));
  const names = merged.badge(item.id);
  if (names) extra.push(names);
  const conflict = item.id === current.top && current.conflicting.length > 0;
  if (conflict) {
    extra.push(t(`⚠ ${current.conflicting.length} current superiors`, `⚠ 同时有 ${current.conflicting.length} 个上级`));
  }
  const classes = [];
  if (item.id === current.id) classes.push("focus");
  if (under) classes.push("collapsed");
  if (entry.dissolved) classes.push("dissolved");
  if (conflict) classes.push("conflict");
  if (names) classes.push("merged");
  return { group: "nodes", classes: classes.join(" "),
    data: { ...item, id: item.id, caption: caption(item, extra) } };
}

function edgeElement(edge) {
  const line = edge.line || {};
  return { group: "edges", classes: edge.more ? "tree more" : "tree",
    data: { id: `aff:${edge.to}->${edge.from}`, source: edge.from, target: edge.to,
      type: "AFFILIATED_TO", from: edge.to, to: edge.from, kind: line.kind || "affiliation",
      record_kind: line.kind || "",
      valid_from: line.valid_from, valid_to: line.valid_to, source_id: line.source,
      quote: line.quote, caption: line.kind ? word("relationship_kinds", line.kind, "AFFILIATED_TO") : "" } };
}

/** Many leaves under one node: one group (a compound node), a grid within their level, with
 * one line to it instead of a line to each. */
function grouped(elements) {
  const leaves = new Map();
  for (const e of elements) {
    if (e.group !== "edges" || !e.classes.startsWith("tree")) continue;
    const child = model.get(e.data.target);
    if (child && child.expanded) continue;
    if (!leaves.has(e.data.source)) leaves.set(e.data.source, []);
    leaves.get(e.data.source).push(e);
  }
  const byId = new Map(elements.filter((e) => e.group === "nodes").map((e) => [e.data.id, e]));
  const out = [...elements];
  for (const [parentId, lines] of leaves) {
    if (lines.length <= GROUP_FROM) continue;
    const groupId = `group:${parentId}`;
    const kinds = new Map();
    let more = 0;
    for (const line of lines) {
      const node = byId.get(line.data.target);
      node.data.parent = groupId;
      line.classes += " grouped";
      if (node.data.more) more += 1;
      else kinds.set(node.data.kind, (kinds.get(node.data.kind) || 0) + 1);
    }
    const count = lines.length - more;
    const parts = [...kinds].map(([kind, n]) => `${word("kinds", kind, "PartyOrg")} ${n}`);
    out.push({ group: "nodes", data: { id: groupId, isGroup: true,
      caption: `${t(`${count} organizations under one superior`, `同一上级下的 ${count} 个组织`)}: ${parts.join(" · ")}` } });
    out.push({ group: "edges", classes: "tree", data: { id: `${groupId}:line`, source: parentId,
      target: groupId, more: true, caption: "" } });
  }
  return out;
}

/** Every current superior of a line that stops at several: each drawn, in red, as a conflict. */
function conflictElements(shownIds) {
  const out = [];
  for (const node of current.conflicting) {
    if (!shownIds.has(node.id)) {
      shownIds.add(node.id);
      const names = merged.badge(node.id);
      out.push({ group: "nodes", classes: names ? "conflict merged" : "conflict", data: { ...node,
        caption: caption(node, [t("current superior — conflict", "当前上级——冲突"), names]) } });
    }
    out.push({ group: "edges", classes: "conflict", data: { id: `conflict:${current.top}->${node.id}`,
      source: node.id, target: current.top, type: "AFFILIATED_TO", from: current.top, to: node.id,
      kind: "affiliation", caption: t("conflict", "冲突") } });
  }
  return out;
}

/** Lines of the organization that ended before the day, or begin after it (history). */
function historyElements(shownIds) {
  const items = current.history && shownIds.has(current.id) ? current.history.items : [];
  const elements = [];
  for (const line of items) {
    if (line.event !== "affiliation") continue;
    const ended = line.valid_to && line.valid_to <= current.date;
    const future = line.valid_from && line.valid_from > current.date;
    if (!ended && !future) continue;
    if (!shownIds.has(line.id)) {
      shownIds.add(line.id);
      const names = merged.badge(line.id);
      elements.push({ group: "nodes", classes: names ? "former merged" : "former", data: { id: line.id,
        label: "PartyOrg", kind: "", name: line.name || line.id,
        caption: [line.name || line.id, ended ? t("former superior", "原上级") : t("later superior", "后来的上级"),
          names].filter(Boolean).join("\n") } });
    }
    const when = ended ? t(`ended ${line.valid_to}`, `${line.valid_to} 终止`) : t(`from ${line.valid_from}`, `${line.valid_from} 起`);
    elements.push({ group: "edges", classes: ended ? "ended" : "future",
      data: { id: `hist:${current.id}->${line.id}:${line.valid_from || ""}`,
        source: line.id, target: current.id, type: "AFFILIATED_TO", from: current.id,
        to: line.id, kind: line.line_kind, record_kind: line.line_kind || "", valid_from: line.valid_from,
        valid_to: line.valid_to, source_id: line.source, quote: line.quote, caption: when } });
  }
  return elements;
}

let last = { hiddenCount: 0, shown: 0 };

function render() {
  const { nodes, edges, hiddenCount } = visible();
  const shownIds = new Set(nodes.map((n) => n.id || n.item.id));
  const elements = [...grouped([...nodes.map(nodeElement), ...edges.map(edgeElement)]),
    ...historyElements(shownIds), ...conflictElements(shownIds)];
  draw(elements, treeLayout);
  last = { hiddenCount, shown: nodes.filter((n) => !n.more).length };
}

export function describe() {
  const step = current.chain;
  const name = model.get(current.id).item.name;
  const stop = word("stop_reasons", step.stop_reason);
  const up = t(`${name}: reporting line of ${step.total} ${stop}`, `${name}：隶属链 ${step.total} 级，${stop}`);
  const names = (ids) => ids.map((id) => current.conflicting.find((n) => n.id === id)?.name || id);
  const detail = step.stop_detail.length ? ` (${names(step.stop_detail).join(", ")})` : "";
  const hidden = last.hiddenCount
    ? t(` · ${last.hiddenCount.toLocaleString()} hidden (click a ▸ node or “… more” to expand)`,
      ` · 隐藏 ${last.hiddenCount.toLocaleString()} 个（点击 ▸ 节点或“… 另有”展开）`)
    : "";
  const sub = current.subtree ? t(` · ${last.shown.toLocaleString()} shown`, ` · 显示 ${last.shown.toLocaleString()} 个`)
    : t(" · (no subtree)", " · （无下属）");
  const links = [];
  if (current.conflicting.length) {
    links.push({ text: t("⚠ Data conflict: see the conflicts list", "⚠ 数据冲突：查看冲突列表"),
      state: { view: "analysis", list: "conflicts" }, className: "conflict" });
  }
  let title = t(`Tree of ${name}`, `${name} 的树状图`);
  if (current.host) {
    const host = current.host.node.name;
    title = t(`Tree of ${name}, the Party organization of ${host}`, `${host} 的党组织 ${name} 的树状图`);
    for (const org of current.host.orgs.slice(1)) {
      links.push({ text: t(`also based in it: ${org.name}`, `亦设于该企业：${org.name}`),
        state: { view: "tree", id: org.id } });
    }
  }
  return { title, status: up + merged.askedAs(current.asked, current.id) + detail + sub + hidden, links };
}

/** A click on a node: expand or collapse it (asking its subtree when not yet loaded). */
export async function toggle(nodeId) {
  if (!current) return null;
  if (nodeId.startsWith("more:")) {
    const parentId = nodeId.slice(5);
    const entry = model.get(parentId);
    const wanted = entry.children.length + Math.min(entry.hidden, BUDGET) + 1;
    const answer = await loadSubtree(parentId, current.date, 1, wanted);
    if (answer) mergeChildren(parentId, answer.tree);
    await learnLoaded();
    render();
    return describe();
  }
  const entry = model.get(nodeId);
  if (!entry) return null;
  if (entry.expanded && !entry.partial) {
    entry.expanded = false;
  } else if (!entry.partial && entry.children.length > 0) {
    entry.expanded = true;
  } else if (entry.partial || entry.hidden > 0 || !entry.loaded) {
    const answer = await loadSubtree(nodeId, current.date, 1, BUDGET + 1);
    if (answer) mergeChildren(nodeId, answer.tree);
    await learnLoaded();
  }
  render();
  graph().getElementById(nodeId).select();
  return describe();
}

/** Which of the nodes loaded since are merged groups (a few node routes at most). */
function learnLoaded() {
  return merged.learn([...model.keys()], current.date);
}

/** Children from a subtree answer, keeping those already loaded (e.g. the chain's). */
function mergeChildren(nodeId, tree) {
  const entry = model.get(nodeId);
  const ids = tree.children.map((c) => c.id);
  for (const child of tree.children) {
    const { children, hidden, ...item } = child;
    const known = model.get(child.id);
    const c = put(item);
    if (!known) {
      c.hidden = hidden + children.length;
      c.loaded = c.hidden === 0; // a leaf: nothing to ask
    }
  }
  for (const old of entry.children) if (!ids.includes(old)) ids.push(old);
  entry.children = ids;
  entry.hidden = tree.hidden;
  entry.loaded = true;
  entry.partial = false;
  entry.expanded = true;
}

/** The data of the view, for CSV and JSON export. */
export function data() {
  const rows = graph().nodes().filter((n) => !n.hasClass("more") && !n.data("isGroup")).map((n) => ({
    id: n.id(), label: n.data("label"), kind: n.data("kind"), name: n.data("name"),
    members: n.data("members") ?? "", superior: n.incomers("node").map((s) => s.id()).join("|"),
    dissolved: n.hasClass("dissolved"), merged_ids: (merged.groupOf(n.id()) || []).join("|"),
    hidden_under: model.has(n.id()) && !model.get(n.id()).expanded ? hiddenUnder(model.get(n.id())) : 0,
  }));
  return { rows, json: { as_of: current.date, chain: current.chain, subtree: current.subtree,
    history: current.history } };
}

/** The node a drawn view is about: for a tree asked of an enterprise, its organization; the
 * id as asked (an alias of a merged node: its details say what it is merged into). */
export function focusOf(state) {
  return state.view === "tree" && current ? current.asked || current.id : state.id;
}
