// Parents-in-law view: the entity in the centre, its formal superior and every supervising
// body around it, grouped by the kind of body, lines styled by their kind. For an
// enterprise, lines that reach it through its own Party organization go to that
// organization (drawn next to the enterprise).
import { api, stillWanted } from "../api.js";
import { caption, draw } from "../graph.js";
import * as merged from "../merged.js";
import { lineWord, t, word } from "../words.js";

const GROUP_W = 190;
const GROUP_H = 78;

let current = null;

export async function show(state, signal) {
  const { id, date } = state;
  const opts = { signal };
  const [node, answer] = await Promise.all([
    api.node(id, date, opts),
    api.superiors(id, date, opts).catch((error) => {
      if (error.name === "AbortError") throw error;
      return { error };
    }),
    merged.refresh(`superiors:${id}`, opts),
  ]);
  const via = answer.error ? [] : [...new Set(answer.items.map((i) => i.via).filter(Boolean))];
  const viaNodes = await Promise.all(via.map((v) => api.node(v, date, opts)));
  for (const read of [node, ...viaNodes]) merged.know(read);
  if (!answer.error) await merged.learn(answer.items.map((i) => i.id), date, opts);
  stillWanted(signal);
  current = { id, date, node, answer, viaNodes };
  draw(elements(), { name: "preset" });
  return describe();
}

const FORMAL = "formal superior";

function groupOf(item) {
  return item.relation === "affiliation" ? FORMAL : item.kind;
}

function groupName(key, members) {
  if (key === FORMAL) return t("formal superior", "正式上级");
  return word("kinds", key, members[0].label);
}

function elements() {
  const { node, answer, viaNodes } = current;
  const out = [];
  const centre = { group: "nodes", classes: marked(node.id, node.active ? "focus" : "focus dissolved"),
    position: { x: 0, y: 0 },
    data: { ...node, caption: caption(node, [node.active ? null : "(not in existence)", merged.badge(node.id)]) } };
  out.push(centre);
  viaNodes.forEach((org, i) => {
    const x = (i - (viaNodes.length - 1) / 2) * GROUP_W;
    out.push({ group: "nodes", position: { x, y: 110 }, classes: marked(org.id, ""),
      data: { ...org, caption: caption(org, [t("organization in it", "其党组织"), merged.badge(org.id)]) } });
    out.push({ group: "edges", data: { id: `based:${org.id}`, source: org.id, target: node.id,
      type: "BASED_IN", from: org.id, to: node.id, kind: "based_in", caption: lineWord("based_in") } });
  });
  if (answer.error) return out;
  // each distinct superior once, in one group: the formal superior, or its kind of body
  const distinct = new Map();
  for (const item of answer.items) {
    if (!distinct.has(item.id) || item.relation === "affiliation") distinct.set(item.id, item);
  }
  const groups = new Map();
  for (const item of distinct.values()) {
    const name = groupOf(item);
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(item);
  }
  const names = [...groups.keys()].sort((a, b) =>
    (a === FORMAL ? -1 : b === FORMAL ? 1 : a.localeCompare(b)));
  // room for the groups around the circle, and for the organizations under the centre
  const radius = Math.max(200, names.length * 40) + (viaNodes.length ? 60 : 0);
  names.forEach((name, g) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * g) / names.length;
    const members = groups.get(name);
    const cols = Math.ceil(Math.sqrt(members.length));
    const rows = Math.ceil(members.length / cols);
    // each group pushed out by its own half size, so that none covers the centre
    const cx = Math.cos(angle) * (radius * 1.5 + (cols * GROUP_W) / 2);
    const cy = Math.sin(angle) * (radius + (rows * GROUP_H) / 2);
    const groupId = `group:${name}`;
    out.push({ group: "nodes", data: { id: groupId, caption: `${groupName(name, members)} (${members.length})`,
      isGroup: true } });
    members.forEach((m, i) => {
      const x = cx + ((i % cols) - (cols - 1) / 2) * GROUP_W;
      const y = cy + (Math.floor(i / cols) - (rows - 1) / 2) * GROUP_H;
      out.push({ group: "nodes", position: { x, y }, classes: marked(m.id, ""),
        data: { id: m.id, label: m.label, kind: m.kind, name: m.name, parent: groupId,
          caption: caption(m, [merged.badge(m.id)]) } });
    });
  });
  answer.items.forEach((item, i) => {
    const kind = item.relation === "affiliation" ? "affiliation" : item.line_kind || "other";
    const target = item.via || node.id;
    const ended = item.valid_to && item.valid_to <= current.date;
    out.push({ group: "edges", classes: ended ? "ended" : "",
      data: { id: `line:${i}:${item.id}->${target}`, source: item.id, target,
        type: item.relation === "affiliation" ? "AFFILIATED_TO" : "SUPERVISES",
        from: item.relation === "affiliation" ? target : item.id,
        to: item.relation === "affiliation" ? item.id : target, kind, record_kind: item.line_kind || "",
        valid_from: item.valid_from, valid_to: item.valid_to, source_id: item.source,
        quote: item.quote, loaded_ends: item.loaded_ends, caption: lineWord(kind) } });
  });
  return out;
}

/** A node's classes, with "merged" when it is one body under several names. */
function marked(id, classes) {
  return merged.groupOf(id) ? `${classes} merged`.trim() : classes;
}

export function describe() {
  const { node, answer } = current;
  const title = t(`Parents-in-law of ${node.name}`, `${node.name} 的“婆婆”`);
  if (answer.error) {
    return { title, status: `${answer.error.message}. ${t("Parents-in-law are asked of Party " +
      "organizations and enterprises.", "只能查询党组织和企业的“婆婆”。")}` };
  }
  const kinds = Object.entries(answer.by_kind).map(([k, n]) => `${lineWord(k)} ${n}`);
  const state = (answer.active ? "" : t(" — it does not exist on this day", " — 当日不存在")) +
    merged.askedAs(current.id, node.id);
  return { title,
    status: t(`${answer.distinct} distinct superior${answer.distinct === 1 ? "" : "s"} by ` +
      `${answer.total} line${answer.total === 1 ? "" : "s"}`, `${answer.distinct} 个不同上级，` +
      `${answer.total} 条关系`) + state + (kinds.length ? ` · ${kinds.join(", ")}` : "") };
}

export function data() {
  const rows = current.answer.error ? [] : current.answer.items.map((item) => ({
    entity: current.id, superior: item.id, name: item.name, label: item.label, kind: item.kind,
    relation: item.relation, line_kind: item.line_kind ?? "", via: item.via ?? "",
    valid_from: item.valid_from ?? "", valid_to: item.valid_to ?? "", source: item.source ?? "",
  }));
  return { rows, json: { as_of: current.date, node: current.node, superiors: current.answer } };
}
