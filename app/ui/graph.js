// The one Cytoscape instance every graph view draws into, and its style: colour and shape
// by label and kind, line style by line kind, dissolved nodes and ended lines set apart;
// the tree layout (levels, with many siblings as a wrapped grid within their level).
/* global cytoscape */
import { h } from "./dom.js";
import { lineWord, t, word } from "./words.js";

const GAP_X = 22;
const GAP_Y = 16;
const LEVEL_GAP = 56;

// [colour, shape] by label, then by kind where the kind changes it.
const LOOK = {
  PartyOrg: {
    _: ["#c62828", "round-rectangle"],
    local_committee: ["#8e0000", "cut-rectangle"],
    committee: ["#c62828", "round-rectangle"],
    general_branch: ["#e53935", "round-tag"],
    branch: ["#ef5350", "ellipse"],
    joint_branch: ["#f06292", "diamond"],
    temporary_branch: ["#ff8a65", "rhomboid"],
    leading_group: ["#6a1b9a", "hexagon"],
    work_committee: ["#ad1457", "barrel"],
    comprehensive_committee: ["#d84315", "octagon"],
  },
  Enterprise: {
    _: ["#1565c0", "rectangle"],
    foreign: ["#0277bd", "rectangle"],
    joint_venture: ["#00838f", "rectangle"],
    soe: ["#283593", "rectangle"],
    mixed: ["#4527a0", "rectangle"],
  },
  Body: { _: ["#2e7d32", "round-hexagon"], sasac: ["#1b5e20", "round-hexagon"] },
  Area: { _: ["#8d6e63", "round-triangle"], park: ["#6d4c41", "round-triangle"] },
};

export function look(label, kind) {
  const byKind = LOOK[label] || { _: ["#757575", "ellipse"] };
  return byKind[kind] || byKind._;
}

// line style by kind: [colour, style, width]
const LINES = {
  affiliation: ["#b71c1c", "solid", 3],
  guidance: ["#1e88e5", "dashed", 2],
  direct_contact: ["#ef6c00", "solid", 2],
  instructor: ["#2e7d32", "dotted", 3],
  evaluation: ["#8e24aa", "dashed", 2],
  coordination: ["#546e7a", "dotted", 2],
  inspection: ["#c62828", "dashed", 2],
  registration: ["#6d4c41", "dotted", 2],
  based_in: ["#9e9e9e", "dashed", 1],
  other: ["#9e9e9e", "solid", 1],
};

export function lineLook(kind) {
  return LINES[kind] || LINES.other;
}

// Labels sit under the shapes, so no shape clips a name; they wrap at LABEL_W.
const SHAPE_W = 44;
const SHAPE_H = 28;
const LABEL_W = 150;
/** Labels smaller than this on screen are not drawn (semantic zoom): zooming in brings them
 * back; the focus, the selected node and its neighbours (class ``labelled``) always show. */
const MIN_LABEL_PX = 9;

/** The ring of a merged node, and its legend mark. */
const MERGED_COLOUR = "#7b1fa2";

