/* The outbox on screen: what waits for the network, and what the service refused after
 * a replay, with its message and what to do; a refusal stays until the user has read it.
 *
 * The list redraws itself whenever the outbox changes (a replay, a refusal, a dismissal),
 * one drawing at a time: the latest state wins, so a burst of replays never doubles it. */

import {h, fill} from "../dom.js";
import {t, errorText, hintFor} from "../i18n.js";
import {outboxRows, dismiss, flush} from "../api.js";

export default {
  name: "queue",
  title: "queue.title",
  async render(app) {
    const box = h("div", {id: "outbox"});
    app.main.appendChild(box);
    let drawn = 0;
    const draw = async () => {
      const mine = ++drawn;
      const rows = (await outboxRows()).sort((a, b) => a.seq - b.seq);
      if (mine !== drawn) return;  // a later drawing is on its way
      const waiting = rows.filter((r) => r.status === "queued");
      const refusedRows = rows.filter((r) => r.status === "refused");
      fill(box,
        h("p.big", null, waiting.length ? t("queue.waiting", {n: waiting.length}) : t("queue.nothing_waiting")),
        waiting.length ? h("button.primary", {type: "button", id: "send-now", onclick: () => flush()}, t("queue.send_now")) : null,
        waiting.length ? h("ul.list", {id: "waiting"}, waiting.map((r) =>
          h("li.card.queued", null, t(r.label, r.labelParams), h("div.muted", null, new Date(r.at).toLocaleTimeString())))) : null,
        h("h2", null, t("queue.refused", {n: refusedRows.length})),
        h("ul.list", {id: "refused"}, refusedRows.map((r) => {
          const error = r.error || {code: "unknown", errors: {}};
          return h("li.card.held", {dataset: {code: error.code}},
            h("strong", null, t(r.label, r.labelParams)),
            h("p", null, errorText(error)),
            h("p.muted", null, hintFor(error.code) || t("hint.default")),
            h("button", {type: "button", dataset: {dismiss: String(r.seq)}, onclick: () => dismiss(r.seq)}, t("queue.dismiss")));
        })));
    };
    await draw();
    const again = () => {
      if (!box.isConnected) { window.removeEventListener("wms:outbox", again); return; }
      draw();
    };
    window.addEventListener("wms:outbox", again);
  },
};
