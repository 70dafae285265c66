// The repair queue as an ordered list in route order; selecting an entry selects it on the map.
import { h, clear } from "./dom.js";
import { t, statusLabel, formatRelative, language } from "./i18n.js";
import { displayStatus, districtName, roadName } from "./model.js";

export function createQueue(listEl, summaryEl, { onSelect }) {
  let entries = [];
  let selectedId = null;

  function item(p, index) {
    const status = displayStatus(p);
    const prio = p.order?.priority ?? "?";
    const due = p.order?.due_at ? new Date(p.order.due_at) : null;
    const overdue = due && due.getTime() < Date.now();
    const place = districtName(p.context, language()) ?? t("district_unknown");
    const road = roadName(p.context);
    const button = h("button", {
      type: "button",
      class: "queue-item",
      "aria-current": p.id === selectedId ? "true" : null,
      "aria-label": [
        `${index + 1}.`, t("detail_title", { id: p.id }), `${t("priority")} ${prio}`,
        statusLabel(status), place, due ? (overdue ? t("overdue") : t("due_in", { when: formatRelative(p.order.due_at) })) : "",
      ].filter(Boolean).join(", "),
      dataset: { potholeId: String(p.id) },
      onclick: () => onSelect(p.id, "queue"),
    },
    h("span", { class: "rank", "aria-hidden": "true" }, String(index + 1)),
    h("span", { class: `prio-badge prio-${prio}`, "aria-hidden": "true" }, t("priority_short", { p: prio })),
    h("span", { class: "qi-main", "aria-hidden": "true" },
      h("strong", {}, place),
      road ? h("span", { class: "muted" }, road) : null,
      h("span", { class: "qi-meta" },
        h("span", { class: `status-chip st-${status}` }, statusLabel(status)),
        p.order?.category ? h("span", {}, String(p.order.category)) : null,
        due ? h("span", { class: overdue ? "overdue" : "" },
          overdue ? `${t("overdue")} · ${formatRelative(p.order.due_at)}` : t("due_in", { when: formatRelative(p.order.due_at) })) : null)));
    return h("li", { class: p.id === selectedId ? "selected" : "" }, button);
  }

  function render() {
    clear(listEl);
    summaryEl.textContent = entries.length ? t("queue_summary", { count: entries.length }) : t("queue_empty");
    entries.forEach((p, i) => listEl.append(item(p, i)));
  }

  function setEntries(list) {
    entries = list;
    render();
  }

  function updateEntry(p) {
    const i = entries.findIndex((e) => e.id === p.id);
    if (i >= 0) {
      entries[i] = p;
      render();
    }
  }

  function select(id, { focus = false, scroll = true } = {}) {
    selectedId = id;
    for (const li of listEl.children) {
      const button = li.firstChild;
      const on = button.dataset.potholeId === String(id);
      li.classList.toggle("selected", on);
      if (on) button.setAttribute("aria-current", "true");
      else button.removeAttribute("aria-current");
      if (on && scroll) button.scrollIntoView({ block: "nearest" });
      if (on && focus) button.focus();
    }
  }

  return { setEntries, updateEntry, select, render, entries: () => entries };
}
