/* Count differences for the supervisor (R8): the cycle counts counted with a difference,
 * the book at the count beside what was counted, and the action that settles one: the
 * difference posted as a count-difference adjustment on the stock row chosen (the bin's
 * only row unless it holds several lots or owners), then the count completed. */

import {h} from "../dom.js";
import {t, currentLanguage} from "../i18n.js";
import {act, get} from "../api.js";
import {signal} from "../feedback.js";

function signed(n) { return (n > 0 ? "+" : "") + String(n); }

function rowLabel(row) {
  return t("differences.row", {lot: row.lot_code, owner: row.owner_code, n: row.quantity});
}

async function settle(app, count, difference, rows, select) {
  const row = rows[parseInt(select.value, 10) || 0];
  const reason = t("differences.adjust_reason", {id: count.id, bin: count.location, sku: count.sku,
    book: count.book_quantity, counted: count.counted_quantity});
  try {
    const adjusted = await act("POST", "/stock/adjustments", {
      item_id: row.item_id, lot_id: row.lot_id, location_id: row.location_id, owner_id: row.owner_id,
      quantity_change: difference, reason: reason, kind: "count_difference",
    }, {label: "action.adjust", labelParams: {sku: count.sku, bin: count.location, n: signed(difference)}});
    const completed = await act("POST", "/shipping/cycle-counts/" + count.id + "/complete", undefined,
      {label: "action.complete_count", labelParams: {sku: count.sku, bin: count.location}});
    if (!adjusted.done || !completed.done) { signal("warn", t("common.queued"), {code: "queued"}); return; }
    signal("ok", t("differences.settled", {sku: count.sku, bin: count.location, n: signed(difference)}));
    setTimeout(() => app.go("#/differences"), 0);
  } catch (e) { app.failed(e); }
}

async function countCard(app, count) {
  const difference = count.counted_quantity - count.book_quantity;
  const rows = await get("/stock?page_size=100&include_empty=true&location=" + encodeURIComponent(count.location) +
    "&item=" + encodeURIComponent(count.sku));
  const select = h("select", {id: "row-" + count.id}, rows.map((row, i) => h("option", {value: String(i)}, rowLabel(row))));
  return h("li.card", {dataset: {count: String(count.id)}},
    h("div", null, h("span.big", null, count.location), " ", h("strong", null, count.sku)),
    h("div.muted", null, count.item_name),
    h("dl.kv", null,
      h("dt", null, t("differences.book")), h("dd.book", null, String(count.book_quantity)),
      h("dt", null, t("differences.counted")), h("dd.counted", null, String(count.counted_quantity)),
      h("dt", null, t("differences.difference")),
      h("dd", null, h("span.tag.difference" + (difference < 0 ? ".bad" : ".ok"), null, signed(difference))),
      h("dt", null, t("differences.counted_by")),
      h("dd", null, (count.counted_by || "") + " \u00b7 " + new Date(count.counted_at).toLocaleString(currentLanguage()))),
    rows.length ? h("div", null, h("label", {htmlFor: select.id}, t("differences.row_label")), select) : null,
    rows.length
      ? h("button.primary", {type: "button", dataset: {settle: String(count.id)},
        onclick: () => settle(app, count, difference, rows, select)}, t("differences.settle", {n: signed(difference)}))
      : h("p.notice.warn", null, t("differences.no_row")));
}

export default {
  name: "differences",
  title: "differences.title",
  async render(app) {
    const counts = await get("/shipping/cycle-counts?status=counted");
    app.main.appendChild(h("p.muted", null, t("differences.intro", {n: counts.length})));
    const cards = await Promise.all(counts.map((count) => countCard(app, count)));
    app.main.appendChild(h("ul.list", {id: "differences"}, cards));
  },
};
