// Parents-in-law view: the entity in the centre, its formal superior and every supervising
// body around it, grouped by the kind of body, lines styled by their kind. For an
// enterprise, lines that reach it through its own Party organization go to that
// organization (drawn next to the enterprise).
import { api } from "../api.js";
import { caption, draw } from "../graph.js";

const GROUP_W = 190;
const GROUP_H = 78;

let current = null;

export async function show(state) {
  const { id, date } = state;
  const [node, answer] = await Promise.all([
    api.node(id, date),
    api.superiors(id, date).catch((error) => ({ error })),
  ]);
  const via = answer.error ? [] : [...new Set(answer.items.map((i) => i.via).filter(Boolean))];
  const viaNodes = await Promise.all(via.map((v) => api.node(v, date)));
  current = { id, date, node, answer, viaNodes };
  draw(elements(), { name: "preset" });
  return describe();
}

function groupOf(item) {
  return item.relation === "affiliation" ? "formal superior" : item.kind.replaceAll("_", " ");
}

function elements() {
  const { node, answer, viaNodes } = current;
  const out = [];
  const centre = { group: "nodes", classes: node.active ? "focus" : "focus dissolved",
    position: { x: 0, y: 0 },
    data: { ...node, caption: caption(node, node.active ? [] : ["(not in existence)"]) } };
  out.push(centre);
  viaNodes.forEach((org, i) => {
    const x = (i - (viaNodes.length - 1) / 2) * GROUP_W;
    out.push({ group: "nodes", position: { x, y: 110 },
      data: { ...org, caption: caption(org, ["organization in it"]) } });
    out.push({ group: "edges", data: { id: `based:${org.id}`, source: org.id, target: node.id,
      type: "BASED_IN", from: org.id, to: node.id, kind: "based_in", caption: "based in" } });
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
    (a === "formal superior" ? -1 : b === "formal superior" ? 1 : a.localeCompare(b)));
  const radius = Math.max(170, names.length * 36); // room for the groups around the circle
  names.forEach((name, g) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * g) / names.length;
    const cx = Math.cos(angle) * radius * 1.5;
    const cy = Math.sin(angle) * radius;
    const members = groups.get(name);
    const cols = Math.ceil(Math.sqrt(members.length));
    const rows = Math.ceil(members.length / cols);
    const groupId = `group:${name}`;
    out.push({ group: "nodes", data: { id: groupId, caption: `${name} (${members.length})`,
      isGroup: true } });
    members.forEach((m, i) => {
      const x = cx + ((i % cols) - (cols - 1) / 2) * GROUP_W;
      const y = cy + (Math.floor(i / cols) - (rows - 1) / 2) * GROUP_H;
      out.push({ group: "nodes", position: { x, y },
        data: { id: m.id, label: m.label, kind: m.kind, name: m.name, parent: groupId,
          caption: caption(m) } });
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
        to: item.relation === "affiliation" ? item.id : target, kind,
        valid_from: item.valid_from, valid_to: item.valid_to, source_id: item.source,
        quote: item.quote, caption: kind.replaceAll("_", " ") } });
  });
  return out;
}

export function describe() {
  const { node, answer } = current;
  if (answer.error) {
    return { title: `Parents-in-law of ${node.name}`,
      status: `${answer.error.message}. Parents-in-law are asked of Party organizations and ` +
        "enterprises." };
  }
  const kinds = Object.entries(answer.by_kind).map(([k, n]) => `${k.replaceAll("_", " ")} ${n}`);
  const state = answer.active ? "" : " — it does not exist on this day";
  return { title: `Parents-in-law of ${node.name}`,
    status: `${answer.distinct} distinct superior${answer.distinct === 1 ? "" : "s"} by ` +
      `${answer.total} line${answer.total === 1 ? "" : "s"}${state}` +
      (kinds.length ? ` · ${kinds.join(", ")}` : "") };
}

export function data() {
  const rows = current.answer.error ? [] : current.answer.items.map((item) => ({
    entity: current.id, superior: item.id, name: item.name, label: item.label, kind: item.kind,
    relation: item.relation, line_kind: item.line_kind ?? "", via: item.via ?? "",
    valid_from: item.valid_from ?? "", valid_to: item.valid_to ?? "", source: item.source ?? "",
  }));
  return { rows, json: { as_of: current.date, node: current.node, superiors: current.answer } };
}
