// Analysis lists: every named query whose declaration has a listing (GET /api/queries) —
// orphans, overlaps, mismatches, coverage, conflicts, transfers … — with the columns, filter
// and counts it declares; the filter's choices are the parameter's values, and the schema's
// words (GET /api/labels) are shown with their Chinese terms. Each row opens the view its
// listing names. Codes are shown as their words (words.js), ids only as secondary text;
// rows are reached with the keyboard (Tab, ↑/↓, Enter).
import { api, get, stillWanted } from "../api.js";
import { showNode } from "../details.js";
import { h } from "../dom.js";
import { go, viewFor } from "../state.js";
import { t, word as words } from "../words.js";

const PAGE = 200;
const ref = (id, name) => (id ? { id, name: name || id } : null);
let catalogue = null; // {lists, labels}, read once
let current = null;

/** The lists (GET /api/queries, those with a listing), read once; the overview uses them. */
export async function read() {
  if (!catalogue) {
    const queries = await get("/queries");
    const lists = {};
    for (const query of queries.items) {
      if (!query.listing) continue;
      const params = Object.fromEntries(query.parameters.map((p) => [p.name, p]));
      const listing = query.listing;
      lists[query.name] = {
        ...listing,
        path: query.path.replace(/^\/api/, ""),
        dated: "as_of" in params,
        // parameters without a default (a list that cannot be asked without them)
        required: query.parameters.filter((p) => p.required).map((p) => p.name),
        filter: listing.filter ? params[listing.filter] : null,
        filterTerms: listing.columns.find((c) => c.field === listing.filter)?.terms,
      };
    }
    catalogue = { lists };
  }
  return catalogue;
}

function word(value, terms, row) {
  return terms ? words(terms, value, row?.label) : value;
}

function cellValue(column, row) {
  const value = row[column.field];
  if (column.link === "always" || (column.link === "named" && row[column.name])) {
    return ref(value, column.name && row[column.name]);
  }
  if (Array.isArray(value)) return value.map((v) => word(v, column.terms, row)).join(column.join);
  if (value == null || value === "") return value;
  const shown = word(value, column.terms, row);
  return column.detail ? `${shown} (${row[column.detail]})` : shown;
}

function opens(list, row) {
  const target = list.opens.find((o) => row[o.id]) || list.opens[0];
  const view = target.view === "by_label" ? viewFor(row.label) : target.view;
  const date = target.date && row[target.date];
  return { view, id: row[target.id], ...(date ? { date } : {}) };
}

export async function show(state, signal) {
  const { lists } = await read();
  const name = lists[state.list] ? state.list : Object.keys(lists)[0];
  const list = lists[name];
  const filter = list.filter;
  const filterValue = filter ? state[filter.name] ?? String(filter.default ?? "") : "";
  const offset = Number(state.offset || 0);
  const params = { limit: PAGE, offset };
  if (filter) params[filter.name] = filterValue;
  if (list.dated) params.as_of = state.date;
  const answer = await api.list(list.path, params, { signal });
  stillWanted(signal);
  current = { name, list, answer, state, filterValue, offset };
  renderTable();
  return describe();
}

function cell(value) {
  const td = document.createElement("td");
  if (value && typeof value === "object") {
    const named = value.name !== value.id;
    td.append(h("a", { href: "#", dataset: { node: value.id }, title: value.id, tabIndex: -1,
      className: named ? null : "id" }, value.name));
  } else {
    td.textContent = value ?? "";
  }
  return td;
}

function filterControl(list, answer, filterValue) {
  const { filter } = list;
  const label = document.createElement("label");
  label.textContent = ` ${filter.name} `;
  let input;
  if (filter.enum) {
    input = document.createElement("select");
    for (const option of ["", ...filter.enum]) {
      const count = list.counts && option ? answer[list.counts]?.[option] : null;
      const text = option
        ? `${word(option, list.filterTerms || "none")}${count != null ? ` (${count})` : ""}`
        : t("all", "全部");
      input.add(new Option(text, option, false, option === filterValue));
    }
  } else {
    input = document.createElement("input");
    input.type = "number";
    input.min = "1";
    input.value = filterValue;
  }
  input.id = "list-filter";
  input.onchange = () => go({ [filter.name]: input.value, offset: "" });
  label.append(input);
  return label;
}

