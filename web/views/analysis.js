// Analysis lists: orphans by reason, overlaps ranked, mismatches, coverage gaps, conflicts
// and transfers (proposed and decided side by side). Each row opens the matching view.
import { api } from "../api.js";
import { showNode } from "../details.js";
import { go, viewFor } from "../state.js";

const PAGE = 200;
const ref = (id, name) => (id ? { id, name: name || id } : null);

const LISTS = {
  orphans: {
    title: "Orphaned organizations",
    path: "/analysis/orphans",
    filter: { name: "reason", options: ["", "superior_unresolved", "superior_dissolved",
      "affiliation_ended", "no_affiliation", "host_dissolved"] },
    counts: "by_reason",
    columns: [["name", (r) => ref(r.id, r.name)], ["kind", (r) => r.kind],
      ["reason", (r) => r.reason], ["related", (r) => ref(r.related_id)],
      ["since", (r) => r.since], ["open transfer", (r) => r.open_transfer]],
    open: (r) => ({ view: "tree", id: r.id }),
  },
  overlaps: {
    title: "Parents-in-law: who answers to the most bodies",
    path: "/analysis/overlaps",
    filter: { name: "min", type: "number", value: "3" },
    columns: [["name", (r) => ref(r.id, r.name)], ["label", (r) => r.label],
      ["kind", (r) => r.kind], ["superiors", (r) => r.superiors], ["formal", (r) => r.formal],
      ["supervising", (r) => r.supervising], ["body kinds", (r) => r.body_kinds.join(", ")]],
    open: (r) => ({ view: "superiors", id: r.id }),
  },
  mismatches: {
    title: "Formal line against ownership or location",
    path: "/analysis/mismatches",
    filter: { name: "kind", options: ["", "ownership", "location"] },
    counts: "by_type",
    columns: [["enterprise", (r) => ref(r.id, r.name)], ["type", (r) => r.type],
      ["detail", (r) => r.detail], ["organization", (r) => ref(r.org_id)],
      ["related", (r) => ref(r.related_id)], ["state equity %", (r) => r.state_equity_pct],
      ["transfer", (r) => r.transfer_status && `${r.transfer_status} (${r.transfer_id})`]],
    open: (r) => (r.org_id ? { view: "tree", id: r.org_id } : { view: "superiors", id: r.id }),
  },
  coverage: {
    title: "Coverage gaps",
    path: "/analysis/coverage",
    filter: { name: "status", options: ["", "uncovered", "work_coverage_only", "below_minimum",
      "joint_branch_too_wide", "branch_too_large"] },
    counts: "by_status",
    columns: [["name", (r) => ref(r.id, r.name)], ["label", (r) => r.label],
      ["kind", (r) => r.kind], ["status", (r) => r.status], ["employees", (r) => r.employees],
      ["members", (r) => r.members], ["units", (r) => r.units]],
    open: (r) => ({ view: viewFor(r.label), id: r.id }),
  },
  conflicts: {
    title: "Conflicts: two superiors at once, cycles",
    path: "/analysis/conflicts",
    filter: null,
    counts: "by_type",
    columns: [["name", (r) => ref(r.id, r.name)], ["kind", (r) => r.kind],
      ["type", (r) => r.type], ["superiors", (r) => r.superiors.join(", ")],
      ["cycle", (r) => r.cycle.join(" → ")]],
    open: (r) => ({ view: "tree", id: r.id }),
  },
  transfers: {
    title: "Transfers of affiliation: proposed and decided",
    path: "/transfers",
    filter: { name: "status", options: ["", "proposed", "pending", "retained", "transferred"] },
    dated: false,
    columns: [["organization", (r) => ref(r.org, r.org_name)], ["status", (r) => r.status],
      ["date", (r) => r.date], ["from", (r) => ref(r.from, r.from_name)],
      ["proposed to", (r) => ref(r.proposed_to, r.proposed_to_name)],
      ["proposed by", (r) => (r.proposed_by_name ? ref(r.proposed_by, r.proposed_by_name)
        : r.proposed_by)],
      ["decided to", (r) => ref(r.decided_to, r.decided_to_name)],
      ["reason", (r) => r.reason]],
    // the tree on the day of the transfer, when the new line holds
    open: (r) => ({ view: "tree", id: r.org, ...(r.date ? { date: r.date } : {}) }),
  },
};

