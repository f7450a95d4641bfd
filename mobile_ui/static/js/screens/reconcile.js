/* The clerk's reconciliation page (对账, L3) at a desk or on a tablet.
 *
 * #/reconcile: the differences every kind of reconciliation found (courier bills,
 * returns, outbound, payments), filtered by kind, type, status, courier and cycle, each
 * row with its evidence (our and their weight and fee, quantities, conditions, amounts);
 * a row opens its detail: the whole evidence, the history of its status, and the status
 * changes its state allows (explain, claim, resolve, reopen) with a note. The claim list
 * of the chosen courier and cycle downloads as XLSX or PDF. An upload form sends a courier's
 * bill, return records, the outbound check (with the shop's export) or a settlement
 * statement (multipart, by fetch) and shows what the run found.
 *
 * The types, statuses and platforms are the service's (GET /reconciliation/presets);
 * which changes a difference allows is its `actions`; the page decides nothing. */

import {h, fill} from "../dom.js";
import {t, has, currentLanguage} from "../i18n.js";
import {act, get, request, newKey} from "../api.js";
import {signal, refused} from "../feedback.js";

const KINDS = ["courier", "returns", "outbound", "payments"];
const PAGE_SIZE = 50;
const enc = encodeURIComponent;

/* Evidence fields shown, in this order, ours before theirs. */
const EVIDENCE = [
  {key: "our_weight_kg", label: "recon.ev_our_weight", unit: "kg"},
  {key: "their_weight_kg", label: "recon.ev_their_weight", unit: "kg"},
  {key: "our_fee", label: "recon.ev_our_fee", money: true},
  {key: "their_fee", label: "recon.ev_their_fee", money: true},
  {key: "our_quantity", label: "recon.ev_our_quantity"},
  {key: "their_quantity", label: "recon.ev_their_quantity"},
  {key: "our_condition", label: "recon.ev_our_condition", condition: true},
  {key: "their_condition", label: "recon.ev_their_condition", condition: true},
  {key: "shipped_units", label: "recon.ev_shipped_units", units: true},
  {key: "deducted_units", label: "recon.ev_deducted_units", units: true},
  {key: "ordered_units", label: "recon.ev_ordered_units", units: true},
  {key: "parcels", label: "recon.ev_parcels", parcels: true},
  {key: "order_amount", label: "recon.ev_order_amount", money: true},
  {key: "income", label: "recon.ev_income", money: true},
  {key: "refund", label: "recon.ev_refund", money: true},
  {key: "fee", label: "recon.ev_fee", money: true},
  {key: "net", label: "recon.ev_net", money: true},
  {key: "days", label: "recon.ev_days"},
  {key: "shipped_on", label: "recon.ev_shipped_on"},
  {key: "settled_on", label: "recon.ev_settled_on"},
  {key: "tracking_number", label: "recon.ev_tracking_number"},
  {key: "receipt", label: "recon.ev_receipt"},
  {key: "sender_name", label: "recon.ev_sender"},
  {key: "sender_phone", label: "recon.ev_sender_phone"},
  {key: "rows", label: "recon.ev_rows"},
];
const CONDITIONS = {intact: {label: "recon.cond_intact"}, damaged: {label: "recon.cond_damaged"},
  missing_parts: {label: "recon.cond_missing_parts"}};
/* What the upload form sends for each kind: its endpoint and fields. */
const UPLOADS = {
  courier: {path: "/reconciliation/courier-bills", label: "recon.upload_courier", courier: true, file: true},
  returns: {path: "/reconciliation/returns", label: "recon.upload_returns", courier: true, file: true},
  outbound: {path: "/reconciliation/outbound", label: "recon.upload_outbound", orders: true},
  payments: {path: "/reconciliation/payments", label: "recon.upload_payments", platform: true, file: true, orders: true},
};

const state = {filters: {kind: "", type: "", status: "open", courier: "", cycle: ""}, offset: 0, presets: null,
  couriers: [], selected: null, scroll: false};

function money(value) {
  return value === null || value === undefined || value === "" ? "" : "\u00a5" + String(value);
}

function when(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(currentLanguage(), {year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hour12: false});
}

function typeWord(type) { return has("recon_type." + type) ? t("recon_type." + type) : type; }

