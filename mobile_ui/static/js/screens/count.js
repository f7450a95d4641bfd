/* Counting one bin for a cycle count (R8), blind: the book quantity is not shown. Scan
 * the bin, scan the item, enter every unit of it physically in the bin; the service
 * compares with the book and records a difference for a supervisor. Offline, the count
 * waits in the outbox. */

import {h, fill, intValue} from "../dom.js";
import {t} from "../i18n.js";
import {act} from "../api.js";
import {cached} from "../store.js";
import {signal} from "../feedback.js";

export default {
  name: "count",
  title: "count.title",
  task: true,
  async render(app, params) {
    const id = parseInt(params[0], 10);
    const task = ((await cached("counts")) || []).filter((x) => x.id === id)[0];
    if (!task) { app.go("#/counts"); return; }
    const scanned = {};
    const box = h("div.card.current", {id: "count-task"});
    app.main.appendChild(box);
    const draw = () => {
      const step = !scanned.location ? "bin" : !scanned.item ? "item" : "count";
      fill(box, h("div.step", null, t("count.step_" + step)),
        h("p.huge", null, task.location), h("p", null, h("strong", null, task.sku)),
        h("p.notice.warn", null, t("count.blind", {bin: task.location, sku: task.sku})),
        scanned.location ? h("p", null, t("count.bin_scanned", {bin: scanned.location})) : null,
        scanned.item ? h("p", null, t("count.item_scanned", {code: scanned.item})) : null,
        step === "count" ? h("div.stack", null,
          h("label", {htmlFor: "counted"}, t("count.counted")),
          h("input", {id: "counted", type: "number", inputMode: "numeric", min: "0"}),
          h("button.primary", {type: "button", id: "submit-count", onclick: submit}, t("count.submit"))) : null);
    };
    const submit = async () => {
      const counted = intValue("counted");
      if (counted === null) { signal("error", t("pick.enter_count"), {code: "count_missing"}); return; }
      try {
        const result = await act("POST", "/shipping/cycle-counts/" + id + "/count",
          {location: scanned.location, item: scanned.item, counted_quantity: counted},
          {label: "action.cycle_count", labelParams: {bin: task.location, sku: task.sku}});
        if (!result.done) signal("warn", t("count.saved_offline"), {code: "queued"});
        else if (result.data.difference_found) signal("warn", t("count.difference"), {code: "count_difference"});
        else signal("ok", t("count.matches"));
        app.go("#/counts");
      } catch (e) { app.failed(e); }
    };
    draw();
    app.scan((code) => {
      if (!scanned.location) scanned.location = code;
      else if (!scanned.item) scanned.item = code;
      else { signal("warn", t("pick.enter_count_first")); return; }
      signal("ok", code);
      draw();
      const field = document.getElementById("counted");
      if (field) field.focus();
    }, t("count.scan"));
  },
};
