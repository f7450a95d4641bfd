/* The clerk's end-of-day report (L2) at a desk or on a tablet: one warehouse's day.
 *
 * #/report (the warehouse's today) and #/report/<date>: a day picker, the day's status
 * (open, or closed by whom and when), closing it after a confirmation and, for a
 * supervisor, reopening it with a reason; the totals, four charts (movements by hour, top
 * items, defect rate by supplier, uncleared documents by age) and a table for every
 * section; every figure of the stock table and every hour's bar drills down to the ledger
 * entries behind it (#/report/<date>/entries?..., paged); the exports as plain links.
 *
 * Every figure is the service's (GET /reports/day): the screen sorts and groups what it
 * shows, it computes no balance and decides nothing. */

import {h, fill} from "../dom.js";
import {t, has, currentLanguage} from "../i18n.js";
import {act, get} from "../api.js";
import {signal, show} from "../feedback.js";
import {columns, rows} from "../chart.js";

const WAREHOUSE_KEY = "wms.report.warehouse";
const PAGE_SIZE = 50;
const TOP_ITEMS = 8;
const RECONCILIATION_ROWS = 20;  // the oldest shown; every one is in the exports and on #/reconcile
const DAY = /^\d{4}-\d{2}-\d{2}$/;

const DIRECTION = {in: "report.in", out: "report.out"};
const EXPORT = {pdf: "report.export_pdf", xlsx: "report.export_xlsx", csv: "report.export_csv"};
const enc = encodeURIComponent;

function number(n) {
  if (n === null || n === undefined || n === "") return "";
  return typeof n === "number" ? new Intl.NumberFormat(currentLanguage()).format(n) : String(n);
}

/* The service's percentage (text, two decimals) as it sent it. */
function percent(rate) {
  return rate === null || rate === undefined || rate === "" ? "" : String(rate) + "%";
}

function when(iso, zone) {
  if (!iso) return "";
  const options = {year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false};
  try {
    return new Date(iso).toLocaleString(currentLanguage(), Object.assign({timeZone: zone || undefined}, options));
  } catch (e) {
    return new Date(iso).toLocaleString(currentLanguage(), options);
  }
}

/* A code in words when the catalogue has them, else the code as the service sent it. */
function word(prefix, code) {
  return has(prefix + code) ? t(prefix + code) : String(code);
}

/* A calendar day moved by n days (ISO dates, no time zone involved). */
function shift(day, n) {
  const parts = day.split("-").map((p) => parseInt(p, 10));
  const moved = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2] + n));
  return moved.toISOString().slice(0, 10);
}

function query() {
  const at = location.hash.indexOf("?");
  return new URLSearchParams(at >= 0 ? location.hash.slice(at + 1) : "");
}

function entriesHash(day, filters) {
  const q = new URLSearchParams();
  Object.keys(filters).forEach((name) => {
    if (filters[name] !== undefined && filters[name] !== null && filters[name] !== "") q.set(name, String(filters[name]));
  });
  return "#/report/" + day + "/entries?" + q.toString();
}

async function chosenWarehouse() {
  const warehouses = await get("/warehouses?page_size=100");
  const kept = localStorage.getItem(WAREHOUSE_KEY);
  const chosen = warehouses.filter((w) => w.code === kept)[0] || warehouses[0];
  return {warehouses: warehouses, code: chosen ? chosen.code : ""};
}

/* --- the report --------------------------------------------------------------------- */

function dayBar(app, report, choice) {
  const day = report.date;
  const go = (next) => app.go("#/report/" + next);
  const picker = h("input", {id: "report-date", type: "date", value: day, "aria-label": t("report.date"),
    onchange: () => { if (DAY.test(picker.value)) go(picker.value); }});
  const select = choice.warehouses.length > 1 ? h("select", {id: "report-warehouse", "aria-label": t("report.warehouse"),
    onchange: () => { localStorage.setItem(WAREHOUSE_KEY, select.value); app.go(location.hash); }},
  choice.warehouses.map((w) => h("option", {value: w.code, selected: w.code === choice.code}, w.code + " " + w.name))) : null;
  return h("div.report-bar", null,
    h("div.report-where", null,
      h("strong.warehouse", null, report.warehouse.name), " ",
      h("span.muted", null, report.warehouse.code + " \u00b7 " + report.warehouse.time_zone)),
    select,
    h("div.day-picker", null,
      h("button", {type: "button", id: "day-prev", title: t("report.previous_day"), onclick: () => go(shift(day, -1))}, "\u2039"),
      picker,
      h("button", {type: "button", id: "day-next", title: t("report.next_day"), onclick: () => go(shift(day, 1))}, "\u203a"),
      h("button", {type: "button", id: "day-today", onclick: () => app.go("#/report")}, t("report.today"))),
    h("div.exports", null, ["pdf", "xlsx", "csv"].map((format) =>
      h("a.button", {id: "export-" + format, download: "",
        onclick: () => show("ok", t("report.export_started", {format: t(EXPORT[format])})),
        href: "/api/v1/reports/day/export?format=" + format + "&warehouse=" + enc(choice.code) + "&date=" + day +
          "&lang=" + enc(currentLanguage())}, t(EXPORT[format])))));
}

