/* Count differences for the supervisor (R8): the cycle counts whose difference was
 * confirmed by a recount and is above the threshold, the book at the count beside what
 * was counted, and the two decisions: approve (the service posts the difference as a
 * count-difference adjustment on the bin's stock and closes the count) or reject
 * (nothing posts, the book stands). */

import {h} from "../dom.js";
import {t, currentLanguage} from "../i18n.js";
import {act, get} from "../api.js";
import {signal} from "../feedback.js";

function signed(n) { return (n > 0 ? "+" : "") + String(n); }

function differenceOf(count) {
  return count.difference !== null && count.difference !== undefined
    ? count.difference : count.counted_quantity - count.book_quantity;
}

async function decide(app, count, decision) {
  const difference = differenceOf(count);
  const what = count.sku || t("count.any_item");
  try {
    const done = await act("POST", "/shipping/cycle-counts/" + count.id + "/" + decision, undefined, {
      label: decision === "approve" ? "action.approve_count" : "action.reject_count",
      labelParams: {sku: what, bin: count.location, n: signed(difference)}});
    if (!done.done) { signal("warn", t("common.queued"), {code: "queued"}); return; }
    if (decision === "approve") signal("ok", t("differences.settled", {sku: what, bin: count.location, n: signed(difference)}));
    else signal("ok", t("differences.rejected", {sku: what, bin: count.location}));
    setTimeout(() => app.go("#/differences"), 0);
  } catch (e) { app.failed(e); }
}

function countCard(app, count) {
  const difference = differenceOf(count);
  return h("li.card", {dataset: {count: String(count.id)}},
    h("div", null, h("span.big", null, count.location), " ", h("strong", null, count.sku || t("count.any_item"))),
    h("div.muted", null, count.item_name || ""),
    h("dl.kv", null,
      h("dt", null, t("differences.book")), h("dd.book", null, String(count.book_quantity)),
      h("dt", null, t("differences.counted")), h("dd.counted", null, String(count.counted_quantity)),
      h("dt", null, t("differences.difference")),
      h("dd", null, h("span.tag.difference" + (difference < 0 ? ".bad" : ".ok"), null, signed(difference))),
      h("dt", null, t("differences.counted_by")),
      h("dd", null, (count.first_counted_by ? count.first_counted_by + ", " : "") + (count.counted_by || "") +
        " \u00b7 " + new Date(count.counted_at).toLocaleString(currentLanguage()))),
    h("div.row", null,
      h("button.primary", {type: "button", dataset: {settle: String(count.id)},
        onclick: () => decide(app, count, "approve")}, t("differences.settle", {n: signed(difference)})),
      h("button", {type: "button", dataset: {reject: String(count.id)},
        onclick: () => decide(app, count, "reject")}, t("differences.reject"))));
}

export default {
  name: "differences",
  title: "differences.title",
  async render(app) {
    const counts = await get("/shipping/cycle-counts?status=counted");
    app.main.appendChild(h("p.muted", null, t("differences.intro", {n: counts.length})));
    app.main.appendChild(h("ul.list", {id: "differences"}, counts.map((count) => countCard(app, count))));
  },
};
