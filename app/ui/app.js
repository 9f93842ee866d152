// affgraph in the browser: reads the state from the URL hash, asks the API for the view,
// draws it, and wires up search, the as-of date, the language, clicks, details and export.
// <body data-state="loading|ready|error"> tells when a view is drawn (the tests wait on it).
// A view asked for while another is loading supersedes it: the older one's requests are
// aborted and it draws nothing (each view checks its signal before drawing).
import { showEdge, showNode } from "./details.js";
import { fill, h } from "./dom.js";
import { exportData, exportPicture } from "./export.js";
import { setupFind } from "./find.js";
import { graph, legend } from "./graph.js";
import { setupSearch } from "./search.js";
import { go, hashOf, readState, today } from "./state.js";
import * as timestrip from "./timestrip.js";
import * as analysis from "./views/analysis.js";
import * as changes from "./views/changes.js";
import * as duplicates from "./views/duplicates.js";
import * as loads from "./views/loads.js";
import * as overview from "./views/overview.js";
import * as superiors from "./views/superiors.js";
import * as tree from "./views/tree.js";
import { lang, loadWords, setLang, t } from "./words.js";

const VIEWS = { overview, tree, superiors, analysis, changes, duplicates, loads };
const GRAPH_VIEWS = new Set(["tree", "superiors"]);
const DRAWN_VIEWS = new Set([...GRAPH_VIEWS, "changes"]); // those drawn in #cy
const $ = (id) => document.getElementById(id);
let asking = null; // the AbortController of the view being loaded
let drawn = null; // the state of the view on screen

function setBusy(busy, failed = false) {
  document.body.dataset.state = failed ? "error" : busy ? "loading" : "ready";
}

/** The view's title, its status line, and links it offers (each to another view). */
function say(info) {
  $("view-title").textContent = info.title;
  $("status").textContent = info.status;
  $("status").classList.remove("error");
  showLinks(info.links);
}

function showLinks(links = []) {
  fill($("view-links"), links.map((link) => h("a", { href: hashOf({ date: readState().date,
    ...link.state }), className: link.className }, link.text)));
}

function fail(error) {
  $("status").textContent = `${t("Error", "错误")}: ${error.message}`;
  $("status").classList.add("error");
  showLinks(error.links);
  setBusy(false, true);
}

function chrome(state) {
  $("as-of").value = state.date;
  for (const button of $("tabs").querySelectorAll("button")) {
    const active = button.dataset.view === state.view;
    button.classList.toggle("active", active);
    button.setAttribute("aria-current", active ? "page" : "false");
    button.disabled = GRAPH_VIEWS.has(button.dataset.view) && !state.id;
  }
  const isGraph = DRAWN_VIEWS.has(state.view);
  $("changes-list").hidden = state.view !== "changes";
  $("changes-strip").hidden = state.view !== "changes";
  $("tree-strip").hidden = state.view !== "tree" || !state.id;
  if (state.view === "tree") timestrip.mark(state.date);
  fill($("legend"), state.view === "changes" ? changes.legendKeys() : [], legend());
  $("legend").hidden = !isGraph; // it explains the graph's colours and shapes
  $("cy").hidden = !isGraph;
  document.querySelector(".canvas").hidden = !isGraph; // else an empty band above the list
  $("find-bar").hidden = !isGraph;
  $("list").hidden = isGraph;
  $("export-png").disabled = !isGraph;
  $("export-svg").disabled = !isGraph;
  if (isGraph) graph().resize();
  return isGraph;
}

async function render() {
  const state = readState();
  if (asking) asking.abort();
  const controller = new AbortController();
  asking = controller;
  setBusy(true);
  const isGraph = chrome(state);
  if (GRAPH_VIEWS.has(state.view) && !state.id) {
    say({ title: "", status: t("Search for an organization or an enterprise to open it.",
      "搜索党组织或企业以打开。") });
    setBusy(false);
    return;
  }
  try {
    const info = await VIEWS[state.view].show(state, controller.signal);
    if (controller.signal.aborted) return;
    say(info);
    drawn = state;
    document.title = `affgraph — ${info.title}`;
    if (GRAPH_VIEWS.has(state.view)) showNode(tree.focusOf(state), state.date);
    setBusy(false);
  } catch (error) {
    if (error.name === "AbortError" || controller.signal.aborted) return;
    fail(error);
  } finally {
    if (asking === controller) asking = null;
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
  const what = state.view === "analysis" ? state.list : state.id || "graph";
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
  $("lang").value = lang();
  $("lang").addEventListener("change", () => {
    setLang($("lang").value);
    $("tree-strip").dataset.root = ""; // drawn again, in the new words
    chromeWords();
    render();
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

/** The page's own words (the tabs, the legend) in the chosen language. */
function chromeWords() {
  document.documentElement.lang = lang() === "zh" ? "zh-Hans" : "en";
  const names = { overview: t("Overview", "概览"), tree: t("Tree", "树状图"),
    superiors: t("Parents-in-law", "婆婆"), analysis: t("Analysis", "分析"),
    changes: t("Changes", "变化"), duplicates: t("Duplicates", "疑似重复"), loads: t("Loads", "加载记录") };
  for (const button of $("tabs").querySelectorAll("button")) {
    button.textContent = names[button.dataset.view];
  }
}

async function start() {
  try {
    await loadWords();
  } catch (error) {
    fail(error);
    return;
  }
  chromeWords();
  setupGraph();
  setupControls();
  setupSearch();
  setupFind();
  window.addEventListener("hashchange", render);
  render();
}

start();
