/* Shipping documents waiting for the supervisor's approval (S3: only approved documents
 * are allocated, picked and shipped): the drafts, newest first, each approved here. */

import {h} from "../dom.js";
import {t, currentLanguage} from "../i18n.js";
import {act, get} from "../api.js";
import {signal} from "../feedback.js";

export default {
  name: "approvals",
  title: "approvals.title",
  async render(app) {
    const orders = await get("/shipping/orders?status=draft&page_size=100");
    app.main.appendChild(h("p.muted", null, t("approvals.intro", {n: orders.length})));
    app.main.appendChild(h("ul.list", {id: "drafts"}, orders.map((order) => {
      const approve = async () => {
        try {
          const result = await act("POST", "/shipping/orders/" + encodeURIComponent(order.number) + "/approve", undefined,
            {label: "action.approve_order", labelParams: {number: order.number}});
          if (!result.done) { signal("warn", t("common.queued"), {code: "queued"}); return; }
          signal("ok", t("approvals.approved", {number: order.number}));
          setTimeout(() => app.go("#/approvals"), 0);
        } catch (e) { app.failed(e); }
      };
      return h("li.card", {dataset: {order: order.number}},
        h("div", null, h("strong", null, order.number), " ", h("span.tag", null, t("approvals.kind." + order.kind))),
        h("div.muted", null, order.recipient_name + " \u00b7 " + new Date(order.created_at).toLocaleString(currentLanguage())),
        h("button.primary", {type: "button", dataset: {approve: order.number}, onclick: approve}, t("approvals.approve")));
    })));
    app.scan((code) => {
      const button = document.querySelector("[data-approve='" + code.replace(/['\\]/g, "") + "']");
      if (button) {
        button.closest("li").classList.add("current");
        button.scrollIntoView({block: "center"});
        signal("ok", t("approvals.found", {number: code}));
      }
      else signal("warn", t("approvals.not_listed", {number: code}), {code: "not_listed"});
    }, t("approvals.scan"));
  },
};