const STYLE = [
  {
    selector: "node",
    style: {
      "background-color": (n) => look(n.data("label"), n.data("kind"))[0],
      shape: (n) => look(n.data("label"), n.data("kind"))[1],
      label: "data(caption)",
      color: "#212121",
      "font-size": 11,
      "text-wrap": "wrap",
      "text-max-width": LABEL_W,
      // Chinese has no spaces to wrap at: break anywhere; other text between words
      "text-overflow-wrap": (n) => (/[\u3000-\u9fff\uff00-\uffef]/.test(n.data("caption") || "")
        ? "anywhere" : "whitespace"),
      "text-valign": "bottom",
      "text-halign": "center",
      "text-margin-y": 5,
      "text-background-color": "#ffffff",
      "text-background-opacity": 0.85,
      "text-background-padding": 1,
      "min-zoomed-font-size": MIN_LABEL_PX,
      width: SHAPE_W,
      height: SHAPE_H,
      "border-width": 1,
      "border-color": "#333",
      "z-index": 10,
    },
  },
  { selector: "node.focus", style: { "border-width": 4, "border-color": "#ffb300", "font-weight": "bold" } },
  { selector: "node.labelled, node.focus, node.found", style: { "min-zoomed-font-size": 0 } },
  { selector: "node.found", style: { "border-width": 4, "border-color": "#00b8d4" } },
  { selector: "node.collapsed", style: { "border-width": 3, "border-style": "double" } },
  {
    selector: "node.dissolved",
    style: { "background-color": "#bdbdbd", "border-style": "dashed", "border-width": 2,
      "border-color": "#616161", opacity: 0.85 },
  },
  { selector: "node.former", style: { "background-opacity": 0.35, "border-style": "dashed" } },
  {
    selector: "node.conflict",
    style: { "border-width": 4, "border-color": "#d50000", "border-style": "solid",
      "underlay-color": "#ff1744", "underlay-opacity": 0.25, "underlay-padding": 6,
      "min-zoomed-font-size": 0 },
  },
  // one body under several names (a same judgement): a purple ring outside the shape, and
  // "≡ N names" in its caption (merged.js)
  { selector: "node.merged", style: { "outline-width": 3, "outline-color": MERGED_COLOUR,
    "outline-offset": 3, "outline-style": "solid", "min-zoomed-font-size": 0 } },
  {
    selector: "node.more",
    style: { "background-color": "#eeeeee", shape: "round-rectangle", "border-style": "dashed",
      width: 110, height: 24, "text-valign": "center", "text-background-opacity": 0,
      "min-zoomed-font-size": 0 },
  },
  {
    selector: "node:parent",
    style: { "background-color": "#f5f5f5", "background-opacity": 0.7, "border-color": "#9e9e9e",
      "border-style": "dashed", "border-width": 1, label: "data(caption)", color: "#37474f",
      "font-size": 14, "font-weight": "bold", "text-valign": "top", "text-halign": "center",
      "text-margin-y": -4, "text-background-opacity": 0, padding: 12, shape: "round-rectangle",
      "text-max-width": 1200, "text-overflow-wrap": "whitespace",
      "min-zoomed-font-size": 0 },
  },
  {
    selector: "edge",
    style: {
      width: (e) => lineLook(e.data("kind"))[2],
      "line-color": (e) => lineLook(e.data("kind"))[0],
      "line-style": (e) => lineLook(e.data("kind"))[1],
      "target-arrow-color": (e) => lineLook(e.data("kind"))[0],
      "target-arrow-shape": "triangle",
      "curve-style": "bezier",
      label: "data(caption)",
      "font-size": 10,
      color: "#424242",
      "text-background-color": "#fff",
      "text-background-opacity": 0.9,
      "text-wrap": "none",
      "min-zoomed-font-size": 8,
      "z-index": 1,
    },
  },
  { selector: "edge.tree", style: { "line-color": "#b71c1c", "target-arrow-color": "#b71c1c",
    width: 2, "curve-style": "taxi", "taxi-direction": "downward", "taxi-turn": 30,
    "taxi-turn-min-distance": 5 } },
  { selector: "edge.grouped", style: { display: "none" } },
  {
    selector: "edge.ended",
    style: { "line-color": "#9e9e9e", "target-arrow-color": "#9e9e9e", "line-style": "dashed",
      width: 2, opacity: 0.8, "curve-style": "bezier" },
  },
  {
    selector: "edge.future",
    style: { "line-color": "#90caf9", "target-arrow-color": "#90caf9", "line-style": "dotted",
      width: 2, "curve-style": "bezier" },
  },
  {
    selector: "edge.conflict",
    style: { "line-color": "#d50000", "target-arrow-color": "#d50000", width: 3,
      "curve-style": "bezier", color: "#b71c1c", "min-zoomed-font-size": 0 },
  },
  { selector: ":selected", style: { "overlay-color": "#ffb300", "overlay-opacity": 0.3 } },
];

let instance = null;

/** The graph, created on first use in #cy. */
export function graph() {
  if (!instance) {
    instance = cytoscape({
      container: document.getElementById("cy"),
      style: STYLE,
      minZoom: 0.05,
      maxZoom: 3,
      textureOnViewport: true,
      hideEdgesOnViewport: true,
    });
    // the selected node's neighbours keep their labels at any zoom
    instance.on("select", "node", (event) => {
      instance.nodes(".labelled").removeClass("labelled");
      event.target.closedNeighborhood("node").addClass("labelled");
    });
    window.cy = instance; // for the end-to-end tests and the console
  }
  return instance;
}

