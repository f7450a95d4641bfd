/* Small charts drawn as inline SVG: grouped vertical bars and horizontal bars.
 *
 * No chart library: the end-of-day report needs four plain bar charts, and this is a few
 * dozen lines that run on Chrome 70. A chart scales to its box (viewBox, width 100%);
 * the figures are the service's, drawn as they come. A bar with a `go` hash is a link
 * (role="link", Enter or a click opens it), so a figure drills down to what is behind it. */

const NS = "http://www.w3.org/2000/svg";

function el(tag, attrs, text) {
  const node = document.createElementNS(NS, tag);
  Object.keys(attrs || {}).forEach((name) => {
    if (attrs[name] !== undefined && attrs[name] !== null) node.setAttribute(name, String(attrs[name]));
  });
  if (text !== undefined) node.textContent = String(text);
  return node;
}

const TICKS = 4;

/* The axis' top: four equal whole steps of 1, 2, 2.5 or 5 times a power of ten, at or
 * above max (so a tick never reads 0.75 or 12,500.5). */
function niceMax(max) {
  if (!(max > 0)) return TICKS;
  const raw = max / TICKS;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const steps = [1, 2, 2.5, 5, 10];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] * power;
    if (step >= raw && step >= 1 && Math.round(step) === step) return step * TICKS;
  }
  return Math.max(1, 10 * power) * TICKS;
}

function linked(node, bar, go) {
  if (!bar.go) return node;
  node.setAttribute("class", (node.getAttribute("class") || "") + " link");
  node.setAttribute("role", "link");
  node.setAttribute("tabindex", "0");
  node.setAttribute("data-go", bar.go);
  node.addEventListener("click", () => go(bar.go));
  node.addEventListener("keydown", (event) => { if (event.key === "Enter") go(bar.go); });
  return node;
}

function frame(width, height, label) {
  const svg = el("svg", {viewBox: "0 0 " + width + " " + height, width: "100%", class: "chart", role: "img",
    preserveAspectRatio: "xMidYMid meet", "aria-label": label});
  svg.appendChild(el("title", null, label));
  return svg;
}

/* Vertical bars in groups: groups [{label, bars: [{value, series, title, go}]}],
 * series [{key, label}] for the legend. options: {label, format, go, height}. */
export function columns(groups, series, options) {
  const opts = options || {};
  const format = opts.format || String;
  const max = niceMax(Math.max.apply(null, [0].concat(...groups.map((g) => g.bars.map((b) => b.value)))));
  // The axis' widest figure decides the left margin (about 8 px a digit at 14 px).
  const width = 640, height = opts.height || 260, left = 16 + 8 * String(format(max)).length, right = 8, top = 28, bottom = 30;
  const svg = frame(width, height, opts.label || "");
  const plotW = width - left - right, plotH = height - top - bottom;
  for (let i = 0; i <= TICKS; i++) {
    const y = top + plotH - (plotH * i) / TICKS;
    svg.appendChild(el("line", {x1: left, x2: width - right, y1: y, y2: y, class: "grid"}));
    svg.appendChild(el("text", {x: left - 6, y: y + 4, class: "axis", "text-anchor": "end"}, format(max * i / TICKS)));
  }
  const slot = plotW / Math.max(groups.length, 1);
  const barW = Math.max(2, Math.min(28, (slot * 0.8) / Math.max(series.length, 1)));
  const every = Math.ceil(groups.length / 12);
  groups.forEach((group, gi) => {
    const x0 = left + gi * slot + (slot - barW * group.bars.length) / 2;
    group.bars.forEach((bar, bi) => {
      const h = max ? (plotH * bar.value) / max : 0;
      const rect = el("rect", {x: x0 + bi * barW, y: top + plotH - h, width: Math.max(barW - 1, 1), height: Math.max(h, 0),
        class: "bar " + bar.series, "data-value": bar.value});
      rect.appendChild(el("title", null, bar.title || format(bar.value)));
      svg.appendChild(linked(rect, bar, opts.go));
    });
    if (gi % every === 0) {
      svg.appendChild(el("text", {x: left + gi * slot + slot / 2, y: height - bottom + 18, class: "axis", "text-anchor": "middle"}, group.label));
    }
  });
  legend(svg, series, left, 16);
  return svg;
}

function legend(svg, series, x, y) {
  let at = x;
  series.forEach((s) => {
    svg.appendChild(el("rect", {x: at, y: y - 10, width: 12, height: 12, class: "bar " + s.key}));
    const text = el("text", {x: at + 16, y: y, class: "legend"}, s.label);
    svg.appendChild(text);
    at += 30 + s.label.length * 13;
  });
}

/* Horizontal bars, one row each: rows [{label, bars: [{value, series, title, go}], note}].
 * Bars of a row stack left to right. options: {label, format, go, series (legend)}. */
export function rows(items, options) {
  const opts = options || {};
  const format = opts.format || String;
  const width = 640, rowH = 30, left = opts.labelWidth || 250, right = 70, top = opts.series ? 30 : 8;
  const height = top + Math.max(items.length, 1) * rowH + 8;
  const svg = frame(width, height, opts.label || "");
  const totals = items.map((row) => row.bars.reduce((sum, bar) => sum + bar.value, 0));
  const max = opts.max || niceMax(Math.max.apply(null, [0].concat(totals)));
  const plotW = width - left - right;
  items.forEach((row, i) => {
    const y = top + i * rowH;
    const name = el("text", {x: left - 8, y: y + rowH / 2 + 5, class: "axis", "text-anchor": "end"}, clip(row.label, left - 12));
    name.appendChild(el("title", null, row.label));
    svg.appendChild(name);
    let x = left;
    row.bars.forEach((bar) => {
      const w = max ? (plotW * bar.value) / max : 0;
      const rect = el("rect", {x: x, y: y + 5, width: Math.max(w, 0), height: rowH - 10, class: "bar " + (bar.series || ""),
        "data-value": bar.value});
      rect.appendChild(el("title", null, bar.title || format(bar.value)));
      svg.appendChild(linked(rect, bar, opts.go));
      x += w;
    });
    svg.appendChild(el("text", {x: x + 6, y: y + rowH / 2 + 5, class: "value"}, row.note !== undefined ? row.note : format(totals[i])));
  });
  if (opts.series) legend(svg, opts.series, left, 18);
  return svg;
}

/* The label cut to about `px` pixels at the axis' 14 px (a Chinese character is about
 * twice as wide as a Latin one). */
function clip(text, px) {
  const s = String(text);
  let width = 0;
  for (let i = 0; i < s.length; i++) {
    width += s.charCodeAt(i) > 0x2e7f ? 15 : 9;
    if (width > px) return s.slice(0, Math.max(i - 1, 1)) + "\u2026";
  }
  return s;
}
