// The one place that talks HTTP: adds X-API-Key from sessionStorage, turns errors into ApiError.
const KEY_STORAGE = "pw.apiKey";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function storeKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_STORAGE);
  sessionStorage.removeItem(WHO_STORAGE);
}

const WHO_STORAGE = "pw.session";

/** {name, role} of the signed-in key (from GET /web/session), kept beside the key. */
export function who() {
  try {
    return JSON.parse(sessionStorage.getItem(WHO_STORAGE) ?? "null");
  } catch {
    return null;
  }
}

export function storeWho(session) {
  sessionStorage.setItem(WHO_STORAGE, JSON.stringify({ name: session.name, role: session.role }));
}

let schemaCache = null;

/** Whether the server's request model `schema` has `field` (from its OpenAPI document), so the app can
 * offer optional features (such as a repair photo) only where the server stores them. */
export async function serverAccepts(schema, field) {
  try {
    schemaCache ??= fetch("/openapi.json", { cache: "no-store", credentials: "omit" }).then((r) => (r.ok ? r.json() : {}));
    const doc = await schemaCache;
    return Boolean(doc?.components?.schemas?.[schema]?.properties?.[field]);
  } catch {
    return false;
  }
}

/** FastAPI answers {"detail": "..."} or, for validation, {"detail": [{loc, msg}, ...]}. */
function detailText(body, status) {
  if (!body || body.detail === undefined) return `HTTP ${status}`;
  if (Array.isArray(body.detail)) {
    return body.detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
  }
  return String(body.detail);
}

async function request(method, path, { body, key = apiKey(), accept = "application/json" } = {}) {
  const headers = { Accept: accept };
  if (key) headers["X-API-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
    credentials: "omit",
  });
  if (!response.ok) {
    let parsed = null;
    try {
      parsed = await response.json();
    } catch {
      parsed = null;
    }
    throw new ApiError(response.status, detailText(parsed, response.status));
  }
  return response;
}

export async function getJson(path, options) {
  const response = await request("GET", path, options);
  return response.json();
}

export async function patchJson(path, body) {
  const response = await request("PATCH", path, { body });
  return response.json();
}

/** Photos are served only to authorised callers, so fetch with the header and show a blob: URL. */
export async function getBlobUrl(path) {
  const response = await request("GET", path, { accept: "image/*" });
  return URL.createObjectURL(await response.blob());
}

/** Query string from an object, skipping empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}
