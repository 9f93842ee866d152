// The details panel: a clicked node's properties (GET /api/nodes/{id}), its validity and
// its source with the quote; or a clicked line's kind, dates, source and quote.
import { api } from "./api.js";
import { go, viewFor } from "./state.js";

const panel = () => document.getElementById("details");

export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) =>
    ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function validity(from, to) {
  if (!from && !to) return "always (no dates given)";
  return `${from ? `from ${from}` : "since ever"} ${to ? `until ${to} (exclusive)` : "— still holds"}`;
}

function rows(pairs) {
  return `<table class="props">${pairs.filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join("")}</table>`;
}

function quote(text, page) {
  if (!text) return "";
  return `<blockquote>${esc(text)}</blockquote>${page ? `<p class="page">${esc(page)}</p>` : ""}`;
}

/** Why a line is believed to start and end when it does: each piece of evidence behind it,
 * with its own source and quote (empty when the line's record states its interval). */
function evidence(pieces) {
  if (!pieces || !pieces.length) return "";
  const verbs = { begins: "began", ends: "ended", holds: "held" };
  const said = (p) => p.role === "interval"
    ? `states it held ${p.valid_from ? `from ${p.valid_from}` : "(no start given)"}${
      p.valid_to ? ` until ${p.valid_to}` : ", no end given"}`
    : `says it ${verbs[p.role] || p.role} on ${p.date}`;
  const items = pieces.map((p) => `<li class="evidence"><b>${esc(said(p))}</b>
    ${p.transfer ? ` — transfer ${esc(p.transfer)}` : ""}${p.source ? ` — ${esc(p.source)}` : ""}
    ${p.quote ? `<br><i>${esc(p.quote)}</i>` : ""}</li>`);
  return `<ul class="evidence">${items.join("")}</ul>`;
}

let shown = 0; // the latest request wins

export async function showNode(id, date) {
  const ticket = ++shown;
  panel().innerHTML = `<p class="hint">Loading ${esc(id)}…</p>`;
  let node;
  try {
    node = await api.node(id, date);
  } catch (error) {
    if (ticket === shown) panel().innerHTML = `<p class="error">${esc(error.message)}</p>`;
    return;
  }
  if (ticket !== shown) return;
  const src = node.source_record;
  const skip = new Set(["id", "label", "kind", "name", "name_en", "aliases", "valid_from",
    "valid_to", "source", "quote", "page", "as_of", "active", "source_record", "unresolved"]);
  const extra = Object.entries(node).filter(([k, v]) => !skip.has(k) && v !== null)
    .map(([k, v]) => [k.replaceAll("_", " "), esc(v)]);
  const actions = [];
  if (node.label === "PartyOrg") actions.push(["tree", "Open tree"]);
  if (node.label === "PartyOrg" || node.label === "Enterprise") {
    actions.push(["superiors", "Parents-in-law"]);
  }
  panel().innerHTML = `
    <h2>${esc(node.name)}</h2>
    ${node.name_en && node.name_en !== node.name ? `<p class="en">${esc(node.name_en)}</p>` : ""}
    <p class="meta">${esc(node.label)} · ${esc(node.kind.replaceAll("_", " "))} ·
      <code>${esc(node.id)}</code></p>
    <p class="badge ${node.active ? "on" : "off"}">${node.active ? "exists" : "does not exist"}
      on ${esc(node.as_of)}${node.unresolved ? " — placeholder for an unknown id" : ""}</p>
    <div class="actions">${actions.map(([view, text]) =>
      `<button data-open="${view}">${text}</button>`).join("")}</div>
    <h3>Properties</h3>
    ${rows([["valid", esc(validity(node.valid_from, node.valid_to))],
      ["aliases", esc((node.aliases || []).join("; "))], ...extra])}
    <h3>Source</h3>
    ${src ? rows([["document", esc(src.title || src.id)], ["publisher", esc(src.publisher)],
      ["date", esc(src.date)], ["language", esc(src.language)],
      ["url", src.url ? `<a href="${esc(src.url)}" target="_blank" rel="noopener">${esc(src.url)}</a>` : ""]])
      : `<p>${esc(node.source || "no source given")}</p>`}
    ${quote(node.quote, node.page)}
    <div id="history"></div>`;
  panel().querySelectorAll("[data-open]").forEach((button) => {
    button.onclick = () => go({ view: button.dataset.open, id: node.id });
  });
  if (node.label === "PartyOrg") showHistory(node.id, ticket);
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
  const items = history.items.map((item) => {
    if (item.event === "affiliation") {
      return `<li>line to <a href="#" data-node="${esc(item.id)}">${esc(item.name || item.id)}</a>
        (${esc(item.line_kind)}) ${esc(validity(item.valid_from, item.valid_to))}
        ${evidence(item.evidence)}</li>`;
    }
    const to = item.decided_to || item.proposed_to;
    return `<li>transfer <b>${esc(item.status)}</b>${item.date ? ` on ${esc(item.date)}` : ""}:
      ${esc(item.from || "?")} → ${esc(to || "?")}${item.proposed_to && item.decided_to &&
        item.proposed_to !== item.decided_to ? ` (proposed ${esc(item.proposed_to)})` : ""}
      ${item.reason ? `<br><i>${esc(item.reason)}</i>` : ""}</li>`;
  });
  target.innerHTML = `<h3>Affiliation history</h3><ul class="history">${items.join("")}</ul>`;
  target.querySelectorAll("a[data-node]").forEach((a) => {
    a.onclick = (event) => {
      event.preventDefault();
      go({ view: "tree", id: a.dataset.node });
    };
  });
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
        line = { ...data, ...up.line, source_id: up.line.source, kind: up.line.kind };
      }
    } catch {
      // keep what is drawn
    }
  }
  if (ticket !== shown) return;
  const name = (id) => esc(names(id) || id);
  panel().innerHTML = `
    <h2>${esc(line.type === "AFFILIATED_TO" ? "Affiliation (formal superior)"
      : line.type === "SUPERVISES" ? "Supervision (a parent-in-law)" : line.type)}</h2>
    <p class="meta">${name(line.from)} → ${name(line.to)}</p>
    ${rows([["kind", esc((line.kind || "").replaceAll("_", " "))],
      ["valid", esc(validity(line.valid_from, line.valid_to))],
      ["source", esc(line.source_id)]])}
    ${quote(line.quote)}`;
}
