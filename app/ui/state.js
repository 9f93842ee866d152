// The UI's state lives in the URL hash, so a link or a reload restores the same view
// (no hash: the overview):
//   #view=tree&id=tj-zhonghuan-samsung-jv-pc&date=2022-07-05
//   #view=analysis&list=orphans&reason=affiliation_ended&date=2024-01-01
//   #view=changes&from=2021-01-01&to=2023-12-31&root=tj-sasac-pc
//   #view=duplicates&judged=no&at=0
//   #view=loads&at=50
// Changing the state writes the hash; the hashchange listener in app.js re-renders.

export const VIEWS = ["overview", "tree", "superiors", "analysis", "changes", "duplicates", "loads"];

export function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** The state in the hash: view, id, date, list, and the list's filter parameters. */
export function readState() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const state = Object.fromEntries(params.entries());
  if (!VIEWS.includes(state.view)) state.view = state.id ? "tree" : "overview";
  if (!/^\d{4}-\d{2}-\d{2}$/.test(state.date || "")) state.date = today();
  if (state.view === "analysis" && !state.list) state.list = "orphans";
  return state;
}

export function hashOf(state) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, value);
  }
  return "#" + params.toString();
}

/** Go to a new state: ``patch`` changes some keys; ``replace`` starts from scratch;
 * ``replaceEntry`` changes the browser's current history entry instead of adding one (the
 * timeline strip's marker: one drag is one step back, not one per day crossed). */
export function go(patch, { replace = false, replaceEntry = false } = {}) {
  const base = replace ? { date: readState().date } : readState();
  const hash = hashOf({ ...base, ...patch });
  document.body.dataset.state = "loading"; // until the new view is drawn
  if (replaceEntry) {
    history.replaceState(null, "", hash);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else if (hash !== location.hash) location.hash = hash;
  else window.dispatchEvent(new HashChangeEvent("hashchange"));
}

/** The view a node opens: the tree for an organization, its parents-in-law otherwise. */
export function viewFor(label) {
  return label === "PartyOrg" ? "tree" : "superiors";
}