/* The day's status as GET /days has it (a day before the first closing is closed with it,
 * and every close and reopen is listed), else as the report has it. */
function statusOf(report, days) {
  const row = (days || []).filter((d) => d.day === report.date)[0];
  if (row) return row;
  return {day: report.date, closed: !!report.closed, open_day: false, closed_at: report.closed ? report.closed.at : null,
    closed_by: report.closed ? report.closed.by : null, events: []};
}

function dayStatus(app, report, choice, day) {
  const closed = day.closed;
  const box = h("div.day-status", {id: "day-status", dataset: {closed: String(closed), openDay: String(!!day.open_day)}});
  const zone = report.warehouse.time_zone;
  const status = closed
    ? h("span.tag.ok", {id: "day-state"}, day.closed_by
      ? t("report.closed_by", {by: day.closed_by, at: when(day.closed_at, zone)}) : t("report.closed_with_later"))
    : h("span.tag.wait", {id: "day-state"}, t("report.open"));
  const events = (day.events || []).map((e) => h("li", {dataset: {action: e.action}},
    t(e.action === "reopen" ? "report.event_reopen" : "report.event_close", {user: e.user, at: when(e.at, zone),
      reason: e.reason || ""})));
  const actions = h("div.day-actions");
  const path = "/days/" + report.date;
  const done = async (result, text) => {
    if (!result.done) { signal("warn", t("common.queued"), {code: "queued"}); return; }
    signal("ok", text);
    setTimeout(() => app.go(location.hash), 0);
  };
  if (!closed && app.can("day.close")) {
    const confirmBox = h("div.notice.warn", {id: "close-confirm-box", hidden: true},
      h("p", null, t("report.close_confirm", {date: report.date, warehouse: report.warehouse.code})),
      h("div.row", null,
        h("button.primary", {type: "button", id: "close-confirm", onclick: async () => {
          try {
            const result = await act("POST", path + "/close", {warehouse: choice.code},
              {label: "action.close_day", labelParams: {date: report.date}});
            await done(result, t("report.closed_now", {date: report.date}));
          } catch (e) { app.failed(e); }
        }}, t("report.close_yes")),
        h("button", {type: "button", id: "close-cancel", onclick: () => { confirmBox.hidden = true; }}, t("common.cancel"))));
    fill(actions, h("button.primary", {type: "button", id: "close-day", onclick: () => { confirmBox.hidden = false; }},
      t("report.close_day")), confirmBox);
  } else if (closed && app.can("day.reopen")) {
    const reason = h("input", {id: "reopen-reason", type: "text", maxLength: 500, placeholder: t("report.reopen_reason")});
    fill(actions, h("label", {htmlFor: "reopen-reason"}, t("report.reopen_reason")),
      h("div.row", null, reason,
        h("button.danger", {type: "button", id: "reopen-day", onclick: async () => {
          if (!reason.value.trim()) { signal("warn", t("report.reopen_reason_needed"), {code: "reason_needed"}); reason.focus(); return; }
          try {
            const result = await act("POST", path + "/reopen", {warehouse: choice.code, reason: reason.value.trim()},
              {label: "action.reopen_day", labelParams: {date: report.date}});
            await done(result, t("report.reopened_now", {date: report.date}));
          } catch (e) { app.failed(e); }
        }}, t("report.reopen"))));
  } else if (closed) {
    fill(actions, h("p.muted", {id: "reopen-supervisor-only"}, t("report.reopen_supervisor_only")));
  }
  return fill(box, h("div.row", null, h("span", null, t("report.status")), status,
    day.open_day ? h("span.tag", {id: "open-day"}, t("report.open_day")) : null,
    h("span.muted", null, t("report.generated_at", {at: when(report.generated_at, zone)}))),
  events.length ? h("ul.day-events", {id: "day-events"}, events) : null, actions);
}

