// Turns API answers (queue items, pothole features, pothole detail) into one flat shape the views share.
// The queue may answer a list, {items: [...]}, or GeoJSON; items may be work orders carrying their
// pothole, or potholes carrying their work order. Everything else reads only this shape.

/** @typedef {{id:number, lat:number, lon:number, status:string, order:object|null, context:object,
 *   width_m:number|null, length_m:number|null, uncertainty_m:number|null, sightings:number|null,
 *   passes:number|null, first_seen:string|null, last_seen:string|null, max_confidence:number|null}} Pothole */

function listOf(body) {
  if (Array.isArray(body)) return body;
  if (!body || typeof body !== "object") return [];
  if (Array.isArray(body.features)) return body.features.map(featureToFlat);
  for (const key of ["items", "queue", "work_orders", "results", "potholes"]) {
    if (Array.isArray(body[key])) return body[key].map((x) => (x && x.type === "Feature" ? featureToFlat(x) : x));
  }
  return [];
}

function featureToFlat(feature) {
  const [lon, lat] = feature.geometry?.coordinates ?? [null, null];
  return { lat, lon, ...feature.properties, id: feature.properties?.id ?? feature.id };
}

function orderFrom(raw) {
  if (!raw || typeof raw !== "object") return null;
  return {
    id: raw.id ?? raw.work_order_id,
    status: raw.status ?? null,
    priority: raw.priority ?? null,
    category: raw.category ?? null,
    due_at: raw.due_at ?? null,
    score: raw.score ?? null,
    score_terms: Array.isArray(raw.score_terms) ? raw.score_terms : [],
    assignee: raw.assignee ?? null,
  };
}

/** A pothole record (from /v1/potholes or /v1/potholes/{id}) in the shared shape. */
export function potholeFrom(raw) {
  return {
    id: Number(raw.id),
    lat: Number(raw.lat),
    lon: Number(raw.lon),
    status: raw.status ?? null,
    order: orderFrom(raw.work_order),
    context: raw.context && typeof raw.context === "object" ? raw.context : {},
    width_m: raw.width_m ?? null,
    length_m: raw.length_m ?? null,
    uncertainty_m: raw.uncertainty_m ?? null,
    sightings: typeof raw.sightings === "number" ? raw.sightings : (raw.sightings?.length ?? null),
    passes: raw.passes ?? null,
    first_seen: raw.first_seen ?? null,
    last_seen: raw.last_seen ?? null,
    max_confidence: raw.max_confidence ?? null,
  };
}

/** A queue entry: whichever side it came from, a pothole with its order. */
function queueEntryFrom(raw) {
  if (raw.work_order && typeof raw.work_order === "object") return potholeFrom(raw);
  const nested = raw.pothole && typeof raw.pothole === "object" ? raw.pothole : {};
  const pothole = potholeFrom({
    ...raw,
    ...nested,
    id: raw.pothole_id ?? nested.id,
    lat: nested.lat ?? raw.lat,
    lon: nested.lon ?? raw.lon,
    status: nested.status ?? raw.pothole_status ?? null,
    context: nested.context ?? raw.context,
  });
  pothole.order = orderFrom({ ...raw, id: raw.work_order_id ?? raw.id });
  return pothole;
}

export function queueFrom(body) {
  return listOf(body).map(queueEntryFrom).filter((p) => Number.isFinite(p.id));
}

export function potholesFrom(body) {
  return listOf(body).map(potholeFrom).filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon));
}

/** District name for display from the layers' context (code/name keys vary by layer). */
export function districtName(context, lang) {
  const d = context?.district;
  if (!d) return context?.district_name ?? null;
  if (typeof d === "string") return d;
  if (lang === "en" && (d.name_eng || d.name_en)) return d.name_eng || d.name_en;
  return d.name ?? d.name_ko ?? d.code ?? null;
}

export function roadName(context) {
  const r = context?.road;
  if (!r) return null;
  if (typeof r === "string") return r;
  return [r.name, r.road_class ?? r.class].filter(Boolean).join(" · ") || null;
}

/** Display status: the work order's lifecycle when there is one, else the pothole's. */
export function displayStatus(p) {
  return p.order?.status ?? p.status ?? "open";
}

export const DONE_STATUSES = new Set(["repaired", "verified"]);
export const CLOSED_STATUSES = new Set(["repaired", "verified", "rejected"]);
