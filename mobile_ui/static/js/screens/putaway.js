/* Put-away: scan the lot's label, go to the bin the service suggests, scan the bin.
 * A lot label can be printed at a chosen station (the station's printer, via the print
 * queue). The bin choice and R7's own-or-consignment check are the service's. */

import {h, fill} from "../dom.js";
import {t} from "../i18n.js";
import {act, get, Offline} from "../api.js";
import {signal} from "../feedback.js";
import {keep, cached} from "../store.js";

async function stations() {
  try {
    const list = await get("/stations");
    await keep("stations", list);
    return list;
  } catch (e) {
    if (e instanceof Offline) return (await cached("stations")) || [];
    return [];
  }
}

export default {
  name: "putaway",
  title: "putaway.title",
  task: true,
  async render(app, params) {
    const box = h("div.stack", {id: "putaway"});
    app.main.appendChild(box);
    let suggestion = null;
    const draw = () => {
      if (!suggestion) {
        fill(box, h("p.notice", null, t("putaway.scan_lot")));
        return;
      }
      fill(box,
        h("div.card", {id: "lot-card"},
          h("div.step", null, t("putaway.lot")), h("p.big", null, suggestion.lot),
          h("p", null, (suggestion.sku || "") + " " + (suggestion.item_name || "")),
          h("dl.kv", null, h("dt", null, t("putaway.quantity")), h("dd", null, String(suggestion.quantity)),
            h("dt", null, t("putaway.from")), h("dd", null, suggestion.from_location))),
        h("div.card.current", null, h("div.step", null, t("putaway.go_to_bin")),
          h("p.huge", {id: "suggested-bin"}, suggestion.bin),
          suggestion.reason_code ? h("p.muted", {class: "reason"}, t("putaway_reason." + suggestion.reason_code)) : null),
        h("p.notice", null, t("putaway.scan_bin")),
        h("details", {id: "label"}, h("summary", null, t("putaway.print_label")), h("div.stack", {id: "stations"})));
      stations().then((list) => {
        const holder = document.getElementById("stations");
        if (!holder) return;
        fill(holder, list.length ? list.map((station) => h("button", {type: "button", dataset: {station: station.code}, onclick: async () => {
          try {
            const result = await act("POST", "/lots/" + encodeURIComponent(suggestion.lot) + "/label/print",
              {station: station.code, copies: 1}, {label: "action.print_label", labelParams: {lot: suggestion.lot}});
            signal(result.done ? "ok" : "warn", result.done ? t("putaway.label_queued", {station: station.code}) : t("common.queued"));
          } catch (e) { app.failed(e); }
        }}, station.code + " " + (station.name || ""))) : h("p.muted", null, t("putaway.no_station")));
      });
    };
    const openLot = async (lot) => {
      try {
        suggestion = await get("/putaway/suggestion?lot=" + encodeURIComponent(lot));
        signal("ok", t("putaway.go_to", {bin: suggestion.bin}));
        draw();
      } catch (e) { app.failed(e); }
    };
    draw();
    if (params[0]) await openLot(params[0]);
    app.scan(async (code) => {
      if (!suggestion) { await openLot(code); return; }
      try {
        const result = await act("POST", "/putaway", {lot: suggestion.lot, bin: code},
          {label: "action.putaway", labelParams: {lot: suggestion.lot, bin: code}});
        signal(result.done ? "ok" : "warn", result.done ? t("putaway.done", {lot: suggestion.lot, bin: code}) : t("common.queued"),
          {code: result.done ? "ok" : "queued"});
        suggestion = null;
        draw();
      } catch (e) { app.failed(e); }
    }, t("putaway.scan_placeholder"));
  },
};
