// The one Cytoscape instance every graph view draws into, and its style: colour and shape
// by label and kind, line style by line kind, dissolved nodes and ended lines set apart.
/* global cytoscape */

const NODE_W = 170;
const NODE_H = 56;
const GAP_X = 18;
const GAP_Y = 22;

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

const STYLE = [
  {
    selector: "node",
    style: {
      "background-color": (n) => look(n.data("label"), n.data("kind"))[0],
      shape: (n) => look(n.data("label"), n.data("kind"))[1],
      label: "data(caption)",
      color: "#fff",
      "font-size": 11,
      "text-wrap": "wrap",
      "text-max-width": 150,
      "text-valign": "center",
      "text-halign": "center",
      width: NODE_W,
      height: NODE_H,
      "border-width": 1,
      "border-color": "#333",
    },
  },
  { selector: "node.focus", style: { "border-width": 4, "border-color": "#ffb300" } },
  { selector: "node.collapsed", style: { "border-width": 3, "border-style": "double" } },
  {
    selector: "node.dissolved",
    style: { "background-color": "#bdbdbd", color: "#212121", "border-style": "dashed",
      "border-width": 2, "border-color": "#616161", opacity: 0.85 },
  },
  {
    selector: "node.former",
    style: { "background-opacity": 0.35, color: "#212121", "border-style": "dashed" },
  },
  {
    selector: "node.more",
    style: { "background-color": "#eeeeee", color: "#424242", shape: "round-rectangle",
      "border-style": "dashed", height: 34 },
  },
  {
    selector: "node:parent",
    style: { "background-color": "#fafafa", "background-opacity": 0.6, "border-color": "#9e9e9e",
      "border-style": "dashed", label: "data(caption)", color: "#424242", "font-size": 13,
      "font-weight": "bold", "text-valign": "top", "text-halign": "center", padding: 14,
      shape: "round-rectangle" },
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
      "font-size": 9,
      color: "#424242",
      "text-background-color": "#fff",
      "text-background-opacity": 0.8,
      "text-rotation": "autorotate",
    },
  },
  { selector: "edge.tree", style: { "line-color": "#b71c1c", "target-arrow-color": "#b71c1c", width: 3 } },
  {
    selector: "edge.ended",
    style: { "line-color": "#9e9e9e", "target-arrow-color": "#9e9e9e", "line-style": "dashed",
      width: 2, opacity: 0.8 },
  },
  {
    selector: "edge.future",
    style: { "line-color": "#90caf9", "target-arrow-color": "#90caf9", "line-style": "dotted",
      width: 2 },
  },
  {
    selector: "edge.grid",
    style: { "curve-style": "taxi", "taxi-direction": "downward", "taxi-turn": 40,
      "taxi-turn-min-distance": 5, width: 1, label: "", "z-index": 0 },
  },
  { selector: "node", style: { "z-index": 10 } },
  { selector: ".block", style: { opacity: 0, events: "no" } },
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

/** More leaves than this under one node are laid out as a grid, not one long row. */
const GRID_FROM = 12;

/**
 * The tree layout: dagre, top-down, superiors above. A node's leaves, when there are many,
 * are laid out as a block (a grid under it) instead of one very long row: dagre places a
 * stand-in node of the block's size, and the leaves then fill its area.
 */
export function treeLayout(cy) {
  const blocks = [];
  cy.nodes().forEach((parent) => {
    const leaves = parent.outgoers("node").filter((n) => n.outgoers("node").empty());
    if (leaves.length <= GRID_FROM) return;
    const cols = Math.ceil(Math.sqrt(leaves.length * 0.7)); // about the screen's shape
    const rows = Math.ceil(leaves.length / cols);
    blocks.push({ parent, leaves, cols, rows });
  });
  const helpers = cy.collection();
  cy.batch(() => {
    for (const block of blocks) {
      const id = `block:${block.parent.id()}`;
      const node = cy.add({ group: "nodes", classes: "block", data: { id, caption: "" } });
      node.style({ width: block.cols * (NODE_W + GAP_X), height: block.rows * (NODE_H + GAP_Y) });
      helpers.merge(node).merge(cy.add({ group: "edges", classes: "block",
        data: { id: `${id}:edge`, source: block.parent.id(), target: id, caption: "" } }));
      block.node = node;
    }
  });
  const gridded = cy.collection();
  for (const block of blocks) gridded.merge(block.leaves).merge(block.leaves.connectedEdges());
  cy.elements().not(gridded).layout({ name: "dagre", rankDir: "TB", nodeSep: GAP_X,
    rankSep: 70, animate: false, fit: false }).run();
  for (const block of blocks) {
    const { x, y } = block.node.position();
    const left = x - (block.cols * (NODE_W + GAP_X)) / 2 + (NODE_W + GAP_X) / 2;
    const top = y - (block.rows * (NODE_H + GAP_Y)) / 2 + (NODE_H + GAP_Y) / 2;
    block.leaves.forEach((leaf, i) => {
      leaf.position({ x: left + (i % block.cols) * (NODE_W + GAP_X),
        y: top + Math.floor(i / block.cols) * (NODE_H + GAP_Y) });
    });
    block.leaves.connectedEdges().addClass("grid");
  }
  cy.remove(helpers);
}

/** A node's caption: name, then kind, members and what is hidden under it. */
export function caption(item, extra = []) {
  const lines = [item.name];
  const facts = [item.kind.replaceAll("_", " ")];
  if (item.members !== undefined && item.members !== null) facts.push(`${item.members} members`);
  lines.push(facts.join(" · "));
  return [...lines, ...extra].filter(Boolean).join("\n");
}

/** The legend under the stage: colours and shapes by label and kind, lines by kind. */
export function legendHtml() {
  const shapeNames = { "cut-rectangle": "⯄", "round-rectangle": "▢", ellipse: "◯", diamond: "◇",
    hexagon: "⬡", "round-hexagon": "⬡", rectangle: "▭", "round-triangle": "△",
    "round-tag": "⬠", rhomboid: "▱", barrel: "⌸", octagon: "⯃" };
  const items = [];
  for (const [label, kinds] of Object.entries(LOOK)) {
    for (const [kind, [colour, shape]] of Object.entries(kinds)) {
      if (kind === "_" && label === "PartyOrg") continue;
      const name = kind === "_" ? label : kind.replaceAll("_", " ");
      items.push(`<span class="key"><i style="color:${colour}">${shapeNames[shape] || "●"}` +
        `</i>${name}</span>`);
    }
  }
  for (const [kind, [colour, style]] of Object.entries(LINES)) {
    items.push(`<span class="key"><b style="border-top:3px ${style} ${colour}"></b>` +
      `${kind.replaceAll("_", " ")}</span>`);
  }
  items.push('<span class="key"><i style="color:#9e9e9e">▢</i>dissolved</span>');
  items.push('<span class="key"><b style="border-top:3px dashed #9e9e9e"></b>ended line</span>');
  return items.join("");
}
