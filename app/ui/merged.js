// Merged nodes (issue 22, item 4): a standing "same" judgement makes the server answer a group
// of ids as one node under its least id. The tree and parents-in-law answers name nodes by that
// id only, without saying a node is a group; the node route does (same_as). So a graph view
// first reads which ids any standing same judgement names (GET /api/duplicates?judged=yes, a
// hint, read again when another node's view opens or after a judgement in this tab, not when
// only the day changes: the timeline strip replays a tree day by day), then asks the node
// route of the few drawn nodes among them:
// the server, not this file, says which ids are one body (a judgement it leaves out of the
// merged view, e.g. of nodes of two labels, gives no group), and how many names it has.
import { api, get } from "./api.js";
import { t } from "./words.js";

/** Judged pairs read at once (the route's most). */
const PAGE = 10000;
/** Node routes asked at once. */
const AT_ONCE = 6;

let judgedSame = new Set(); // ids named by a standing same judgement
let names = new Map(); // a drawn id → the node route's answer: ids of its group (itself first)
let readFor = null; // the view (its kind and node) the judgements were read for

/** Read the ids of the standing same judgements again (every page), and forget the groups;
 * unless they were read for this view (``key``: its kind and node) and no judgement was made
 * since in this tab. */
export async function refresh(key, opts) {
  if (key === readFor) return;
  const found = new Set();
  for (let offset = 0; ; offset += PAGE) {
    const answer = await get("/duplicates", { judged: "yes", limit: PAGE, offset }, opts);
    for (const pair of answer.items) {
      if (pair.judgement?.verdict === "same") found.add(pair.a.id).add(pair.b.id);
    }
    if (offset + PAGE >= answer.total) break;
  }
  judgedSame = found;
  names = new Map();
  readFor = key;
}

/** A judgement was made or withdrawn in this tab: the next view reads the judgements again. */
export function stale() {
  readFor = null;
}

/** Ask the node route of the ids among ``ids`` that a same judgement names and that are not
 * known yet (a few at a time): afterwards ``groupOf`` knows them. */
export async function learn(ids, date, opts) {
  const asked = [...new Set(ids)].filter((id) => judgedSame.has(id) && !names.has(id));
  for (let i = 0; i < asked.length; i += AT_ONCE) {
    const answers = await Promise.all(asked.slice(i, i + AT_ONCE).map((id) =>
      api.node(id, date, opts).catch((error) => {
        if (error.name === "AbortError") throw error;
        return null; // not read: drawn without a mark, as a node the server does not merge
      })));
    answers.forEach((node, k) => {
      if (node) know(node);
      else names.set(asked[i + k], [asked[i + k]]);
    });
  }
}

/** Keep what a node answer says of its group (for a node read anyway, e.g. the centre). */
export function know(node) {
  const group = [node.id, ...(node.same_as || []).map((s) => s.id)];
  names.set(node.id, group);
}

/** The ids of the group ``id`` is answered for (itself first), or null if it is no group. */
export function groupOf(id) {
  const group = names.get(id);
  return group && group.length > 1 ? group : null;
}

/** A merged node's mark in a caption ("≡ 2 names"), or null. */
export function badge(id) {
  const group = groupOf(id);
  return group ? t(`≡ ${group.length} names (merged)`, `≡ ${group.length} 个名称（已合并）`) : null;
}

/** What the view says when its URL names an alias: the id asked for is merged into the one
 * answered for (empty when they are the same id). */
export function askedAs(asked, answered) {
  if (!asked || !answered || asked === answered) return "";
  return t(` · ${asked} is merged into ${answered} (judged the same body): shown under ${answered}`,
    ` · ${asked} 已并入 ${answered}（判断为同一机构）：以 ${answered} 显示`);
}
