// The detail panel: photo crop (authorised fetch -> blob URL), size, sightings over time, the priority
// breakdown, the work-order history, and the crew actions that PATCH the order without a reload.
import { ApiError, getBlobUrl, getJson, patchJson, serverAccepts, who } from "./api.js";
import { columnChart } from "./charts.js";
import { clear, h, toast } from "./dom.js";
import { formatDate, formatDateTime, formatNumber, language, statusLabel, t } from "./i18n.js";
import { displayStatus, districtName, potholeFrom, roadName } from "./model.js";
import { actionsFor, pathTo, photoToJpegB64 } from "./workflow.js";

/** The PATCH field a server that stores repair photos declares (JPEG, base64). */
const PHOTO_FIELD = "photo_jpeg_b64";

function photoPath(raw, id) {
  const photos = Array.isArray(raw.photos) ? raw.photos : [];
  const first = photos.map((p) => (typeof p === "string" ? p : p?.url)).find(Boolean);
  if (first) return first;
  const sightings = sightingList(raw);
  const withCrop = sightings.filter((x) => x.has_crop || x.photo_url || x.crop_url);
  const best = withCrop.sort((a, b) => (b.confidence ?? 0) - (a.confidence ?? 0))[0];
  if (!best) return null;
  return best.photo_url ?? best.crop_url ?? `/v1/potholes/${id}/photo/${best.id}`;
}

function sightingList(raw) {
  if (Array.isArray(raw.sighting_list)) return raw.sighting_list;
  return Array.isArray(raw.sightings) ? raw.sightings : [];
}

function sightingsByDay(raw) {
  const sightings = sightingList(raw);
  const counts = new Map();
  for (const x of sightings) {
    const when = x.captured_at ?? x.created_at;
    if (!when) continue;
    const day = String(when).slice(0, 10);
    counts.set(day, (counts.get(day) ?? 0) + 1);
  }
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));
}

function historyRows(body) {
  return Array.isArray(body) ? body : (body?.items ?? body?.history ?? []);
}

/** A repair photo in the history (servers that store them give each event a `photo_url`). */
function historyPhoto(url) {
  const img = h("img", { class: "history-photo", alt: t("repair_photo_alt") });
  getBlobUrl(url).then((blob) => {
    img.addEventListener("load", () => URL.revokeObjectURL(blob), { once: true });
    img.src = blob;
  }).catch(() => img.remove());
  return img;
}