let current = null;
// every list's filter parameter, emptied when another list is picked
const CLEAR = Object.fromEntries(Object.values(LISTS).filter((l) => l.filter)
  .map((l) => [l.filter.name, ""]));

export const NAMES = Object.keys(LISTS);

export async function show(state) {
  const name = LISTS[state.list] ? state.list : "orphans";
  const list = LISTS[name];
  const filter = list.filter || {};
  const filterValue = state[filter.name] ?? filter.value ?? "";
  const offset = Number(state.offset || 0);
  const params = { limit: PAGE, offset };
  if (filter.name) params[filter.name] = filterValue;
  if (list.dated !== false) params.as_of = state.date;
  const answer = await api.list(list.path, params);
  current = { name, list, answer, state, filterValue, offset };
  renderTable();
  return describe();
}

function cell(value) {
  const td = document.createElement("td");
  if (value && typeof value === "object") {
    const a = document.createElement("a");
    a.href = "#";
    a.dataset.node = value.id;
    a.textContent = value.name;
    a.title = value.id;
    td.append(a);
  } else {
    td.textContent = value ?? "";
  }
  return td;
}

function filterControl(list, answer, filterValue) {
  const label = document.createElement("label");
  label.textContent = ` ${list.filter.name} `;
  let input;
  if (list.filter.options) {
    input = document.createElement("select");
    for (const option of list.filter.options) {
      const count = list.counts && option ? answer[list.counts]?.[option] : null;
      const text = option ? `${option.replaceAll("_", " ")}${count != null ? ` (${count})` : ""}`
        : "all";
      input.add(new Option(text, option, false, option === filterValue));
    }
  } else {
    input = document.createElement("input");
    input.type = list.filter.type;
    input.min = "1";
    input.value = filterValue;
  }
  input.id = "list-filter";
  input.onchange = () => go({ [list.filter.name]: input.value, offset: "" });
  label.append(input);
  return label;
}

function renderTable() {
  const { name, list, answer, filterValue, offset, state } = current;
  const root = document.getElementById("list");
  root.replaceChildren();
  const bar = document.createElement("div");
  bar.className = "list-bar";
  const picker = document.createElement("select");
  picker.id = "list-name";
  for (const key of NAMES) picker.add(new Option(LISTS[key].title, key, false, key === name));
  picker.onchange = () => go({ list: picker.value, offset: "", ...CLEAR });
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
  for (const [title] of list.columns) {
    const th = document.createElement("th");
    th.textContent = title;
    head.append(th);
  }
  const body = table.createTBody();
  answer.items.forEach((row, i) => {
    const tr = body.insertRow();
    tr.dataset.index = i;
    tr.dataset.id = row.id;
    for (const [, get] of list.columns) tr.append(cell(get(row)));
  });
  body.onclick = (event) => {
    const link = event.target.closest("a[data-node]");
    const tr = event.target.closest("tr");
    event.preventDefault();
    if (!tr) return;
    const row = answer.items[Number(tr.dataset.index)];
    const target = list.open(row);
    // a linked name other than the row's own shows that node in the details panel
    if (link && link.dataset.node !== target.id && link.dataset.node !== row.id) {
      showNode(link.dataset.node, state.date);
    } else {
      go(target);
    }
  };
  if (!answer.items.length) {
    const p = document.createElement("p");
    p.className = "empty";
    p.textContent = "Nothing on this day.";
    root.append(table, p);
  } else {
    root.append(table);
  }
}

export function describe() {
  const { list, answer, state } = current;
  const day = list.dated === false ? "all dates" : `as of ${state.date}`;
  return { title: list.title, status: `${answer.total} in all (${day}) — click a row to open it` };
}

export function data() {
  const rows = current.answer.items.map((row) => Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, Array.isArray(v) ? v.join("|") : v])));
  return { rows, json: current.answer };
}