/** Replace what is drawn, lay it out (options, or a function of cy) and fit it. */
export function draw(elements, layout) {
  const cy = graph();
  cy.batch(() => {
    cy.elements().remove();
    cy.add(elements);
  });
  if (typeof layout === "function") layout(cy);
  else cy.layout({ animate: false, fit: false, ...layout }).run();
  cy.fit(undefined, 30);
  if (cy.zoom() > 1.2) {
    cy.zoom(1.2);
    cy.center();
  }
  return cy;
}

/** A node's size with its label (the label hangs under the shape). */
function box(node) {
  const b = node.boundingBox({ includeLabels: true, includeOverlays: false });
  return { w: Math.max(b.w, 60), h: b.h };
}

/** The grid a group's members fill: cells as large as its largest member, about 2.5 times
 * wider than tall (a screen's shape, with room for the level below). */
function gridOf(group) {
  const members = group.children();
  let cellW = 0;
  let cellH = 0;
  members.forEach((m) => {
    const b = box(m);
    cellW = Math.max(cellW, b.w + GAP_X);
    cellH = Math.max(cellH, b.h + GAP_Y);
  });
  const cols = Math.max(1, Math.min(members.length,
    Math.ceil(Math.sqrt((members.length * 2.5 * cellH) / cellW))));
  const rows = Math.ceil(members.length / cols);
  return { members, cellW, cellH, cols, rows, w: cols * cellW, h: rows * cellH + 28 };
}

/**
 * The tree layout: each level of the tree is one band, top-down, superiors above; siblings
 * are side by side in their parent's band below it. A group (a compound node holding many
 * leaves of one parent) is one item of its level, its members a wrapped grid inside it: so
 * ninety-seven branches of one committee stay on one level, never chains. Nodes with no
 * tree line (a former, later or conflicting superior) sit in the level above the node they
 * point to, to the right of what is there.
 */
export function treeLayout(cy) {
  const items = cy.nodes().filter((n) => !n.isChild() || !n.parent().data("isGroup"));
  const kids = new Map();
  const hasParent = new Set();
  cy.edges(".tree").not(".grouped").forEach((e) => {
    if (!kids.has(e.source().id())) kids.set(e.source().id(), []);
    kids.get(e.source().id()).push(e.target());
    hasParent.add(e.target().id());
  });
  const size = new Map();
  items.forEach((n) => size.set(n.id(), n.data("isGroup") ? gridOf(n) : box(n)));
  const depth = new Map();
  const roots = items.filter((n) => !hasParent.has(n.id()));
  const linked = roots.filter((n) => (kids.get(n.id()) || []).length || n.hasClass("focus"));
  const side = roots.not(linked);
  const walk = (n, d) => {
    depth.set(n.id(), d);
    for (const c of kids.get(n.id()) || []) if (!depth.has(c.id())) walk(c, d + 1);
  };
  linked.forEach((n) => walk(n, 0));
  side.forEach((n) => {
    const target = n.connectedEdges().connectedNodes().not(n).filter((m) => depth.has(m.id()));
    depth.set(n.id(), target.length ? depth.get(target[0].id()) - 1 : 0);
  });
  const levels = new Map();
  for (const [id, d] of depth) levels.set(d, Math.max(levels.get(d) || 0, size.get(id).h));
  const top = new Map();
  let y = 0;
  for (const d of [...levels.keys()].sort((a, b) => a - b)) {
    top.set(d, y);
    y += levels.get(d) + LEVEL_GAP;
  }
  const width = new Map();
  const measure = (n) => {
    const children = kids.get(n.id()) || [];
    const under = children.reduce((sum, c) => sum + measure(c), 0) + GAP_X * Math.max(0, children.length - 1);
    const w = Math.max(size.get(n.id()).w + GAP_X, under);
    width.set(n.id(), w);
    return w;
  };
  const place = (n, left) => {
    const s = size.get(n.id());
    const w = width.get(n.id());
    const d = depth.get(n.id());
    if (n.data("isGroup")) placeGrid(s, left + (w - s.w) / 2, top.get(d) + 28);
    else n.position({ x: left + w / 2, y: top.get(d) + SHAPE_H / 2 });
    const children = kids.get(n.id()) || [];
    const under = children.reduce((sum, c) => sum + width.get(c.id()), 0) + GAP_X * Math.max(0, children.length - 1);
    let x = left + (w - under) / 2;
    for (const c of children) {
      place(c, x);
      x += width.get(c.id()) + GAP_X;
    }
  };
  let left = 0;
  linked.forEach((n) => {
    measure(n);
    place(n, left);
    left += width.get(n.id()) + GAP_X * 4;
  });
  placeSide(cy, side, depth, top, size);
}

