// Hand-drawn SVG charts (no chart library): horizontal bars and grouped weekly columns, each with
// a text summary for screen readers and a table alternative.
import { h, s } from "./dom.js";
import { formatNumber } from "./i18n.js";

const PALETTE = ["#003f8a", "#c0392b", "#1e7b34", "#8a5a00", "#5b2a86", "#006d77"];

/** rows: [{label, value}] drawn as labelled horizontal bars, longest first. */
export function barChart(rows, { title, color = PALETTE[0] } = {}) {
  const sorted = [...rows].sort((a, b) => b.value - a.value);
  const max = Math.max(1, ...sorted.map((r) => r.value));
  const rowH = 28;
  const longest = Math.max(4, ...sorted.map((r) => String(r.label).length));
  const labelW = Math.min(230, 16 + longest * 8); // ~8 px per character at 14 px; CJK is wider, names short
  const width = labelW + 220;
  const height = Math.max(rowH, sorted.length * rowH) + 4;
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height, class: "chart", role: "img",
    "aria-label": `${title}: ${sorted.map((r) => `${r.label} ${r.value}`).join(", ")}`,
  });
  sorted.forEach((r, i) => {
    const y = i * rowH + 2;
    const barW = ((width - labelW - 50) * r.value) / max;
    svg.append(
      s("text", { x: labelW - 6, y: y + rowH / 2 + 5, "text-anchor": "end", class: "chart-label" }, r.label),
      s("rect", { x: labelW, y: y + 3, width: Math.max(barW, 1), height: rowH - 8, fill: color, rx: 2 }),
      s("text", { x: labelW + barW + 6, y: y + rowH / 2 + 5, class: "chart-value" }, formatNumber(r.value, 0)),
    );
  });
  return svg;
}

/** labels: x categories; series: [{name, values}] drawn as grouped columns with a legend. */
export function columnChart(labels, series, { title, width = 380, height = 200 } = {}) {
  const pad = { l: 36, r: 8, t: 24, b: 36 };
  const max = Math.max(1, ...series.flatMap((x) => x.values));
  const groupW = (width - pad.l - pad.r) / Math.max(1, labels.length);
  const barW = Math.max(2, (groupW - 6) / Math.max(1, series.length));
  const yOf = (v) => pad.t + (height - pad.t - pad.b) * (1 - v / max);
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`, width, height, class: "chart", role: "img",
    "aria-label": `${title}: ${series.map((x) => `${x.name} ${x.values.join(", ")}`).join("; ")}`,
  });
  svg.append(s("line", { x1: pad.l, x2: width - pad.r, y1: yOf(0), y2: yOf(0), class: "chart-axis" }));
  svg.append(s("text", { x: pad.l - 4, y: yOf(max) + 4, "text-anchor": "end", class: "chart-value" }, formatNumber(max, 0)));
  labels.forEach((label, i) => {
    const x0 = pad.l + i * groupW + 3;
    series.forEach((ser, j) => {
      const v = ser.values[i] ?? 0;
      svg.append(s("rect", {
        x: x0 + j * barW, y: yOf(v), width: barW - 1, height: Math.max(0, yOf(0) - yOf(v)),
        fill: PALETTE[j % PALETTE.length],
      }, s("title", {}, `${label} ${ser.name}: ${v}`)));
    });
    if (labels.length <= 12 || i % 2 === 0) {
      svg.append(s("text", { x: x0 + groupW / 2 - 3, y: height - pad.b + 16, "text-anchor": "middle", class: "chart-label small" }, label));
    }
  });
  series.forEach((ser, j) => {
    const x = pad.l + j * 110;
    svg.append(
      s("rect", { x, y: 4, width: 12, height: 12, fill: PALETTE[j % PALETTE.length] }),
      s("text", { x: x + 16, y: 15, class: "chart-label small" }, ser.name),
    );
  });
  return svg;
}

/** A percentage as a thick ring with the number inside. */
export function ringChart(pct, { title, good = 90 } = {}) {
  const r = 42;
  const c = 2 * Math.PI * r;
  const value = Math.max(0, Math.min(100, pct));
  const color = value >= good ? "#1e7b34" : value >= good - 20 ? "#8a5a00" : "#b00020";
  return s("svg", { viewBox: "0 0 110 110", class: "chart ring", role: "img", "aria-label": `${title}: ${formatNumber(value, 1)}%` },
    s("circle", { cx: 55, cy: 55, r, fill: "none", stroke: "#d0d0d0", "stroke-width": 14 }),
    s("circle", {
      cx: 55, cy: 55, r, fill: "none", stroke: color, "stroke-width": 14,
      "stroke-dasharray": `${(c * value) / 100} ${c}`, transform: "rotate(-90 55 55)",
    }),
    s("text", { x: 55, y: 62, "text-anchor": "middle", class: "ring-text" }, `${formatNumber(value, 0)}%`));
}

/** A plain table alternative: header labels and rows of cells. */
export function dataTable(caption, headers, rows) {
  return h("table", { class: "data-table" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, row.map((cell, i) => (i === 0 ? h("th", { scope: "row" }, cell) : h("td", {}, cell)))))));
}
