// The HTTP API of the same origin. Errors come as {"error": {"code", "message", "details"}};
// they are thrown as ApiError with the server's message. If the server asks for a token
// (AFFGRAPH_TOKEN_FOR_READS), the user is asked once and it is kept for the session.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const TOKEN_KEY = "affgraph.token";

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** GET an API route. ``signal`` (an AbortSignal) cancels it: a view that is no longer
 * wanted stops asking, and its answer is never drawn. */
export async function get(path, params, { retried = false, signal } = {}) {
  const headers = { Accept: "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`/api${path}${query(params)}`, { headers, signal });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.status === 401 && !retried) {
    const given = window.prompt("This server needs its API token to read:");
    if (given) {
      sessionStorage.setItem(TOKEN_KEY, given);
      return get(path, params, { retried: true, signal });
    }
  }
  if (!response.ok) {
    const error = (body && body.error) || {};
    throw new ApiError(response.status, error.code || "error",
      error.message || `${response.status} ${response.statusText} for ${path}`);
  }
  return body;
}

/** The write token given in this tab (kept in sessionStorage only: gone with the tab). */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** A write (POST, DELETE …) with the token given in this tab; never prompts: the view that
 * writes says what is missing. Throws ApiError with the server's message. */
export async function send(method, path, params, body) {
  const headers = { Accept: "application/json" };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`/api${path}${query(params)}`, { method, headers,
    body: body === undefined ? undefined : JSON.stringify(body) });
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    answer = null;
  }
  if (!response.ok) {
    const error = (answer && answer.error) || {};
    throw new ApiError(response.status, error.code || "error",
      error.message || `${response.status} ${response.statusText} for ${path}`);
  }
  return answer;
}

const id = (value) => encodeURIComponent(value);

// ``opts``: {signal} (see get)
export const api = {
  node: (nodeId, asOf, opts) => get(`/nodes/${id(nodeId)}`, { as_of: asOf }, opts),
  superiors: (nodeId, asOf, opts) => get(`/nodes/${id(nodeId)}/superiors`, { as_of: asOf }, opts),
  chain: (orgId, asOf, opts) => get(`/orgs/${id(orgId)}/chain`, { as_of: asOf }, opts),
  subtree: (orgId, asOf, depth, maxNodes, opts) =>
    get(`/orgs/${id(orgId)}/subtree`, { as_of: asOf, depth, max_nodes: maxNodes }, opts),
  history: (orgId, opts) => get(`/orgs/${id(orgId)}/history`, {}, opts), // all time: no day
  search: (q, limit = 12) => get("/search", { q, limit }),
  list: (path, params, opts) => get(path, params, opts),
};

/** Throw if the view this work is for has been superseded (checked before drawing). */
export function stillWanted(signal) {
  if (signal && signal.aborted) throw new DOMException("superseded", "AbortError");
}