function shown(field, value) {
  if (value === null || value === undefined || value === "") return "";
  if (field.money) return money(value);
  if (field.unit) return String(value) + " " + field.unit;
  if (field.condition) return CONDITIONS[value] ? t(CONDITIONS[value].label) : String(value);
  if (field.units) return Object.keys(value).map((sku) => sku + " \u00d7" + value[sku]).join(", ") || "0";
  if (field.parcels) return value.map((p) => p.courier + " " + p.tracking_number + " (" + p.shipped_on + ")").join("; ");
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

function evidenceList(evidence, compact) {
  const fields = EVIDENCE.filter((f) => evidence[f.key] !== undefined && evidence[f.key] !== null && evidence[f.key] !== "" &&
    (!compact || f.key !== "rows"));
  return h("dl.kv.evidence", null, fields.map((f) => [h("dt", null, t(f.label)),
    h("dd", {dataset: {evidence: f.key}}, shown(f, evidence[f.key]))]));
}

function statusTag(status) {
  const tone = status === "resolved" ? ".ok" : (status === "open" ? ".bad" : ".wait");
  return h("span.tag" + tone, {dataset: {status: status}}, t("recon_status." + status));
}

function query() {
  const q = new URLSearchParams();
  Object.keys(state.filters).forEach((name) => { if (state.filters[name]) q.set(name, state.filters[name]); });
  q.set("limit", String(PAGE_SIZE));
  q.set("offset", String(state.offset));
  return q.toString();
}

/* --- filters and the claim list ------------------------------------------------------ */

function select(id, label, value, options, onchange) {
  const el = h("select", {id: id, "aria-label": label, onchange: () => onchange(el.value)},
    h("option", {value: ""}, t("recon.all")),
    options.map((o) => h("option", {value: o.value, selected: o.value === value}, o.text)));
  return h("label.filter", null, h("span.muted", null, label), el);
}

function courierName(c) { return c.code + " " + (currentLanguage() === "en" ? c.name_en : c.name_zh); }

function filterBar(app, reload) {
  const f = state.filters;
  const set = (name) => (value) => {
    f[name] = value;
    if (name === "kind") f.type = "";
    const upload = document.getElementById("upload-courier");
    if (name === "courier" && value && upload && upload.value !== value) {
      upload.value = value;  // the next bill is most likely that courier's
      upload.dispatchEvent(new Event("change"));
    }
    state.offset = 0;
    reload(true);
  };
  const types = f.kind ? state.presets.types[f.kind] : KINDS.reduce((all, k) => all.concat(state.presets.types[k]), []);
  const cycle = h("input", {id: "filter-cycle", type: "text", value: f.cycle, placeholder: "2026-11",
    "aria-label": t("recon.cycle"), onchange: () => set("cycle")(cycle.value.trim())});
  const claims = (format, words) => h("a.button", {id: "claims-" + format, download: "",
    href: "/api/v1/reconciliation/claims?format=" + format + "&courier=" + enc(f.courier) + (f.cycle ? "&cycle=" + enc(f.cycle) : "")},
  words);
  const claimLink = f.courier ? [claims("xlsx", t("recon.claims_xlsx", {courier: f.courier})),
    claims("pdf", t("recon.claims_pdf", {courier: f.courier}))] : h("span.muted", {id: "claims-hint"}, t("recon.claims_hint"));
  return h("div.recon-bar", null,
    select("filter-kind", t("recon.kind"), f.kind, KINDS.map((k) => ({value: k, text: t("recon_kind." + k)})), set("kind")),
    select("filter-type", t("recon.type"), f.type, types.map((ty) => ({value: ty, text: typeWord(ty)})), set("type")),
    select("filter-status", t("recon.status"), f.status,
      state.presets.statuses.map((s) => ({value: s, text: t("recon_status." + s)})), set("status")),
    select("filter-courier", t("recon.courier"), f.courier,
      state.couriers.map((c) => ({value: c.code, text: courierName(c)})), set("courier")),
    h("label.filter", null, h("span.muted", null, t("recon.cycle")), cycle),
    h("div.exports", null, claimLink));
}

/* --- the list -------------------------------------------------------------------------- */

/* The columns the table compares side by side, ours before theirs; the rest of a row's
 * evidence goes to the "other" column (shown only when some row has any). */
const PAIRS = [
  {head: "recon.col_weight", ours: EVIDENCE[0], theirs: EVIDENCE[1]},
  {head: "recon.col_fee", ours: EVIDENCE[2], theirs: EVIDENCE[3]},
];
const PAIRED = ["our_weight_kg", "their_weight_kg", "our_fee", "their_fee", "rows", "order_number"];

function otherEvidence(evidence) {
  const rest = {};
  Object.keys(evidence).forEach((k) => { if (PAIRED.indexOf(k) < 0) rest[k] = evidence[k]; });
  return rest;
}

function hasOther(evidence) {
  const rest = otherEvidence(evidence);
  return EVIDENCE.some((f) => rest[f.key] !== undefined && rest[f.key] !== null && rest[f.key] !== "");
}

function pairCell(pair, evidence, disputed) {
  const ours = shown(pair.ours, evidence[pair.ours.key]);
  const theirs = shown(pair.theirs, evidence[pair.theirs.key]);
  if (!ours && !theirs) return h("td.pair", null);
  const name = pair.ours.key.replace("our_", "").replace("_kg", "");
  // Marked as the service judged it: only the pairs the difference's type disputes.
  const differs = (disputed || []).indexOf(name) >= 0;
  return h("td.pair" + (differs ? ".differs" : ""), {dataset: {pair: pair.ours.key.replace("our_", "")}},
    h("div.ours", null, h("span.side", null, t("recon.ours")), h("span.num", {dataset: {evidence: pair.ours.key}}, ours || "–")),
    h("div.theirs", null, h("span.side", null, t("recon.theirs")),
      h("span.num", {dataset: {evidence: pair.theirs.key}}, theirs || "–")));
}

function differenceRow(app, d, withOther, reload) {
  const open = () => { state.selected = d.id; state.scroll = true; reload(false); };
  const evidence = d.evidence || {};
  return h("tr", {dataset: {difference: String(d.id), type: d.type, status: d.status},
    class: state.selected === d.id ? "chosen" : ""},
  h("td.type", null, h("strong", null, typeWord(d.type)), h("div.muted", null, t("recon_kind." + d.kind))),
  h("td.key", null, h("button.link", {type: "button", dataset: {open: String(d.id)}, onclick: open}, d.key),
    d.order_number && d.order_number !== d.key ? h("div.muted", null, d.order_number) : null,
    h("div.muted", null, (d.courier || d.party || "") + " \u00b7 " + d.cycle)),
  PAIRS.map((pair) => pairCell(pair, evidence, d.disputed)),
  withOther ? h("td.other", null, evidenceList(otherEvidence(evidence), true)) : null,
  h("td.num", null, money(d.amount)),
  h("td.state", null, statusTag(d.status), d.note ? h("div.muted.note", null, d.note) : null));
}

function table(app, page, reload) {
  const pager = h("div.table-tools", null,
    h("span.muted", {id: "recon-total", dataset: {total: String(page.total)}},
      t("recon.total", {n: page.total})),
    state.offset > 0 ? h("button", {type: "button", id: "recon-prev",
      onclick: () => { state.offset = Math.max(0, state.offset - PAGE_SIZE); reload(true); }}, t("recon.previous")) : null,
    state.offset + PAGE_SIZE < page.total ? h("button", {type: "button", id: "recon-next",
      onclick: () => { state.offset += PAGE_SIZE; reload(true); }}, t("recon.next")) : null);
  const withOther = page.items.some((d) => hasOther(d.evidence || {}));
  const head = ["recon.type", "recon.key"].concat(PAIRS.map((p) => p.head), withOther ? ["recon.evidence"] : [],
    ["recon.amount", "recon.status_note"]);
  return h("section.report-section", null, pager, h("div.table-wrap", null, h("table.data.recon-table", {id: "differences"},
    h("thead", null, h("tr", null, head.map((k) => h("th", {class: k === "recon.amount" ? "num" : ""}, t(k))))),
    h("tbody", null, page.items.length ? page.items.map((d) => differenceRow(app, d, withOther, reload))
      : h("tr", null, h("td.empty", {colSpan: head.length}, t("recon.none")))))));
}

/* --- one difference ---------------------------------------------------------------------- */

async function change(app, d, status, note, reload) {
  try {
    const done = await act("POST", "/reconciliation/differences/" + d.id + "/status", {status: status, note: note || null},
      {label: "recon.action_label", labelParams: {key: d.key, status: t("recon_status." + status)}});
    if (!done.done) { signal("warn", t("common.queued"), {code: "queued"}); return; }
    signal("ok", t("recon.changed", {key: d.key, status: t("recon_status." + done.data.status)}));
    reload(true);
  } catch (e) { app.failed(e); }
}

const TARGET = {explain: "explained", claim: "claimed", resolve: "resolved", reopen: "open"};

function detail(app, d, reload) {
  const note = h("textarea", {id: "recon-note", rows: 2, maxLength: 400, placeholder: t("recon.note_hint"),
    "aria-label": t("recon.note")}, d.note || "");
  const buttons = (d.actions || []).map((action) => h(action === "resolve" ? "button.primary" : "button",
    {type: "button", dataset: {action: action}, onclick: () => change(app, d, TARGET[action], note.value.trim(), reload)},
    t("recon_action." + action)));
  return h("section.report-section.recon-detail", {id: "recon-detail", dataset: {difference: String(d.id)}},
    h("h2", null, typeWord(d.type), " \u00b7 ", d.key, " ", statusTag(d.status)),
    h("div.muted", null, t("recon_kind." + d.kind) + " \u00b7 " + d.cycle + (d.courier ? " \u00b7 " + d.courier : "") +
      (d.amount !== null && d.amount !== undefined ? " \u00b7 " + t("recon.amount") + " " + money(d.amount) : "")),
    evidenceList(d.evidence || {}, false),
    h("label", null, h("span.muted", null, t("recon.note")), note),
    h("div.row", null, buttons),
    h("h3", null, t("recon.history")),
    h("ol.recon-history", {id: "recon-history"}, (d.history || []).map((e) => h("li", null,
      h("span", null, when(e.at)), " ", h("strong", null, (e.from_status ? t("recon_status." + e.from_status) + " \u2192 " : "") +
        t("recon_status." + e.to_status)), " ", h("span.muted", null, e.by || t("recon.by_rerun")),
      e.note ? h("div.note", null, e.note) : null))));
}

/* The columns a courier's bill is read by (its saved mapping, else its preset): each
 * field with the headers tried for it, first match wins. */
function columnsRead(found) {
  const fields = Object.keys(found.columns || {});
  const source = found.source === "saved" ? t("recon.mapping_saved") : t("recon.mapping_preset");
  return [h("summary", {dataset: {source: found.source}}, t("recon.columns_read", {courier: found.courier, source: source})),
    h("dl.kv.mapping", null, fields.map((name) => [h("dt", null, has("recon_field." + name) ? t("recon_field." + name) : name),
      h("dd", {dataset: {field: name}}, found.columns[name].join(" / "))]))];
}

/* --- uploads ------------------------------------------------------------------------------- */

function uploadForm(app, reload) {
  const result = h("div.recon-result", {id: "upload-result"});
  const kind = h("select", {id: "upload-kind", "aria-label": t("recon.upload_kind")},
    KINDS.map((k) => h("option", {value: k}, t(UPLOADS[k].label))));
  const courier = h("select", {id: "upload-courier", "aria-label": t("recon.courier")},
    state.couriers.map((c) => h("option", {value: c.code, selected: c.code === state.filters.courier}, courierName(c))));
  const platform = h("select", {id: "upload-platform", "aria-label": t("recon.platform")},
    state.presets.payments.map((p) => h("option", {value: p.code}, t("recon_platform." + p.code))));
  const cycle = h("input", {id: "upload-cycle", type: "text", required: true, placeholder: "2026-11",
    "aria-label": t("recon.cycle"), value: state.filters.cycle || new Date().toISOString().slice(0, 7)});
  const file = h("input", {id: "upload-file", type: "file", accept: ".csv,.xlsx,.xlsm"});
  const orders = h("input", {id: "upload-orders", type: "file", accept: ".csv,.xlsx,.xlsm"});
  const rows = {
    courier: h("label.filter", null, h("span.muted", null, t("recon.courier")), courier),
    platform: h("label.filter", null, h("span.muted", null, t("recon.platform")), platform),
    file: h("label.filter", null, h("span.muted", null, t("recon.file")), file),
    orders: h("label.filter", null, h("span.muted", null, t("recon.orders_file")), orders),
  };
  const mapping = h("details.recon-mapping", {id: "upload-mapping"});
  const showMapping = async () => {
    fill(mapping);
    mapping.hidden = true;
    if (kind.value !== "courier" || !courier.value) return;
    const code = courier.value;
    try {
      const found = await get("/reconciliation/couriers/" + enc(code) + "/bill-mapping");
      if (courier.value !== code || kind.value !== "courier") return;
      fill(mapping, columnsRead(found));
      mapping.hidden = false;
    } catch (e) { /* the form still uploads: the server reads the bill by the same mapping */ }
  };
  const showFields = () => {
    const spec = UPLOADS[kind.value];
    Object.keys(rows).forEach((name) => { rows[name].hidden = !spec[name]; });
    showMapping();
  };
  kind.addEventListener("change", showFields);
  courier.addEventListener("change", showMapping);
  const send = async (event) => {
    event.preventDefault();
    const spec = UPLOADS[kind.value];
    if (spec.file && !(file.files && file.files[0])) { signal("warn", t("recon.choose_file"), {code: "invalid_input"}); return; }
    const form = new FormData();
    form.append("cycle", cycle.value.trim());
    if (spec.courier) form.append("courier", courier.value);
    if (spec.platform) form.append("platform", platform.value);
    if (spec.file) form.append("file", file.files[0]);
    if (spec.orders && orders.files && orders.files[0]) form.append("orders", orders.files[0]);
    submit.disabled = true;
    try {
      const answer = await request("POST", spec.path, form, newKey());
      const runs = answer.summary ? [answer] : [answer.ledger, answer.shop].filter((r) => r);
      fill(result, runs.map((run) => h("div.card", {dataset: {run: String(run.id)}},
        h("strong", null, t("recon_kind." + run.kind) + " " + (run.party || "") + " " + run.cycle), " ",
        h("span.muted", null, t("recon.run_counts", {rows: run.rows_read, new: run.summary.new, kept: run.summary.kept,
          closed: run.summary.closed})),
        h("ul", null, Object.keys(run.summary.by_type || {}).map((ty) =>
          h("li", {dataset: {found: ty}}, typeWord(ty) + ": " + run.summary.by_type[ty]))))));
      signal("ok", t("recon.uploaded"));
      state.filters.kind = runs[0].kind;
      state.filters.type = "";
      state.filters.cycle = runs[0].cycle;
      state.offset = 0;
      reload(true);
    } catch (e) {
      if (e && e.body && e.body.errors && e.body.errors.rows) {
        fill(result, h("ul.bad-rows", null, e.body.errors.rows.slice(0, 10).map((r) =>
          h("li", null, t("recon.bad_row", {row: r.row, field: r.field || "", problem: r.problem || ""})))));
      }
      app.failed(e);
    } finally {
      submit.disabled = false;
    }
  };
  const submit = h("button.primary", {type: "submit", id: "upload-send"}, t("recon.upload_send"));
  const form = h("form.recon-upload", {id: "upload", onsubmit: send},
    h("h2", null, t("recon.upload")),
    h("div.recon-bar", null,
      h("label.filter", null, h("span.muted", null, t("recon.upload_kind")), kind),
      rows.courier, rows.platform,
      h("label.filter", null, h("span.muted", null, t("recon.cycle")), cycle),
      rows.file, rows.orders, h("div.recon-send", null, submit)),
    mapping, result);
  showFields();
  return h("section.report-section", null, form);
}

/* --- the page -------------------------------------------------------------------------------- */

export default {
  name: "reconcile",
  title: "recon.title",
  async render(app, params) {
    if (params[0] && /^\d+$/.test(params[0])) state.selected = parseInt(params[0], 10);
    const both = await Promise.all([get("/reconciliation/presets"), get("/couriers").catch(() => [])]);
    state.presets = both[0];
    state.couriers = both[1] || [];
    const bar = h("div", {id: "recon-filters"});
    const list = h("div", {id: "recon-list"});
    const side = h("div", {id: "recon-side"});
    const upload = uploadForm(app, (again) => reload(again));
    const page = h("div.report.recon", null, upload, bar, h("div.recon-main", null, list, side));
    app.main.appendChild(page);
    let current = null;
    async function reload(again) {
      const screen = app.main;
      screen.dataset.ready = "false";
      try {
        if (again || !current) current = await get("/reconciliation/differences?" + query());
        fill(bar, filterBar(app, reload));
        fill(list, table(app, current, reload));
        if (state.selected) {
          try {
            fill(side, detail(app, await get("/reconciliation/differences/" + state.selected), reload));
            if (state.scroll && side.getBoundingClientRect().top > window.innerHeight) side.scrollIntoView();
          } catch (e) {
            state.selected = null;
            fill(side);
            if (e && e.body) refused(e.body);
          }
        } else {
          fill(side, h("p.muted", null, t("recon.pick_one")));
        }
      } catch (e) {
        app.failed(e);
      }
      state.scroll = false;
      screen.dataset.ready = "true";
      screen.dataset.total = String(current ? current.total : 0);
    }
    await reload(true);
  },
};