function figures(report) {
  const totals = report.totals || {};
  const card = (name, value, label) => h("div.figure", {dataset: {figure: name}},
    h("div.label", null, label), h("div.value", {dataset: {value: String(value)}}, number(value)));
  return h("div.figures", {id: "figures"},
    card("opening", totals.opening, t("report.opening")),
    card("in", totals.in, t("report.in")),
    card("out", totals.out, t("report.out")),
    card("closing", totals.closing, t("report.closing")),
    card("uncleared", (report.uncleared || []).length, t("report.uncleared")));
}

function chartCard(id, title, svg, empty) {
  return h("section.chart-card", {id: id}, h("h3", null, title), empty ? h("p.muted.empty", null, t("report.none")) : svg);
}

/* The hours from the first to the last with a movement, those without one at zero, so
 * the axis is the day's clock. */
function everyHour(rows) {
  if (!rows.length) return [];
  const by = {};
  rows.forEach((row) => { by[row.hour] = row; });
  const hours = rows.map((row) => row.hour);
  const out = [];
  for (let hour = Math.min.apply(null, hours); hour <= Math.max.apply(null, hours); hour++) {
    out.push(by[hour] || {hour: hour, in: 0, out: 0});
  }
  return out;
}

function charts(app, report, choice) {
  const day = report.date, zone = report.warehouse.time_zone;
  const go = (hash) => app.go(hash);
  const series = [{key: "in", label: t("report.in")}, {key: "out", label: t("report.out")}];
  const hours = everyHour(report.movements_by_hour || []);
  const hourBars = hours.map((row) => ({label: String(row.hour), bars: ["in", "out"].map((dir) => ({
    value: row[dir], series: dir, title: t("report.hour_bar", {hour: row.hour, what: t(DIRECTION[dir]), n: number(row[dir])}),
    go: row[dir] ? entriesHash(day, {warehouse: choice.code, tz: zone, direction: dir, hour: row.hour}) : null,
  }))}));
  const moved = (report.stock || []).filter((s) => s.in || s.out)
    .sort((a, b) => (b.in + b.out) - (a.in + a.out) || (a.item_sku < b.item_sku ? -1 : 1)).slice(0, TOP_ITEMS);
  const top = moved.map((s) => ({label: s.item_sku + " " + s.item_name, bars: ["in", "out"].map((dir) => ({
    value: s[dir], series: dir, title: s.item_sku + " " + t(DIRECTION[dir]) + " " + number(s[dir]),
    go: s[dir] ? entriesHash(day, {warehouse: choice.code, tz: zone, item: s.item_sku, owner: s.owner_code, direction: dir}) : null,
  }))}));
  const rate = (s) => parseFloat(s.defect_rate) || 0;
  const suppliers = ((report.inspections || {}).by_supplier || []).filter((s) => s.inspected_units)
    .sort((a, b) => rate(b) - rate(a));
  const rates = suppliers.map((s) => ({label: s.supplier_code + " " + s.supplier_name, note: percent(s.defect_rate),
    bars: [{value: rate(s), series: s.rejected ? "bad" : "rate",
      title: t("report.defects_of", {defects: s.defects, units: s.inspected_units})}]}));
  const ages = {};
  (report.uncleared || []).forEach((d) => { ages[d.age_days] = (ages[d.age_days] || 0) + 1; });
  const byAge = Object.keys(ages).map(Number).sort((a, b) => a - b)
    .map((age) => ({label: t("report.age_days", {n: age}), bars: [{value: ages[age], series: "late"}]}));
  return h("div.charts", null,
    chartCard("chart-hours", t("report.chart_hours"),
      columns(hourBars, series, {label: t("report.chart_hours"), format: number, go: go}),
      !hours.some((row) => row.in || row.out)),
    chartCard("chart-top", t("report.chart_top", {n: TOP_ITEMS}),
      rows(top, {label: t("report.chart_top", {n: TOP_ITEMS}), format: number, go: go, series: series}), !top.length),
    chartCard("chart-defects", t("report.chart_defects"),
      rows(rates, {label: t("report.chart_defects"), format: (n) => String(n) + "%"}), !rates.length),
    chartCard("chart-uncleared", t("report.chart_uncleared"),
      rows(byAge, {label: t("report.chart_uncleared"), format: number}), !byAge.length));
}

