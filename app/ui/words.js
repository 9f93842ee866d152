// Words, not codes: every code the UI shows (kinds, reasons, statuses, line kinds …) is shown
// as its words from GET /api/labels, in English or Chinese as the language switch says. The
// words are declared once, on the server, with the schema and the queries; none is copied here.
import { get } from "./api.js";

const LANG_KEY = "affgraph.lang";
let served = null;

/** Read the words once, before anything is drawn. */
export async function loadWords() {
  if (!served) served = await get("/labels");
  return served;
}

export function lang() {
  return localStorage.getItem(LANG_KEY) === "zh" ? "zh" : "en";
}

export function setLang(value) {
  localStorage.setItem(LANG_KEY, value === "zh" ? "zh" : "en");
  document.documentElement.lang = lang() === "zh" ? "zh-Hans" : "en";
}

/** The served term of a code: ``terms`` names the list (``kinds``, ``orphan_reasons`` …);
 * ``within`` the label or relationship type, for kinds (else any that has the code). */
function term(terms, code, within) {
  const words = served?.[terms];
  if (!words || code === undefined || code === null || code === "") return null;
  if (terms !== "kinds" && terms !== "relationship_kinds") return words[code] || null;
  if (within && words[within]?.[code]) return words[within][code];
  for (const byKind of Object.values(words)) if (byKind[code]) return byKind[code];
  return null;
}

/** A code as words in the chosen language (the other language's term is not shown; an
 * unknown code is shown as it is, with its underscores as spaces). */
export function word(terms, code, within) {
  const found = term(terms, code, within);
  if (!found) return code === undefined || code === null ? "" : String(code).replaceAll("_", " ");
  return (lang() === "zh" && found.zh) || found.en;
}

/** Both languages, for a tooltip: "general branch · 党总支". */
export function bothWords(terms, code, within) {
  const found = term(terms, code, within);
  if (!found) return String(code ?? "");
  return [found.en, found.zh].filter(Boolean).join(" · ");
}

/** A line's kind in words: an affiliation's basis, a supervision's kind, or the UI's own
 * two kinds (the formal line itself, and an organization based in a unit). */
export function lineWord(kind) {
  if (kind === "affiliation") return word("relationships", "AFFILIATED_TO");
  if (kind === "based_in") return word("relationships", "BASED_IN");
  return word("relationship_kinds", kind);
}

/** UI text in both languages: ``t("Tree", "树状图")``. */
export function t(en, zh) {
  return lang() === "zh" ? zh : en;
}
