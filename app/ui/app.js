// affgraph in the browser: reads the state from the URL hash, asks the API for the view,
// draws it, and wires up search, the as-of date, clicks, details and export.
// <body data-state="loading|ready|error"> tells when a view is drawn (the tests wait on it).
import { showEdge, showNode } from "./details.js";
import { exportData, exportPicture } from "./export.js";
import { graph, legendHtml } from "./graph.js";
import { setupSearch } from "./search.js";
import { go, readState, today } from "./state.js";
import * as analysis from "./views/analysis.js";
import * as superiors from "./views/superiors.js";
import * as tree from "./views/tree.js";

const VIEWS = { tree, superiors, analysis };
const $ = (id) => document.getElementById(id);
let rendering = 0;
let drawn = null; // the state of the view on screen

function setBusy(busy, failed = false) {
  document.body.dataset.state = failed ? "error" : busy ? "loading" : "ready";
}

function say(info) {
  $("view-title").textContent = info.title;
  $("status").textContent = info.status;
  $("status").classList.remove("error");
}

function fail(error) {
  $("status").textContent = `Error: ${error.message}`;
  $("status").classList.add("error");
  setBusy(false, true);
}

async function render() {
  const state = readState();
  const ticket = ++rendering;
  setBusy(true);
  $("as-of").value = state.date;
  for (const button of $("tabs").querySelectorAll("button")) {
    button.classList.toggle("active", button.dataset.view === state.view);
    button.disabled = button.dataset.view !== "analysis" && !state.id;
  }
  const isGraph = state.view !== "analysis";
  $("cy").hidden = !isGraph;
  $("list").hidden = isGraph;
  $("export-png").disabled = !isGraph;
  $("export-svg").disabled = !isGraph;
  if (isGraph) graph().resize();
  if (isGraph && !state.id) {
    say({ title: "", status: "Search for an organization or an enterprise to open it." });
    setBusy(false);
    return;
  }
  try {
    const info = await VIEWS[state.view].show(state);
    if (ticket !== rendering) return;
    say(info);
    drawn = state;
    document.title = `affgraph — ${info.title}`;
    if (isGraph) showNode(state.id, state.date);
    setBusy(false);
  } catch (error) {
    if (ticket === rendering) fail(error);
  }
}

function setupGraph() {
  const cy = graph();
  cy.on("tap", "node", async (event) => {
    const node = event.target;
    if (node.data("isGroup") || !drawn) return;
    if (!node.data("more")) showNode(node.id(), drawn.date);
    if (drawn.view !== "tree") return;
    setBusy(true);
    try {
      const info = await tree.toggle(node.id());
      if (info) say(info);
      setBusy(false);
    } catch (error) {
      fail(error);
    }
  });
  cy.on("tap", "edge", (event) => {
    const edge = event.target;
    if (edge.data("more") || !drawn) return;
    showEdge(edge.data(), drawn.date, (id) => cy.getElementById(id).data("name"));
  });
}

function exportName() {
  const state = drawn || readState();
  const what = state.view === "analysis" ? state.list : state.id;
  return `affgraph-${state.view}-${what}-${state.date}`.replace(/[^\w.-]+/g, "_");
}

function setupControls() {
  $("as-of").addEventListener("change", (event) => {
    if (event.target.value) go({ date: event.target.value });
  });
  $("today").addEventListener("click", () => go({ date: today() }));
  $("tabs").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-view]");
    if (button) go({ view: button.dataset.view });
  });
  const current = () => VIEWS[(drawn || readState()).view];
  const guard = (fn) => () => {
    try {
      fn();
    } catch (error) {
      fail(error);
    }
  };
  $("export-png").addEventListener("click", guard(() => exportPicture(graph(), "png", exportName())));
  $("export-svg").addEventListener("click", guard(() => exportPicture(graph(), "svg", exportName())));
  $("export-csv").addEventListener("click", guard(() => exportData(current().data(), "csv", exportName())));
  $("export-json").addEventListener("click", guard(() => exportData(current().data(), "json", exportName())));
}

$("legend").innerHTML = legendHtml();
setupGraph();
setupControls();
setupSearch();
window.addEventListener("hashchange", render);
render();
