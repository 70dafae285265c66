// The manager's dashboard: counts by district and status, SLA compliance, time to repair, weekly trend.
// Reads GET /v1/stats; while that is unavailable it counts what /v1/potholes returns (no SLA/TTR then).
import { ApiError, getJson } from "./api.js";
import { barChart, columnChart, dataTable, ringChart } from "./charts.js";
import { clear, h } from "./dom.js";
import { formatDate, formatNumber, language, statusLabel, t } from "./i18n.js";
import { CLOSED_STATUSES, displayStatus, districtName, potholesFrom } from "./model.js";

function pairs(value, labelKeys, valueKeys) {
  if (!value) return [];
  if (Array.isArray(value)) {
    return value.map((row) => ({
      label: String(labelKeys.map((k) => row[k]).find((x) => x !== undefined && x !== null) ?? "?"),
      value: Number(valueKeys.map((k) => row[k]).find((x) => typeof x === "number") ?? 0),
    }));
  }
  return Object.entries(value).map(([label, v]) => ({
    label,
    value: typeof v === "number" ? v : Number(valueKeys.map((k) => v?.[k]).find((x) => typeof x === "number") ?? 0),
  }));
}

/** The server's severity keys start with one word (large, medium, small, below, unknown). */
function severityLabel(key) {
  const word = String(key).split(/[\s(]/)[0].toLowerCase();
  const label = t(`severity.${word}`);
  return label === `severity.${word}` ? String(key) : label;
}

function hours(value, unit) {
  if (value === null || value === undefined) return null;
  return unit === "s" ? value / 3600 : unit === "d" ? value * 24 : value;
}

/** Any reasonable /v1/stats body -> {byDistrict, byStatus, slaPct, ttr, weekly}. */
export function normaliseStats(body) {
  const en = language() === "en";
  const districtLabel = (row) => (en && row.name_en) || row.district_name || row.name || row.district || row.code;
  const byDistrictRaw = body.by_district ?? body.districts ?? null;
  const byDistrict = Array.isArray(byDistrictRaw)
    ? byDistrictRaw.map((row) => ({
      label: String(districtLabel(row) ?? "?"),
      value: Number(row.open ?? row.open_potholes ?? row.count ?? row.total ?? 0),
    }))
    : pairs(byDistrictRaw, [], ["open", "count", "total"]);
  const byStatus = pairs(body.by_status ?? body.statuses, ["status", "name"], ["count", "total", "n"])
    .map((r) => ({ label: statusLabel(r.label) || r.label, value: r.value }));
  const slaRaw = body.sla_compliance ?? body.sla?.compliance ?? body.sla?.on_time_fraction ?? body.sla_on_time_fraction ?? null;
  const slaPct = typeof slaRaw === "number" ? (slaRaw <= 1 ? slaRaw * 100 : slaRaw) : null;
  const ttr = body.time_to_repair_h ?? body.time_to_repair ?? {};
  const mean = hours(ttr.mean ?? ttr.mean_h ?? body.mean_time_to_repair_h, "h") ?? hours(ttr.mean_s, "s");
  const p90 = hours(ttr.p90 ?? ttr.p90_h ?? body.p90_time_to_repair_h, "h") ?? hours(ttr.p90_s, "s");
  const weeklyRaw = body.weekly_trend ?? body.weekly ?? body.trend ?? [];
  const weekly = (Array.isArray(weeklyRaw) ? weeklyRaw : []).map((w) => ({
    week: w.week ?? w.week_start ?? w.start ?? "",
    created: Number(w.new ?? w.created ?? w.detected ?? w.opened ?? 0),
    repaired: Number(w.repaired ?? w.closed ?? w.fixed ?? 0),
  }));
  const overdue = typeof body.sla?.open_overdue === "number" ? body.sla.open_overdue : null;
  const bySeverity = pairs(body.by_severity, ["severity", "name"], ["count", "total"])
    .map((r) => ({ label: severityLabel(r.label), value: r.value }));
  const byCategory = pairs(body.by_category, ["category", "name"], ["count", "total"]);
  return {
    byDistrict, byStatus, bySeverity, byCategory, slaPct, overdue, weekly,
    ttr: mean === null && p90 === null ? null : { mean, p90, count: ttr.count ?? null },
  };
}

/** Counts from the pothole list alone (a fallback: no SLA or time to repair from this). */
export function statsFromPotholes(potholes) {
  const districts = new Map();
  const statuses = new Map();
  const weeks = new Map();
  for (const p of potholes) {
    const status = displayStatus(p);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (!CLOSED_STATUSES.has(status)) {
      const d = districtName(p.context, language()) ?? t("district_unknown");
      districts.set(d, (districts.get(d) ?? 0) + 1);
    }
    if (p.first_seen) {
      const day = new Date(p.first_seen);
      day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
      const key = day.toISOString().slice(0, 10);
      weeks.set(key, (weeks.get(key) ?? 0) + 1);
    }
  }
  return {
    byDistrict: [...districts].map(([label, value]) => ({ label, value })),
    byStatus: [...statuses].map(([s, value]) => ({ label: statusLabel(s), value })),
    bySeverity: [],
    byCategory: [],
    slaPct: null,
    overdue: null,
    ttr: null,
    weekly: [...weeks].sort(([a], [b]) => a.localeCompare(b)).map(([week, created]) => ({ week, created, repaired: 0 })),
  };
}

function card(titleKey, ...content) {
  const id = `card-${titleKey}`;
  return h("section", { class: "card stat-card", "aria-labelledby": id }, h("h3", { id }, t(titleKey)), ...content);
}

export async function renderManager(container) {
  clear(container).append(h("p", { class: "muted" }, "…"));
  let stats;
  try {
    stats = normaliseStats(await getJson("/v1/stats"));
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      clear(container).append(h("p", { class: "error", role: "alert" }, t("stats_forbidden")));
      return;
    }
    try {
      stats = statsFromPotholes(potholesFrom(await getJson("/v1/potholes?limit=1000")));
    } catch (inner) {
      clear(container).append(h("p", { class: "error", role: "alert" }, t("load_failed", { message: inner.message })));
      return;
    }
  }
  const weekLabels = stats.weekly.map((w) => formatDate(w.week));
  const cards = [
    card("by_district", stats.byDistrict.length ? barChart(stats.byDistrict, { title: t("by_district") }) : h("p", { class: "muted" }, "—"),
      dataTable(t("by_district"), [t("districts"), t("total")], stats.byDistrict.map((r) => [r.label, formatNumber(r.value, 0)]))),
    card("by_status", stats.byStatus.length ? barChart(stats.byStatus, { title: t("by_status"), color: "#5b2a86" }) : h("p", { class: "muted" }, "—")),
    card("sla", stats.slaPct === null ? h("p", { class: "muted" }, t("sla_none"))
      : h("div", { class: "ring-wrap" }, ringChart(stats.slaPct, { title: t("sla") }),
        h("p", { class: "big" }, t("sla_value", { pct: formatNumber(stats.slaPct, 1) }))),
    stats.overdue === null ? null : h("p", { class: stats.overdue ? "overdue" : "" }, t("open_overdue", { n: stats.overdue }))),
    card("time_to_repair", stats.ttr === null || stats.ttr.mean === null ? h("p", { class: "muted" }, t("ttr_none"))
      : h("p", { class: "big" }, t("ttr_value", { mean: formatNumber(stats.ttr.mean, 1), p90: formatNumber(stats.ttr.p90, 1) }))),
    card("weekly_trend", stats.weekly.length
      ? columnChart(weekLabels, [
        { name: t("new_potholes"), values: stats.weekly.map((w) => w.created) },
        { name: t("repaired_potholes"), values: stats.weekly.map((w) => w.repaired) },
      ], { title: t("weekly_trend") })
      : h("p", { class: "muted" }, "—")),
    stats.byCategory.length ? card("by_category", barChart(stats.byCategory, { title: t("by_category"), color: "#8a5a00" })) : null,
    stats.bySeverity.length ? card("by_severity", barChart(stats.bySeverity, { title: t("by_severity"), color: "#006d77" })) : null,
  ];
  clear(container).append(...cards.filter(Boolean));
}