export function createDetail(panel, { onChanged, onClose }) {
  let current = null; // {pothole, raw}
  let blobUrl = null;
  let returnFocus = null;

  function close() {
    panel.hidden = true;
    clear(panel);
    if (blobUrl) URL.revokeObjectURL(blobUrl);
    blobUrl = null;
    const id = current?.pothole.id;
    current = null;
    onClose(id);
    returnFocus?.focus?.();
  }

  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") close();
  });

  async function open(id, { focusFrom } = {}) {
    returnFocus = focusFrom ?? document.activeElement;
    panel.hidden = false;
    clear(panel).append(h("p", { class: "muted" }, "…"));
    try {
      const raw = await getJson(`/v1/potholes/${id}`);
      current = { pothole: potholeFrom(raw), raw };
      await render();
      panel.querySelector("h2")?.focus();
    } catch (err) {
      clear(panel).append(header(id), h("p", { class: "error", role: "alert" }, t("load_failed", { message: err.message })));
    }
  }

  function header(id) {
    return h("div", { class: "detail-head" },
      h("h2", { id: "detail-title", tabindex: "-1" }, t("detail_title", { id })),
      h("button", { type: "button", class: "btn btn-quiet", onclick: close, "aria-label": t("close") }, "✕"));
  }

  function facts(p) {
    const size = p.width_m && p.length_m
      ? t("size_value", { w: formatNumber(p.width_m, 2), l: formatNumber(p.length_m, 2) }) : t("size_unknown");
    const place = [districtName(p.context, language()), roadName(p.context)].filter(Boolean).join(" · ");
    const rows = [
      [t("status"), statusLabel(displayStatus(p))],
      [t("size"), h("span", {}, size, h("br"), h("small", { class: "muted" }, t("size_note")))],
      [t("position"), `${place ? `${place} · ` : ""}${p.lat.toFixed(6)}, ${p.lon.toFixed(6)}` +
        (p.uncertainty_m != null ? ` (${t("uncertainty", { m: formatNumber(p.uncertainty_m, 1) })})` : "")],
      [t("seen"), t("seen_value", { n: p.sightings ?? "—", p: p.passes ?? "—" })],
      [t("first_seen"), formatDateTime(p.first_seen)],
      [t("last_seen"), formatDateTime(p.last_seen)],
      [t("max_confidence"), p.max_confidence != null ? formatNumber(p.max_confidence, 2) : "—"],
    ];
    return h("dl", { class: "facts" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  }

  function breakdown(order) {
    if (!order) return null;
    const terms = order.score_terms ?? [];
    return h("section", { class: "detail-section", "aria-labelledby": "breakdown-title" },
      h("h3", { id: "breakdown-title" }, t("priority_breakdown")),
      h("p", {},
        h("span", { class: `prio-badge prio-${order.priority ?? "x"}` }, t("priority_short", { p: order.priority ?? "?" })), " ",
        order.category ? `${t("category")} ${order.category} · ` : "",
        order.score != null ? t("score_total", { score: formatNumber(order.score, 1) }) : "",
        order.due_at ? ` · ${t("due")} ${formatDateTime(order.due_at)}` : ""),
      terms.length
        ? h("ul", { class: "terms" }, terms.map((term) =>
          h("li", {}, h("span", { class: "points" }, `${term.points >= 0 ? "+" : ""}${formatNumber(term.points, 1)}`), " ", term.reason)))
        : h("p", { class: "muted" }, t("no_terms")));
  }

  async function photo(raw, id) {
    const figure = h("figure", { class: "photo" });
    const path = photoPath(raw, id);
    if (!path) {
      figure.append(h("div", { class: "photo-missing" }, t("no_photo")));
      return figure;
    }
    try {
      if (blobUrl) URL.revokeObjectURL(blobUrl);
      blobUrl = await getBlobUrl(path);
      figure.append(h("img", { src: blobUrl, alt: t("photo_alt", { id }), class: "crop" }));
    } catch {
      figure.append(h("div", { class: "photo-missing" }, t("photo_error")));
    }
    return figure;
  }

  function sightingsChart(raw) {
    const days = sightingsByDay(raw);
    if (!days.length) return null;
    return h("section", { class: "detail-section", "aria-labelledby": "sightings-title" },
      h("h3", { id: "sightings-title" }, t("sightings_over_time")),
      columnChart(days.map(([d]) => formatDate(d)), [{ name: t("seen"), values: days.map(([, n]) => n) }],
        { title: t("sightings_over_time"), width: 380, height: 140 }));
  }

  async function history(order) {
    const section = h("section", { class: "detail-section", "aria-labelledby": "history-title" },
      h("h3", { id: "history-title" }, t("history")));
    if (!order?.id) return section;
    try {
      const rows = historyRows(await getJson(`/v1/work-orders/${order.id}/history`));
      if (!rows.length) section.append(h("p", { class: "muted" }, t("history_empty")));
      else {
        section.append(h("ol", { class: "history" }, rows.map((r) => h("li", {},
          h("time", { datetime: r.at ?? r.created_at ?? r.changed_at ?? "" }, formatDateTime(r.at ?? r.created_at ?? r.changed_at)), " ",
          h("strong", {}, t("history_row", { from: statusLabel(r.from_status ?? r.from) || "—", to: statusLabel(r.to_status ?? r.to) })),
          r.actor || r.by || r.who ? h("span", { class: "muted" }, ` ${t("by", { who: r.actor ?? r.by ?? r.who })}`) : null,
          r.note ? h("div", { class: "note" }, r.note) : null,
          r.photo_url ? historyPhoto(r.photo_url) : null))));
      }
    } catch (err) {
      section.append(h("p", { class: "error" }, t("load_failed", { message: err.message })));
    }
    return section;
  }

  function actions(p) {
    const order = p.order;
    const section = h("section", { class: "detail-section actions", "aria-labelledby": "actions-title" },
      h("h3", { id: "actions-title", tabindex: "-1" }, t("actions")));
    if (!order?.id) return section;
    section.append(h("p", {}, order.assignee ? t("assigned_to", { who: order.assignee }) : t("not_assigned")));
    const session = who();
    const available = actionsFor(order, session);
    if (!available.length) {
      const mine = session?.role !== "crew" || order.assignee === session.name;
      section.append(h("p", { class: "muted" }, mine ? t("no_actions") : t("not_your_order")));
      return section;
    }
    const buttons = h("div", { class: "action-buttons" });
    const formSlot = h("div");
    for (const action of available) {
      buttons.append(h("button", {
        type: "button", class: `btn ${action.key === "reject" ? "btn-danger" : "btn-primary"}`, id: `action-${action.key}`,
        onclick: () => (action.key === "start" ? apply(order, action.target, {}) : showForm(formSlot, order, action)),
      }, t(`action_${action.key}`)));
    }
    section.append(buttons, formSlot);
    return section;
  }

  async function showForm(slot, order, action) {
    const kind = action.key; // assign | repaired | reject
    const note = h("textarea", { id: "action-note", rows: 2, required: kind === "reject" });
    const assignee = kind === "assign" ? await crewPicker(order.assignee) : null;
    const photoStored = kind === "repaired" && (await serverAccepts("WorkOrderPatch", PHOTO_FIELD));
    const file = kind === "repaired"
      ? h("input", { id: "repair-photo", type: "file", accept: "image/*", capture: "environment", disabled: !photoStored })
      : null;
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const confirmLabel = { assign: t("confirm_assign"), repaired: t("confirm_repaired"), reject: t("confirm_reject") }[kind];
    const form = h("form", { class: "action-form", novalidate: true },
      assignee ? [h("label", { for: "action-assignee" }, t("assignee")), assignee] : null,
      file ? [h("label", { for: "repair-photo" }, t("repair_photo")), file,
        photoStored ? null : h("p", { class: "muted" }, t("photo_not_stored"))] : null,
      h("label", { for: "action-note" }, kind === "reject" ? t("reject_reason") : t("note")), note, error,
      h("div", { class: "action-buttons" },
        h("button", { type: "submit", class: `btn ${kind === "reject" ? "btn-danger" : "btn-primary"}`, id: "action-confirm" },
          confirmLabel),
        h("button", { type: "button", class: "btn btn-quiet", onclick: () => clear(slot) }, t("cancel"))));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = note.value.trim();
      const missing = kind === "reject" && !text ? [note, t("reason_required")]
        : assignee && !assignee.value.trim() ? [assignee, t("assignee_required")] : null;
      if (missing) {
        error.textContent = missing[1];
        error.hidden = false;
        missing[0].focus();
        return;
      }
      const extra = { note: text || undefined };
      if (assignee) extra.assignee = assignee.value.trim();
      if (photoStored && file?.files?.[0]) extra[PHOTO_FIELD] = await photoToJpegB64(file.files[0]);
      await apply(order, action.target, extra);
    });
    clear(slot).append(form);
    (assignee ?? note).focus();
  }

  /** The roster's active crews as a <select> (GET /v1/crews, managers' keys); a text field when the
   * roster cannot be read, so an older server still takes an assignment. */
  async function crewPicker(current) {
    let crews = null;
    try {
      crews = await getJson("/v1/crews?active_only=true");
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
    }
    if (!Array.isArray(crews)) {
      return h("input", { id: "action-assignee", type: "text", required: true, value: current ?? "", autocomplete: "off" });
    }
    const options = crews.map((c) => h("option", { value: c.crew_id, selected: c.crew_id === current },
      t("crew_option", { name: c.display_name ?? c.crew_id, id: c.crew_id, n: c.active_orders ?? 0 })));
    return h("select", { id: "action-assignee", required: true },
      h("option", { value: "", selected: !crews.some((c) => c.crew_id === current) }, t("crew_pick")), options);
  }

  /** PATCH the order to `target`, walking intermediate statuses when the server needs them (409). */
  async function apply(order, target, extra) {
    const buttons = panel.querySelectorAll(".actions button");
    buttons.forEach((b) => { b.disabled = true; });
    try {
      let status = order.status;
      let updated = null;
      try {
        updated = await patchJson(`/v1/work-orders/${order.id}`, { status: target, ...extra });
      } catch (err) {
        const path = err instanceof ApiError && err.status === 409 ? pathTo(status, target) : null;
        if (!path || path.length < 2) throw err;
        for (const step of path) {
          updated = await patchJson(`/v1/work-orders/${order.id}`, step === target ? { status: step, ...extra } : { status: step });
          status = step;
        }
      }
      toast(t("updated", { id: order.id, status: statusLabel(updated?.status ?? target) }));
      const raw = await getJson(`/v1/potholes/${current.pothole.id}`);
      current = { pothole: potholeFrom(raw), raw };
      onChanged(current.pothole);
      await render();
      panel.querySelector("#actions-title")?.focus();
    } catch (err) {
      toast(t("update_failed", { message: err.message }), "error");
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  async function render() {
    if (!current) return;
    const { pothole: p, raw } = current;
    const body = h("div", { class: "detail-body" });
    clear(panel).append(header(p.id), body);
    body.append(await photo(raw, p.id), facts(p));
    if (p.order?.id) body.append(h("p", { class: "muted" }, t("work_order", { id: p.order.id })));
    body.append(actions(p));
    const chart = sightingsChart(raw);
    if (chart) body.append(chart);
    const b = breakdown(p.order);
    if (b) body.append(b);
    body.append(await history(p.order));
  }

  return { open, close, rerender: render, currentId: () => current?.pothole.id ?? null };
}
