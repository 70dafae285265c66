// The Leaflet map: the city's own layers (districts, roads) from /v1/layers, an optional tile
// background, and the potholes as keyboard-reachable markers clustered when zoomed out.
import { getJson } from "./api.js";
import { t, statusLabel, language } from "./i18n.js";
import { displayStatus, districtName } from "./model.js";

const L = window.L;
const DEFAULT_CENTRE = [37.2, 126.83]; // Hwaseong-si, until the district layer gives real bounds

function layerList(body) {
  const list = Array.isArray(body) ? body : (body?.layers ?? body?.items ?? []);
  return list.map((x) => (typeof x === "string" ? { name: x } : x)).filter((x) => x && x.name);
}

function kindOf(layer) {
  return String(layer.kind ?? layer.geometry_type ?? layer.type ?? "").toLowerCase();
}

/** Pick the district layer: an area layer named like districts, newest first (2025 before 2018). */
export function pickLayers(layers) {
  const byName = [...layers].sort((a, b) => String(b.name).localeCompare(String(a.name)));
  const isArea = (l) => /area|polygon/.test(kindOf(l));
  const district =
    byName.find((l) => /district|emd|dong|eup|myeon/i.test(l.name) && !/si_/i.test(l.name)) ??
    byName.find((l) => /district|emd|dong/i.test(l.name)) ??
    byName.find(isArea) ?? null;
  const roads = byName.find((l) => /road|street/i.test(l.name) || /line/.test(kindOf(l))) ?? null;
  return { district, roads };
}

function featureName(props) {
  const en = language() === "en";
  return (en && (props.name_en ?? props.name_eng ?? props.name_eng_kostat2018)) || props.name || props.adm_nm || props.ADM_NM ||
    props.EMD_KOR_NM || props.emd_nm || props.NAME || props.code || "";
}

/** `panOffsetPx()`: how far right of centre a selected marker should sit (the detail panel covers the right). */
export function createMap(element, { onSelect, panOffsetPx = () => 0 }) {
  const map = L.map(element, { zoomControl: true, keyboard: true, minZoom: 8, maxZoom: 19, zoomSnap: 0.25 })
    .setView(DEFAULT_CENTRE, 11);
  const panes = {};
  for (const [name, z] of [["districts", 350], ["roads", 360]]) {
    panes[name] = map.createPane(name);
    panes[name].style.zIndex = String(z);
  }
  const control = L.control.layers(null, null, { collapsed: true }).addTo(map);
  const clusters = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 45 }).addTo(map);
  const markers = new Map();
  let tiles = null;
  let districtLayer = null;
  let roadLayer = null;
  let selectedId = null;
  let fitted = false;

  function icon(p) {
    const status = displayStatus(p);
    const prio = Number.isInteger(p.order?.priority) ? p.order.priority : "?";
    const cls = ["pin", `prio-${prio}`, `st-${status}`, p.id === selectedId ? "selected" : ""].join(" ");
    return L.divIcon({ className: cls, html: `<span>${prio}</span>`, iconSize: [30, 30], iconAnchor: [15, 15] });
  }

  function title(p) {
    const place = districtName(p.context, language()) ?? t("district_unknown");
    const prio = p.order?.priority ? `${t("priority")} ${p.order.priority}` : "";
    return [t("detail_title", { id: p.id }), prio, statusLabel(displayStatus(p)), place].filter(Boolean).join(", ");
  }

  function setPotholes(potholes) {
    clusters.clearLayers();
    markers.clear();
    const list = potholes.map((p) => {
      const marker = L.marker([p.lat, p.lon], { icon: icon(p), title: title(p), alt: title(p), keyboard: true });
      marker.on("click", () => onSelect(p.id, "map"));
      marker.on("keypress", (e) => { // markers are focusable buttons; Leaflet relays their keys to us
        if (e.originalEvent.key !== "Enter" && e.originalEvent.key !== " ") return;
        e.originalEvent.preventDefault();
        onSelect(p.id, "map");
      });
      marker.pothole = p;
      markers.set(p.id, marker);
      return marker;
    });
    clusters.addLayers(list);
    if (!fitted && !districtLayer && selectedId === null && list.length) {
      map.fitBounds(clusters.getBounds().pad(0.2), { animate: false });
    }
  }

  function updatePothole(p) {
    const marker = markers.get(p.id);
    if (!marker) return;
    marker.pothole = p;
    marker.setIcon(icon(p));
    marker.options.title = title(p);
  }

  function select(id, { pan = true } = {}) {
    const previous = markers.get(selectedId);
    selectedId = id;
    if (previous) previous.setIcon(icon(previous.pothole));
    const marker = markers.get(id);
    if (!marker) return;
    marker.setIcon(icon(marker.pothole));
    if (pan) {
      clusters.zoomToShowLayer(marker, () => {
        const centre = map.project(marker.getLatLng()).add([panOffsetPx(), 0]);
        map.panTo(map.unproject(centre), { animate: true });
      });
    }
  }

  async function loadLayers() {
    const body = await getJson("/v1/layers");
    const { district, roads } = pickLayers(layerList(body));
    if (district) {
      const geo = await getJson(`/v1/layers/${encodeURIComponent(district.name)}`);
      districtLayer?.remove();
      districtLayer = L.geoJSON(geo, {
        pane: "districts",
        style: { color: "#1a1a1a", weight: 2, fillColor: "#4a6fa5", fillOpacity: 0.06 },
        onEachFeature: (feature, layer) => {
          const name = featureName(feature.properties ?? {});
          if (name) layer.bindTooltip(name, { sticky: true, className: "district-tip" });
        },
      }).addTo(map);
      element.dataset.districts = String(geo.features?.length ?? 0);
      control.addOverlay(districtLayer, t("districts"));
      if (!fitted && selectedId === null && districtLayer.getBounds().isValid()) { // never yank a chosen pothole away
        map.fitBounds(districtLayer.getBounds(), { animate: false }); // an animated zoom would undo a pan to a pothole chosen meanwhile
        fitted = true;
      }
    }
    if (roads) {
      const geo = await getJson(`/v1/layers/${encodeURIComponent(roads.name)}`);
      roadLayer?.remove();
      roadLayer = L.geoJSON(geo, { pane: "roads", style: { color: "#555", weight: 2, opacity: 0.8 } }).addTo(map);
      element.dataset.roads = String(geo.features?.length ?? 0);
      control.addOverlay(roadLayer, t("roads"));
    }
    return { district: district?.name ?? null, roads: roads?.name ?? null };
  }

  function setTiles(url, attribution) {
    tiles?.remove();
    tiles = null;
    if (url) tiles = L.tileLayer(url, { attribution: attribution || "", maxZoom: 19 }).addTo(map);
  }

  function invalidate() {
    map.invalidateSize();
  }

  return { map, setPotholes, updatePothole, select, loadLayers, setTiles, invalidate };
}