/* A table: columns [{label, num?}], rows of cells (a cell is text or a node). */
function table(id, heads, body, foot) {
  const cell = (tag, col, value) => h(tag + (col.num ? ".num" : ""), null, value === undefined || value === null ? "" : value);
  return h("div.table-wrap", null, h("table.data", {id: id},
    h("thead", null, h("tr", null, heads.map((col) => cell("th", col, col.label)))),
    h("tbody", null, body.length ? body.map((row) => h("tr", row.attrs || null, row.cells.map((value, i) => cell("td", heads[i], value))))
      : h("tr", null, h("td.empty", {colSpan: heads.length}, t("report.none")))),
    foot ? h("tfoot", null, h("tr", null, foot.map((value, i) => cell("td", heads[i], value)))) : null));
}

function section(id, title, content) {
  return h("section.report-section", {id: id}, h("h2", null, title), content);
}

function stockTable(report, choice) {
  const day = report.date;
  const link = (value, filters, name) => h("a.drill", {href: entriesHash(day, Object.assign({warehouse: choice.code,
    tz: report.warehouse.time_zone}, filters)),
    dataset: {figure: name, value: String(value)}}, number(value));
  const heads = [{label: t("report.item")}, {label: t("report.item_name")}, {label: t("report.owner")},
    {label: t("report.opening"), num: true}, {label: t("report.in"), num: true}, {label: t("report.out"), num: true},
    {label: t("report.closing"), num: true}];
  const body = (report.stock || []).map((s) => {
    const of = {item: s.item_sku, owner: s.owner_code};
    // Opening and closing open the day's entries between the two (opening + entries = closing).
    const between = Object.assign({direction: "all", opening: s.opening, closing: s.closing}, of);
    return {attrs: {dataset: {item: s.item_sku, owner: s.owner_code,
      text: (s.item_sku + " " + s.item_name + " " + s.owner_code + " " + s.owner_name).toLowerCase()}},
    cells: [s.item_sku, s.item_name, s.owner_name || s.owner_code,
      link(s.opening, between, "opening"),
      s.in ? link(s.in, Object.assign({direction: "in"}, of), "in") : number(s.in),
      s.out ? link(s.out, Object.assign({direction: "out"}, of), "out") : number(s.out),
      link(s.closing, between, "closing")]};
  });
  const totals = report.totals || {};
  const stock = table("stock", heads, body, [t("report.total"), "", "", number(totals.opening), number(totals.in),
    number(totals.out), number(totals.closing)]);
  const filter = h("input", {id: "stock-filter", type: "search", placeholder: t("report.stock_filter"),
    "aria-label": t("report.stock_filter"), oninput: () => {
      const words = filter.value.trim().toLowerCase();
      Array.prototype.forEach.call(stock.querySelectorAll("tbody tr[data-text]"), (tr) => {
        tr.hidden = !!words && tr.dataset.text.indexOf(words) < 0;
      });
    }});
  return h("div", null, h("div.table-tools", null, filter,
    h("span.muted", null, t("report.stock_rows", {n: number(body.length)}))), stock);
}

/* Reconciliation differences (L3) not resolved at the day's end: how many, a short table of
   the oldest, a link to the reconciliation screen where they are resolved. */
function reconciliationSection(open) {
  return section("section-reconciliation", t("report.section_reconciliation"), h("div", null,
    h("p", {id: "reconciliation-count", dataset: {count: String(open.length)}}, t("report.recon_open", {n: number(open.length)}),
      " ", h("a", {id: "reconciliation-link", href: "#/reconcile"}, t("report.recon_link"))),
    table("reconciliation",
      [{label: t("report.recon_type")}, {label: t("report.recon_kind")}, {label: t("report.courier")},
        {label: t("report.reference")}, {label: t("report.amount"), num: true}, {label: t("report.state")},
        {label: t("report.age"), num: true}],
      open.slice(0, RECONCILIATION_ROWS).map((r) => ({attrs: {dataset: {id: String(r.id)}},
        cells: [word("recon_type.", r.type), word("recon_kind.", r.kind), r.courier,
          r.order_number && r.order_number !== r.reference ? r.reference + " / " + r.order_number : r.reference,
          number(r.amount), word("recon_status.", r.status), number(r.age_days)]})))));
}

