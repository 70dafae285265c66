// Wires the views together: sign-in, hash routing (#/queue, #/manager, #/settings), the map <-> queue
// selection, the detail panel and settings. The key lives in sessionStorage and travels only as X-API-Key.
import { ApiError, apiKey, forgetKey, getJson, query, storeKey, storeWho, who } from "./api.js";
import { createDetail } from "./detail.js";
import { h, toast } from "./dom.js";
import { applyStatic, language, setLanguage, t } from "./i18n.js";
import { renderManager } from "./manager.js";
import { createMap } from "./map.js";
import { potholesFrom, queueFrom } from "./model.js";
import { createQueue } from "./queue.js";

const SETTINGS_KEY = "pw.settings";
const $ = (id) => document.getElementById(id);

const state = { map: null, queue: null, detail: null, potholes: new Map(), layersLoaded: false };

function settings() {
  try {
    return JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? "{}");
  } catch {
    return {};
  }
}

function showView(name) {
  for (const view of ["signin", "queue", "manager", "settings"]) $(`view-${view}`).hidden = view !== name;
  for (const tab of document.querySelectorAll("#tabs a")) {
    if (tab.dataset.view === name) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  const signedIn = name !== "signin";
  $("tabs").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
  const me = who();
  $("whoami").hidden = !signedIn || !me;
  $("whoami").textContent = me ? t("signed_in_as", { name: me.name, role: t(`role.${me.role}`) }) : "";
  document.body.dataset.view = name;
}

const APP_ROLES = new Set(["crew", "manager", "admin"]);

/** The key's owner, or an ApiError (401 unknown key); vehicles' keys are refused here, not by the server. */
async function checkKey(key) {
  const session = await getJson("/web/session", { key });
  if (!APP_ROLES.has(session.role)) throw new ApiError(403, session.role);
  return session;
}

async function signIn(event) {
  event.preventDefault();
  const input = $("api-key");
  const error = $("signin-error");
  const key = input.value.trim();
  error.hidden = true;
  if (!key) {
    error.textContent = t("key_required");
    error.hidden = false;
    input.focus();
    return;
  }
  let session;
  try {
    session = await checkKey(key);
  } catch (err) {
    error.textContent = !(err instanceof ApiError) ? t("network_error", { message: err.message })
      : err.status === 403 ? t("key_no_role", { role: err.message })
        : err.status === 401 ? t("key_refused") : t("load_failed", { message: err.message });
    error.hidden = false;
    input.select();
    return;
  }
  storeKey(key);
  storeWho(session);
  input.value = "";
  if (location.hash === "#/queue") route();
  else location.hash = "#/queue";
}

function signOut() {
  forgetKey();
  state.detail?.close();
  location.hash = "#/signin";
}

function ensureWorkViews() {
  if (state.map) return;
  state.map = createMap($("map"), {
    onSelect: select,
    panOffsetPx: () => (window.innerWidth > 760 ? Math.min(460, window.innerWidth) / 2 : 0),
  });
  state.queue = createQueue($("queue-list"), $("queue-summary"), { onSelect: select });
  state.detail = createDetail($("detail"), {
    onChanged: (p) => {
      state.potholes.set(p.id, p);
      state.map.updatePothole(p);
      state.queue.updateEntry(p);
      state.queue.select(p.id, { scroll: false });
    },
    onClose: () => {
      state.queue.select(null);
      state.map.select(null, { pan: false });
      document.body.classList.remove("detail-open");
    },
  });
  const { tileUrl, tileAttribution } = settings();
  state.map.setTiles(tileUrl, tileAttribution);
  renderLegend();
}

/** One selection for both views: the list scrolls to the entry, the map zooms to the marker. */
function select(id, source) {
  state.queue.select(id, { scroll: source !== "queue" });
  state.map.select(id, { pan: true });
  document.body.classList.add("detail-open");
  const from = source === "queue" ? document.querySelector(`[data-pothole-id="${id}"]`) : document.activeElement;
  state.detail.open(id, { focusFrom: from });
}

async function loadWork() {
  ensureWorkViews();
  state.map.invalidate();
  if (!state.layersLoaded) {
    state.layersLoaded = true;
    state.map.loadLayers().catch((err) => {
      state.layersLoaded = false;
      toast(t("load_failed", { message: `${t("districts")}: ${err.message}` }), "error");
    });
  }
  const { routeFrom } = settings();
  const me = who();
  const crew = me?.role === "crew" ? me.name : undefined; // a crew's queue is its own orders
  try {
    const queueBody = await getJson(`/v1/queue${query({ format: "json", crew, route_from: routeFrom, limit: 500 })}`);
    const entries = queueFrom(queueBody);
    let all = [];
    try {
      all = potholesFrom(await getJson(`/v1/potholes${query({ limit: 1000 })}`));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
    }
    state.potholes = new Map(all.map((p) => [p.id, p]));
    for (const e of entries) {
      const known = state.potholes.get(e.id); // the full record (context, size) with the queue's order
      state.potholes.set(e.id, known ? { ...known, order: e.order ?? known.order } : e);
    }
    const merged = entries.map((e) => state.potholes.get(e.id));
    state.queue.setEntries(merged);
    state.map.setPotholes([...state.potholes.values()].filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon)));
    const open = state.detail.currentId();
    if (open !== null) {
      state.queue.select(open, { scroll: false });
      state.map.select(open, { pan: false });
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return signOut();
    toast(t("load_failed", { message: err.message }), "error");
  }
}

