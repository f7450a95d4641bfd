/* Counting one bin for a cycle count (R8), blind: the book quantity is not shown. Scan
 * the bin (the count starts: picks of the item there wait until it is counted), scan
 * the item, enter every unit of it physically in the bin; the service compares with the
 * book. A difference is counted again by someone else, then waits for a supervisor or
 * posts itself within the threshold. An empty bin's count has no item: confirm it empty
 * or scan what is found there. Offline, the count waits in the outbox. */

import {h, fill, intValue} from "../dom.js";
import {t} from "../i18n.js";
import {act, request, newKey, Offline} from "../api.js";
import {cached} from "../store.js";
import {signal} from "../feedback.js";

function answer(result) {
  if (!result.done) { signal("warn", t("count.saved_offline"), {code: "queued"}); return; }
  const data = result.data;
  if (data.status === "recount") signal("warn", t("count.recount"), {code: "count_difference"});
  else if (data.difference_found && data.status === "done") signal("ok", t("count.posted"));
  else if (data.difference_found) signal("warn", t("count.difference"), {code: "count_difference"});
  else signal("ok", t("count.matches"));
}

export default {
  name: "count",
  title: "count.title",
  task: true,
  async render(app, params) {
    const id = parseInt(params[0], 10);
    const task = ((await cached("counts")) || []).filter((x) => x.id === id)[0];
    if (!task) { app.go("#/counts"); return; }
    const scanned = {};
    const box = h("div.card.current", {id: "count-task", dataset: {count: String(id)}});
    app.main.appendChild(box);
    const what = task.sku || t("count.any_item");
    const submit = async (empty) => {
      const counted = empty ? 0 : intValue("counted");
      if (counted === null) { signal("error", t("pick.enter_count"), {code: "count_missing"}); return; }
      try {
        const result = await act("POST", "/shipping/cycle-counts/" + id + "/count",
          {location: scanned.location, item: empty ? null : scanned.item, counted_quantity: counted},
          {label: "action.cycle_count", labelParams: {bin: task.location, sku: what}});
        answer(result);
        app.go("#/counts");
      } catch (e) { app.failed(e); }
    };
    const draw = () => {
      const step = !scanned.location ? "bin" : !scanned.item ? "item" : "count";
      fill(box, h("div.step", null, t("count.step_" + step)),
        h("p.huge", null, task.location), h("p", null, h("strong", null, what)),
        task.status === "recount" ? h("p.notice", null, t("count.is_recount")) : null,
        h("p.notice.warn", null, task.sku ? t("count.blind", {bin: task.location, sku: task.sku})
          : t("count.blind_empty", {bin: task.location})),
        scanned.location ? h("p", null, t("count.bin_scanned", {bin: scanned.location})) : null,
        scanned.item ? h("p", null, t("count.item_scanned", {code: scanned.item})) : null,
        step === "item" && !task.sku ? h("button", {type: "button", id: "count-empty",
          onclick: () => submit(true)}, t("count.bin_empty")) : null,
        step === "count" ? h("div.stack", null,
          h("label", {htmlFor: "counted"}, t("count.counted")),
          h("input", {id: "counted", type: "number", inputMode: "numeric", min: "0"}),
          h("button.primary", {type: "button", id: "submit-count", onclick: () => submit(false)},
            t("count.submit"))) : null);
    };
    /* The bin scanned starts the count (picks there wait). Offline there is nothing to
     * hold: the count itself, queued, is taken at once when it reaches the service. */
    const start = async (code) => {
      try {
        await request("POST", "/shipping/cycle-counts/" + id + "/start", {location: code}, newKey());
        return true;
      } catch (e) {
        if (e instanceof Offline) return true;
        app.failed(e);
        return false;
      }
    };
    draw();
    app.scan(async (code) => {
      if (!scanned.location) {
        if (!(await start(code))) return;
        scanned.location = code;
      } else if (!scanned.item) scanned.item = code;
      else { signal("warn", t("pick.enter_count_first")); return; }
      signal("ok", code);
      draw();
      const field = document.getElementById("counted");
      if (field) field.focus();
    }, t("count.scan"));
  },
};