function placeGrid(grid, left, y) {
  grid.members.forEach((m, i) => {
    m.position({ x: left + (i % grid.cols) * grid.cellW + grid.cellW / 2,
      y: y + Math.floor(i / grid.cols) * grid.cellH + SHAPE_H / 2 });
  });
}

/** Former, later and conflicting superiors: in the level above what they point to, right
 * of whatever is already drawn in that level. */
function placeSide(cy, side, depth, top, size) {
  const right = new Map();
  cy.nodes().forEach((n) => {
    const d = depth.get(n.id());
    if (d === undefined || side.has(n)) return;
    const b = n.boundingBox({ includeLabels: true });
    right.set(d, Math.max(right.get(d) ?? -Infinity, b.x2));
  });
  side.forEach((n) => {
    const d = depth.get(n.id());
    const target = n.connectedEdges().connectedNodes().not(n).first();
    const from = Math.max(right.get(d) ?? -Infinity, target.nonempty() ? target.position("x") : 0);
    const x = from + GAP_X * 2 + size.get(n.id()).w / 2;
    n.position({ x, y: top.get(d) + SHAPE_H / 2 });
    right.set(d, x + size.get(n.id()).w / 2);
  });
}

/** A node's caption: name, then kind, members and what is hidden under it. */
export function caption(item, extra = []) {
  const facts = [word("kinds", item.kind, item.label)];
  if (item.members !== undefined && item.members !== null) {
    facts.push(t(`${item.members} members`, `党员${item.members}名`));
  }
  return [item.name, facts.filter(Boolean).join(" · "), ...extra].filter(Boolean).join("\n");
}

/** One entry of the legend: a mark and its words. */
export function legendKey(mark, text, name) {
  return h("span", { className: "key", dataset: name ? { key: name } : undefined }, mark, text);
}

/** A line's mark in the legend: a short stroke of its colour and style. */
export function legendLine(colour, style) {
  return h("b", { style: { borderTop: `3px ${style} ${colour}` } });
}

/** The legend under the stage: colours and shapes by label and kind, lines by kind. */
export function legend() {
  const shapeNames = { "cut-rectangle": "⯄", "round-rectangle": "▢", ellipse: "◯", diamond: "◇",
    hexagon: "⬡", "round-hexagon": "⬡", rectangle: "▭", "round-triangle": "△",
    "round-tag": "⬠", rhomboid: "▱", barrel: "⌸", octagon: "⯃" };
  const key = legendKey;
  const shape = (colour, glyph) => h("i", { style: { color: colour }, "aria-hidden": "true" }, glyph);
  const line = legendLine;
  const items = [];
  for (const [label, kinds] of Object.entries(LOOK)) {
    for (const [kind, [colour, glyph]] of Object.entries(kinds)) {
      if (kind === "_" && label === "PartyOrg") continue;
      const name = kind === "_" ? word("labels", label) : word("kinds", kind, label);
      items.push(key(shape(colour, shapeNames[glyph] || "●"), name));
    }
  }
  for (const [kind, [colour, style]] of Object.entries(LINES)) items.push(key(line(colour, style), lineWord(kind)));
  items.push(key(shape("#9e9e9e", "▢"), t("dissolved", "已撤销")));
  items.push(key(line("#9e9e9e", "dashed"), t("ended line", "已终止的关系")));
  items.push(key(line("#d50000", "solid"), t("conflicting superior", "冲突的上级")));
  const merged = key(h("i", { className: "merged-mark", style: { borderColor: MERGED_COLOUR }, "aria-hidden": "true" }, "≡"),
    t("≡ N names: one body under N names (judged the same), shown under its least id",
      "≡ N 个名称：同一机构的 N 个名称（判断为同一），以最小编号显示"));
  merged.dataset.mark = "merged"; // (data-key names the Changes view's colour keys)
  items.push(merged);
  return items;
}
