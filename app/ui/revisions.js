// A record's history in the details panel: which load wrote the version shown ("changed by
// load 12 on 2026-03-02 (file roster.csv)") and, opened on demand, every earlier version with
// its fields, newest first (GET /api/nodes/{id}/revisions, /api/lines/{key}/revisions). Loads
// never overwrite a record: each replaced version is kept with the load that wrote it and the
// load that replaced it. Built from DOM text (dom.js): the versions are data, never markup.
import { get } from "./api.js";
import { h } from "./dom.js";
import { baseName } from "./views/loads.js";
import { t } from "./words.js";

const id = (value) => encodeURIComponent(value);

/** The key a line is kept under: TYPE|from|to|kind|valid_from, its ends as loaded and its
 * record's kind (``record_kind``: the views draw a line without one as "affiliation"). */
export function lineKey(line) {
  const [from, to] = line.loaded_ends || [line.from, line.to];
  const kind = line.record_kind ?? line.kind ?? "";
  return [line.type, from, to, kind, line.valid_from || ""].join("|");
}

/** The history of a node (kind "nodes") or a line (kind "lines", ``key`` its lineKey); null
 * when the store keeps none for it (a line the view draws that is no record). */
export async function recordHistory(kind, key) {
  let answer;
  try {
    answer = await get(`/${kind}/${id(key)}/revisions`);
  } catch {
    return null;
  }
  const [latest, ...earlier] = answer.items;
  if (!latest) return null;
  return h("section", { className: "record-history", "aria-label": t("Record history", "记录沿革") },
    h("h3", {}, t("Record history", "记录沿革")),
    h("p", { className: "changed-by" }, latestSaid(latest, earlier.length > 0)),
    earlier.length ? h("details", { className: "versions" },
      h("summary", {}, t(`Previous versions (${earlier.length})`, `以前的版本（${earlier.length}）`)),
      h("ol", { className: "versions" }, earlier.map(version))) : null);
}

/** "load 12 on 2026-03-02 by alice (file roster.csv) — “message”". */
function loadSaid(number, entry) {
  if (!entry) return t(`load ${number}`, `第 ${number} 次加载`);
  const files = entry.files.map((f) => baseName(f.name));
  return [t(`load ${number} on ${entry.at.slice(0, 10)}`, `第 ${number} 次加载（${entry.at.slice(0, 10)}）`),
    entry.who ? t(` by ${entry.who}`, `，${entry.who}`) : "",
    files.length ? t(` (file ${files.join(", ")})`, `（文件 ${files.join("、")}）`) : "",
    entry.message ? ` — “${entry.message}”` : ""].join("");
}

function latestSaid(latest, changed) {
  const by = loadSaid(latest.written, latest.written_by);
  if (!latest.current) {
    return t(`Removed by load ${latest.replaced}; last written by ${by}.`,
      `已被第 ${latest.replaced} 次加载移除；最后写入：${by}。`);
  }
  return changed ? t(`Changed by ${by}.`, `变更于${by}。`) : t(`Loaded by ${by}; never changed since.`,
    `载入于${by}；此后未变。`);
}

/** One earlier version: the load that wrote it, the one that replaced it, and its fields. */
function version(revision) {
  const fields = Object.entries(revision.record).filter(([k]) => k !== "record")
    .map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, k.replaceAll("_", " ")),
      h("td", {}, Array.isArray(v) || (v && typeof v === "object") ? JSON.stringify(v) : String(v))));
  return h("li", { dataset: { written: String(revision.written) } },
    h("p", {}, t("written by ", "写入："), loadSaid(revision.written, revision.written_by),
      revision.replaced ? t(`; replaced by load ${revision.replaced}`, `；被第 ${revision.replaced} 次加载替换`) : ""),
    h("table", { className: "props" }, fields));
}