function sections(report, choice) {
  const zone = report.warehouse.time_zone;
  const inspections = report.inspections || {};
  const holds = report.holds || {};
  return [
    section("section-stock", t("report.section_stock"), stockTable(report, choice)),
    h("div.grid-2.pair", null, section("section-documents", t("report.section_documents"), table("documents",
      [{label: t("report.document_type")}, {label: t("report.count"), num: true}],
      (report.documents || []).map((d) => ({cells: [word("report.doc.", d.type), number(d.count)]})))),
    section("section-uncleared", t("report.section_uncleared"), table("uncleared",
      [{label: t("report.document_type")}, {label: t("report.number")}, {label: t("report.day")},
        {label: t("report.age"), num: true}, {label: t("report.waiting_for")}],
      (report.uncleared || []).map((d) => ({cells: [word("report.doc.", d.type), d.number, d.day, number(d.age_days),
        d.waiting_for_code ? word("waiting_for.", d.waiting_for_code) : ""]}))))),
    section("section-inspections", t("report.section_inspections"), h("div", null,
      h("p.muted", {id: "inspection-totals"}, t("report.inspection_totals", {lots: number(inspections.lots || 0),
        accepted: number(inspections.accepted || 0), rejected: number(inspections.rejected || 0)})),
      table("inspections", [{label: t("report.supplier")}, {label: t("report.lots"), num: true},
        {label: t("report.inspected_units"), num: true}, {label: t("report.defects"), num: true},
        {label: t("report.defect_rate"), num: true}, {label: t("report.rejected"), num: true}],
      (inspections.by_supplier || []).map((s) => ({cells: [s.supplier_code + " " + s.supplier_name, number(s.lots),
        number(s.inspected_units), number(s.defects), percent(s.defect_rate), number(s.rejected)]}))),
      h("h3", null, t("report.switching")),
      table("switching", [{label: t("report.supplier")}, {label: t("report.from_level")}, {label: t("report.to_level")},
        {label: t("report.at")}],
      (inspections.switching || []).map((s) => ({cells: [s.supplier_code + " " + s.supplier_name,
        word("report.level.", s.from_level), word("report.level.", s.to_level), when(s.at, zone)]}))))),
    section("section-holds", t("report.section_holds"), h("div.grid-2", null,
      h("div", null, h("h3", null, t("report.holds_issued")), table("holds-issued",
        [{label: t("report.number")}, {label: t("report.scope")}, {label: t("report.target")}, {label: t("report.reason")},
          {label: t("report.at")}, {label: t("report.by")}],
        (holds.issued || []).map((x) => ({cells: [x.number, word("holds.scope.", x.scope), x.target, x.reason,
          when(x.issued_at, zone), x.issued_by]})))),
      h("div", null, h("h3", null, t("report.holds_released")), table("holds-released",
        [{label: t("report.number")}, {label: t("report.release_number")}, {label: t("report.target")},
          {label: t("report.at")}, {label: t("report.released_by")}],
        (holds.released || []).map((x) => ({cells: [x.number, x.release_number, x.target, when(x.released_at, zone),
          t("report.released_by_names", {by: x.released_by || "", confirmed: x.confirmed_by || ""})]})))))),
    section("section-counts", t("report.section_counts"), table("count-differences",
      [{label: t("report.count_task")}, {label: t("report.location")}, {label: t("report.item")},
        {label: t("report.book"), num: true}, {label: t("report.in_totes"), num: true},
        {label: t("report.bin_card"), num: true}, {label: t("report.counted"), num: true},
        {label: t("report.difference"), num: true}, {label: t("report.state")}],
      (report.count_differences || []).map((c) => ({attrs: {dataset: {status: c.status}},
        cells: [String(c.task_id), c.location, c.item_sku, number(c.book), number(c.in_totes), number(c.bin_card),
          number(c.counted), number(c.difference), word("report.count_status.", c.status)]})))),
    reconciliationSection(report.reconciliation || []),
  ];
}

