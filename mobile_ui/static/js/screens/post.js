/* The clerk's receipts of the day not yet posted (R8), each with what it waits for; a
 * receipt whose inspections are decided is posted here (R3, R9), and its lots are shown
 * so their labels can be printed for put-away. */

import {h} from "../dom.js";
import {t} from "../i18n.js";
import {act, get} from "../api.js";
import {signal} from "../feedback.js";

/* What a receipt waits for, as the catalogue names it. */
function waitingFor(receipt) {
  if (receipt.waiting_for_code) return receipt.waiting_for_code;
  return receipt.status === "draft" ? "submission" : receipt.status === "submitted" && /^posting/.test(receipt.waiting_for) ? "posting" : "inspection";
}

export default {
  name: "post",
  title: "post.title",
  async render(app) {
    const receipts = await get("/receipts/unposted");
    app.main.appendChild(h("p.muted", null, t("post.intro", {n: receipts.length})));
    app.main.appendChild(h("ul.list", {id: "unposted"}, receipts.map((r) =>
      h("li.card", {dataset: {receipt: r.number}},
        h("strong", null, r.number), " ", h("span.tag", null, t("kind." + r.document_kind)),
        h("div.muted", null, r.document_number + " \u00b7 " + t("waiting_for." + waitingFor(r))),
        waitingFor(r) === "posting" ? h("button.primary", {type: "button", dataset: {post: String(r.id)}, onclick: async () => {
          try {
            const result = await act("POST", "/receipts/" + r.id + "/post", undefined,
              {label: "action.post_receipt", labelParams: {number: r.number}});
            if (!result.done) { signal("warn", t("post.queued")); return; }
            const lots = result.data.lines.filter((l) => l.lot_code).map((l) => l.lot_code);
            signal("ok", t("post.posted", {number: r.number, lots: lots.join(", ")}));
            setTimeout(() => app.go("#/post"), 0);
          } catch (e) { app.failed(e); }
        }}, t("post.post")) : null))));
  },
};