function renderTable() {
  const { name, list, answer, filterValue, offset, state } = current;
  const { lists } = catalogue;
  const root = document.getElementById("list");
  root.replaceChildren();
  const bar = document.createElement("div");
  bar.className = "list-bar";
  const picker = document.createElement("select");
  picker.id = "list-name";
  picker.setAttribute("aria-label", t("list", "列表"));
  for (const key of Object.keys(lists)) {
    picker.add(new Option(lists[key].title, key, false, key === name));
  }
  // every list's filter parameter is emptied when another list is picked
  const clear = Object.fromEntries(
    Object.values(lists).filter((l) => l.filter).map((l) => [l.filter.name, ""]));
  picker.onchange = () => go({ list: picker.value, offset: "", ...clear });
  bar.append(picker);
  if (list.filter) bar.append(filterControl(list, answer, filterValue));
  const pages = document.createElement("span");
  pages.className = "pages";
  const shown = answer.items.length;
  pages.textContent = ` ${shown ? offset + 1 : 0}–${offset + shown} of ${answer.total} `;
  for (const [text, to] of [["‹ previous", offset - PAGE], ["next ›", offset + PAGE]]) {
    const button = document.createElement("button");
    button.textContent = text;
    button.disabled = to < 0 || to >= answer.total;
    button.onclick = () => go({ offset: String(to) });
    pages.append(button);
  }
  bar.append(pages);
  root.append(bar);

  const table = document.createElement("table");
  table.id = "list-table";
  const head = table.createTHead().insertRow();
  for (const column of list.columns) {
    const th = document.createElement("th");
    th.textContent = column.title;
    head.append(th);
  }
  const body = table.createTBody();
  answer.items.forEach((row, i) => {
    const tr = body.insertRow();
    tr.dataset.index = i;
    tr.dataset.id = row.id;
    tr.tabIndex = i === 0 ? 0 : -1; // one tab stop: ↑/↓ move between the rows
    for (const column of list.columns) tr.append(cell(cellValue(column, row)));
  });
  body.onkeydown = (event) => {
    const tr = event.target.closest("tr");
    if (!tr) return;
    const step = { ArrowDown: tr.nextElementSibling, ArrowUp: tr.previousElementSibling }[event.key];
    if (step) {
      event.preventDefault();
      tr.tabIndex = -1;
      step.tabIndex = 0;
      step.focus();
    } else if (event.key === "Enter") {
      event.preventDefault();
      openRow(tr, null);
    }
  };
  body.onclick = (event) => {
    const tr = event.target.closest("tr");
    event.preventDefault();
    if (tr) openRow(tr, event.target.closest("a[data-node]"));
  };
  const openRow = (tr, link) => {
    const row = answer.items[Number(tr.dataset.index)];
    const target = opens(list, row);
    // a linked name other than the row's own shows that node in the details panel
    if (link && link.dataset.node !== target.id && link.dataset.node !== row.id) {
      showNode(link.dataset.node, state.date);
    } else if (target.view === "details") {
      showNode(target.id, state.date);
    } else {
      go(target);
    }
  };
  if (!answer.items.length) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = t("Nothing on this day.", "当日没有。");
    root.append(table, p);
  } else {
    root.append(table);
  }
}

export function describe() {
  const { list, answer, state } = current;
  const day = list.dated ? `as of ${state.date}` : "all dates";
  return { title: list.title, status: `${answer.total} in all (${day}) — click a row to open it` };
}

export function data() {
  const rows = current.answer.items.map((row) => Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, Array.isArray(v) ? v.join("|") : v])));
  return { rows, json: current.answer };
}