async function renderReport(app, params) {
  const choice = await chosenWarehouse();
  const day = DAY.test(params[0] || "") ? params[0] : null;
  const both = await Promise.all([get("/reports/day?warehouse=" + enc(choice.code) + (day ? "&date=" + day : "")),
    get("/days?days=92&warehouse=" + enc(choice.code)).catch(() => null)]);
  const report = both[0];
  app.title(t("report.title_of", {date: report.date}));
  app.main.dataset.day = report.date;
  fill(app.main, h("div.report", null,
    dayBar(app, report, choice),
    dayStatus(app, report, choice, statusOf(report, both[1])),
    figures(report),
    charts(app, report, choice),
    sections(report, choice)));
}

/* --- the ledger entries behind a figure --------------------------------------------- */

async function renderEntries(app, day) {
  app.main.dataset.screen = "report-entries";
  const q = query();
  const offset = Math.max(0, parseInt(q.get("offset"), 10) || 0);
  const filters = {};
  ["warehouse", "item", "owner", "direction", "hour"].forEach((name) => { if (q.get(name)) filters[name] = q.get(name); });
  const between = q.get("opening") !== null && q.get("closing") !== null
    ? {opening: parseInt(q.get("opening"), 10), closing: parseInt(q.get("closing"), 10)} : null;
  if (!filters.warehouse) filters.warehouse = (await chosenWarehouse()).code;
  const api = new URLSearchParams();
  api.set("date", day);
  Object.keys(filters).forEach((name) => api.set(name, filters[name]));
  api.set("limit", String(PAGE_SIZE));
  api.set("offset", String(offset));
  const page = await get("/reports/day/entries?" + api.toString());
  app.title(t("report.entries_title", {date: day}));
  const what = [];
  if (filters.item) what.push(t("report.of_item", {sku: filters.item}));
  if (filters.owner) what.push(t("report.of_owner", {owner: filters.owner}));
  if (filters.direction) what.push(word("report.direction.", filters.direction));
  if (filters.hour !== undefined) what.push(t("report.of_hour", {hour: filters.hour}));
  const entries = page.entries || [];
  const to = offset + entries.length;
  const zone = q.get("tz");
  const pageTo = (next) => app.go(entriesHash(day, Object.assign({}, filters, {tz: zone, offset: next},
    between || {})));
  const heads = [{label: t("report.entry_time")}, {label: t("report.entry_kind")}, {label: t("report.movement")},
    {label: t("report.location")}, {label: t("report.lot")}, {label: t("report.quantity"), num: true},
    {label: t("report.document")}, {label: t("report.user")}];
  fill(app.main, h("div.report", null,
    h("div.report-bar", null,
      h("a.button", {id: "back-to-report", href: "#/report/" + day}, "\u2039 " + t("report.back_to_report", {date: day})),
      h("strong", {id: "entries-what"}, what.join(" \u00b7 "))),
    h("p", {id: "entries-count", dataset: {total: String(page.total), quantity: String(page.quantity)}},
      t("report.entries_range", {from: entries.length ? offset + 1 : 0, to: to, total: page.total}), " \u00b7 ",
      h("strong", null, t("report.entries_quantity", {n: number(page.quantity)}))),
    between ? h("p.notice", {id: "entries-between"}, t("report.entries_between", {opening: number(between.opening),
      change: (page.quantity > 0 ? "+" : "") + number(page.quantity), closing: number(between.closing)})) : null,
    h("section.report-section", null, table("entries", heads, entries.map((e) => ({attrs: {dataset: {entry: String(e.id), quantity: String(e.quantity)}},
      cells: [when(e.created_at, zone), word("report.kind.", e.kind),
        h("span.tech", {title: String(e.movement_id)}, String(e.movement_id).slice(0, 8)), e.location, e.lot || "",
        number(e.quantity), e.document_type ? word("report.doc.", e.document_type) + " " + (e.document_id || "") : "",
        e.user || ""]})))),
    h("div.pager", null,
      h("button", {type: "button", id: "entries-prev", disabled: offset <= 0, onclick: () => pageTo(Math.max(0, offset - PAGE_SIZE))},
        "\u2039 " + t("report.page_previous")),
      h("button", {type: "button", id: "entries-next", disabled: to >= page.total, onclick: () => pageTo(to)},
        t("report.page_next") + " \u203a"))));
}

export default {
  name: "report",
  title: "report.title",
  async render(app, params) {
    if (DAY.test(params[0] || "") && /^entries/.test(params[1] || "")) return renderEntries(app, params[0]);
    return renderReport(app, params);
  },
};
