// Tree view: an organization's reporting line up to its root (chain), and its subtree down
// (subtree), top-down. Clicking a node expands or collapses it; expanding asks the subtree
// of that node. Past the first few hundred nodes everything is collapsed and the status
// line says how much is hidden.
import { api } from "../api.js";
import { caption, draw, graph, treeLayout } from "../graph.js";

/** Nodes drawn at once before the rest stays collapsed. */
export const BUDGET = 300;
/** Levels asked for when a tree is opened. */
const FIRST_DEPTH = 3;

const STOPS = {
  root: "reaches its root",
  no_superior: "has no superior on this day",
  superior_dissolved: "stops at a dissolved superior",
  superior_unresolved: "stops at an unknown superior",
  multiple_superiors: "stops: two superiors at once",
  cycle: "stops: the line runs in a cycle",
  max_depth: "stops after 50 levels",
};

// The model of what is loaded: id → {item, children: [ids], hidden, expanded, partial}.
let model = new Map();
let current = null; // {id, date, chain, subtree, history, top}

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

function loadSubtree(id, date, depth, maxNodes) {
  return api.subtree(id, date, depth, maxNodes);
}

export async function show(state) {
  const { id, date } = state;
  const [chain, history] = await Promise.all([
    api.chain(id, date),
    api.history(id).catch(() => null), // lines before and after the day
  ]);
  const subtree = await loadSubtree(id, date, FIRST_DEPTH, BUDGET);
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
  current = { id, date, chain, subtree, history, top: steps[0].id };
  render();
  return describe();
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
      data: { id: entry.id, more: entry.parent, caption: `… ${entry.count.toLocaleString()} more — click to show` } };
  }
  const { item } = entry;
  const under = entry.expanded ? 0 : hiddenUnder(entry);
  const extra = [];
  if (under) extra.push(`▸ ${under.toLocaleString()} under it`);
  else if (entry.partial) extra.push("▸ more under it");
  if (entry.dissolved) extra.push(item.unresolved ? "(unknown id)" : "(dissolved)");
  const classes = [];
  if (item.id === current.id) classes.push("focus");
  if (under) classes.push("collapsed");
  if (entry.dissolved) classes.push("dissolved");
  return { group: "nodes", classes: classes.join(" "),
    data: { ...item, id: item.id, caption: caption(item, extra) } };
}

function edgeElement(edge) {
  const line = edge.line || {};
  return { group: "edges", classes: edge.more ? "tree more" : "tree",
    data: { id: `aff:${edge.to}->${edge.from}`, source: edge.from, target: edge.to,
      type: "AFFILIATED_TO", from: edge.to, to: edge.from, kind: line.kind || "affiliation",
      valid_from: line.valid_from, valid_to: line.valid_to, source_id: line.source,
      quote: line.quote, caption: line.kind || "" } };
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
      elements.push({ group: "nodes", classes: "former", data: { id: line.id, label: "PartyOrg",
        kind: "", name: line.name || line.id,
        caption: `${line.name || line.id}\n${ended ? "former" : "later"} superior` } });
    }
    const when = ended ? `ended ${line.valid_to}` : `from ${line.valid_from}`;
    elements.push({ group: "edges", classes: ended ? "ended" : "future",
      data: { id: `hist:${current.id}->${line.id}:${line.valid_from || ""}`,
        source: line.id, target: current.id, type: "AFFILIATED_TO", from: current.id,
        to: line.id, kind: line.line_kind, valid_from: line.valid_from,
        valid_to: line.valid_to, source_id: line.source, quote: line.quote, caption: when } });
  }
  return elements;
}

let last = { hiddenCount: 0, shown: 0 };

function render() {
  const { nodes, edges, hiddenCount } = visible();
  const shownIds = new Set(nodes.map((n) => n.id || n.item.id));
  const elements = [...nodes.map(nodeElement), ...edges.map(edgeElement),
    ...historyElements(shownIds)];
  draw(elements, treeLayout);
  last = { hiddenCount, shown: nodes.filter((n) => !n.more).length };
}

export function describe() {
  const step = current.chain;
  const name = model.get(current.id).item.name;
  const up = `${name}: reporting line of ${step.total} ${STOPS[step.stop_reason] || step.stop_reason}`;
  const detail = step.stop_detail.length ? ` (${step.stop_detail.join(", ")})` : "";
  const hidden = last.hiddenCount
    ? ` · ${last.hiddenCount.toLocaleString()} hidden (click a ▸ node or “… more” to expand)`
    : "";
  const sub = current.subtree ? ` · ${last.shown.toLocaleString()} shown` : " · (no subtree)";
  return { title: `Tree of ${name}`, status: up + detail + sub + hidden };
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
  }
  render();
  graph().getElementById(nodeId).select();
  return describe();
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
  const rows = graph().nodes().filter((n) => !n.hasClass("more")).map((n) => ({
    id: n.id(), label: n.data("label"), kind: n.data("kind"), name: n.data("name"),
    members: n.data("members") ?? "", superior: n.incomers("node").map((s) => s.id()).join("|"),
    dissolved: n.hasClass("dissolved"),
    hidden_under: model.has(n.id()) && !model.get(n.id()).expanded ? hiddenUnder(model.get(n.id())) : 0,
  }));
  return { rows, json: { as_of: current.date, chain: current.chain, subtree: current.subtree,
    history: current.history } };
}
