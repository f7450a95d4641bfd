/* The outbox on screen: what waits for the network, and what the service refused after
 * a replay, with its message and what to do; a refusal stays until the user has read it. */

import {h} from "../dom.js";
import {t, errorText, hintFor} from "../i18n.js";
import {outboxRows, dismiss, flush} from "../api.js";

export default {
  name: "queue",
  title: "queue.title",
  async render(app) {
    const rows = (await outboxRows()).sort((a, b) => a.seq - b.seq);
    const waiting = rows.filter((r) => r.status === "queued");
    const refusedRows = rows.filter((r) => r.status === "refused");
    app.main.appendChild(h("p.big", null, t("queue.waiting", {n: waiting.length})));
    if (waiting.length) {
      app.main.appendChild(h("button.primary", {type: "button", onclick: () => flush()}, t("queue.send_now")));
      app.main.appendChild(h("ul.list", null, waiting.map((r) =>
        h("li.card.queued", null, t(r.label, r.labelParams), h("div.muted", null, new Date(r.at).toLocaleTimeString())))));
    }
    app.main.appendChild(h("h2", null, t("queue.refused", {n: refusedRows.length})));
    app.main.appendChild(h("ul.list", {id: "refused"}, refusedRows.map((r) =>
      h("li.card.held", {dataset: {code: r.error.code}},
        h("strong", null, t(r.label, r.labelParams)),
        h("p", null, errorText(r.error)),
        h("p.muted", null, hintFor(r.error.code) || t("hint.default")),
        h("button", {type: "button", onclick: async () => { await dismiss(r.seq); app.go("#/queue"); }}, t("queue.dismiss"))))));
    window.addEventListener("wms:outbox", function again() {
      window.removeEventListener("wms:outbox", again);
      if (location.hash === "#/queue") app.go("#/queue");
    });
  },
};