/** A <details> so phones can fold it away from the small map; open by default on wide screens. */
function renderLegend() {
  const legend = $("legend");
  if (!legend.dataset.ready) {
    legend.open = window.innerWidth > 760;
    legend.dataset.ready = "1";
  }
  legend.replaceChildren(
    h("summary", {}, t("legend")),
    h("div", { class: "legend-body" },
      h("span", {}, t("legend_priority")),
    h("span", { class: "legend-row" }, [1, 2, 3, 4, 5].map((p) => h("span", { class: `pin static prio-${p}` }, h("span", {}, String(p))))),
    h("span", { class: "legend-row" }, h("span", { class: "pin static st-in_progress prio-2" }, h("span", {}, "2")), t("legend_progress")),
    h("span", { class: "legend-row" }, h("span", { class: "pin static st-repaired" }, h("span", {}, "✓")), t("legend_done")),
      h("span", { class: "legend-row" }, h("span", { class: "pin static st-rejected" }, h("span", {}, "×")), t("legend_rejected"))),
  );
}

function fillSettings() {
  const s = settings();
  $("tile-url").value = s.tileUrl ?? "";
  $("tile-attribution").value = s.tileAttribution ?? "";
  $("route-from").value = s.routeFrom ?? "";
}

function saveSettings(event) {
  event.preventDefault();
  const error = $("settings-error");
  const tileUrl = $("tile-url").value.trim();
  const routeFrom = $("route-from").value.trim().replace(/\s+/g, "");
  error.hidden = true;
  if (tileUrl && !(/^https?:\/\//.test(tileUrl) && ["{z}", "{x}", "{y}"].every((p) => tileUrl.includes(p)))) {
    error.textContent = t("tile_url_invalid");
    error.hidden = false;
    return;
  }
  if (routeFrom && !/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/.test(routeFrom)) {
    error.textContent = t("route_from_invalid");
    error.hidden = false;
    return;
  }
  const next = { tileUrl, tileAttribution: $("tile-attribution").value.trim(), routeFrom };
  localStorage.setItem(SETTINGS_KEY, JSON.stringify(next));
  state.map?.setTiles(next.tileUrl, next.tileAttribution);
  toast(t("saved"));
}

function route() {
  const view = (location.hash.replace(/^#\//, "") || "queue").split("/")[0];
  if (!apiKey()) {
    showView("signin");
    $("api-key").focus();
    return;
  }
  if (view === "manager") {
    showView("manager");
    renderManager($("manager-body"));
  } else if (view === "settings") {
    showView("settings");
    fillSettings();
  } else {
    showView("queue");
    loadWork();
  }
}

function rerenderLanguage() {
  applyStatic(document);
  if (!apiKey()) return;
  const me = who();
  if (me) $("whoami").textContent = t("signed_in_as", { name: me.name, role: t(`role.${me.role}`) });
  renderLegend();
  state.queue?.render();
  if (state.potholes.size) state.map.setPotholes([...state.potholes.values()]);
  state.detail?.rerender();
  if (!$("view-manager").hidden) renderManager($("manager-body"));
}

function init() {
  applyStatic(document);
  $("signin-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("settings-form").addEventListener("submit", saveSettings);
  $("queue-refresh").addEventListener("click", () => loadWork());
  $("manager-refresh").addEventListener("click", () => renderManager($("manager-body")));
  $("lang-switch").addEventListener("click", () => {
    setLanguage(language() === "ko" ? "en" : "ko");
    rerenderLanguage();
  });
  window.addEventListener("hashchange", route);
  window.addEventListener("resize", () => state.map?.invalidate());
  route();
}

init();
