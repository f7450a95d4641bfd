/* Picking a wave (S1, S2 step 1): tasks in walking order; at each bin scan the bin, scan
 * the item, then COUNT THE WHOLE BIN, blind (the book quantity is never shown) and
 * confirm. Each scan is checked by the service as it is made (one round trip, no rule
 * here); a difference, a short or damaged units are recorded by the service, which
 * re-allocates the line or holds it. A hold on an order shows its reason and stops that
 * order's tasks. Offline, scans cannot be checked and counts wait in the outbox. */

import {h, fill, intValue} from "../dom.js";
import {t, hintFor} from "../i18n.js";
import {act, get, Offline, ApiError, outboxRows} from "../api.js";
import {keep, cached} from "../store.js";
import {signal, refused} from "../feedback.js";

async function load(wave) {
  try {
    const both = await Promise.all([
      get("/shipping/waves/" + encodeURIComponent(wave) + "/pick-list"),
      get("/shipping/holds/mine?wave=" + encodeURIComponent(wave)),
    ]);
    await keep("pick:" + wave, {tasks: both[0], holds: both[1]});
    return {tasks: both[0], holds: both[1], offline: false};
  } catch (e) {
    if (!(e instanceof Offline)) throw e;
    const kept = await cached("pick:" + wave);
    if (!kept) throw e;
    return {tasks: kept.tasks, holds: kept.holds, offline: true};
  }
}

export default {
  name: "pick",
  title: "pick.title",
  task: true,
  async render(app, params) {
    const wave = params[0];
    let data = await load(wave);
    const queuedTasks = new Set((await outboxRows()).filter((r) => r.meta && r.meta.wave === wave && r.status === "queued")
      .map((r) => r.meta.task));
    const done = new Set();
    let step = "bin";
    let scanned = {};
    app.title(t("pick.title_of", {wave: wave}));
    const head = h("div", {id: "pick-head"});
    const card = h("div", {id: "task"});
    const rest = h("ul.list", {id: "tasks"});
    app.main.appendChild(head);
    app.main.appendChild(card);
    app.main.appendChild(rest);

    const holdReasons = (task) => (task.holds || []).map((number) => {
      const hold = data.holds.filter((x) => x.number === number)[0];
      return hold ? hold.reason : number;
    });
    const open = () => data.tasks.filter((task) => task.status === "open" && !done.has(task.task_id) && !queuedTasks.has(task.task_id));
    const workable = () => open().filter((task) => !(task.holds || []).length);
    const current = () => workable()[0] || null;

    const draw = () => {
      const task = current();
      const left = open().length;
      fill(head, h("p.muted", null, t("pick.progress", {left: left, total: data.tasks.length})),
        data.offline ? h("p.notice.warn", null, t("pick.offline")) : null);
      if (!task) {
        fill(card, h("p.notice", {id: "wave-done"}, left ? t("pick.only_held", {n: left}) : t("pick.wave_done")),
          h("button.primary", {type: "button", onclick: () => app.go("#/waves")}, t("pick.back_to_waves")));
      } else {
        fill(card, h("div.card.current", {dataset: {task: String(task.task_id), step: step}},
          h("div.step", null, t("pick.step_" + step)),
          h("p.huge", {id: "bin"}, task.location),
          h("p", null, h("strong", null, task.sku), " ", task.item_name),
          h("p.muted", null, t("pick.lot", {lot: task.lot}) + (task.expiry_date ? " \u00b7 " + t("pick.expiry", {date: task.expiry_date}) : "")),
          h("p.big", null, t("pick.take", {n: task.quantity})),
          h("p.muted", null, t("pick.order", {order: task.order_number})),
          step === "count" ? countForm(task)
            : h("p.notice", null, step === "bin" ? t("pick.scan_bin") : step === "lot" ? t("pick.scan_lot", {lot: task.lot}) : t("pick.scan_item"))));
      }
      fill(rest, data.tasks.filter((x) => x !== task).map((x) => {
        const reasons = holdReasons(x);
        const state = done.has(x.task_id) || x.status !== "open" ? ".done" : queuedTasks.has(x.task_id) ? ".queued" : reasons.length ? ".held" : "";
        return h("li.card" + state, {dataset: {task: String(x.task_id), order: x.order_number}},
          h("strong", null, x.location), " \u00b7 " + x.sku + " \u00d7 " + x.quantity,
          reasons.length ? h("p", {class: "hold"}, t("pick.on_hold", {reason: reasons.join("; ")})) : null,
          queuedTasks.has(x.task_id) ? h("div.muted", null, t("pick.count_queued")) : null);
      }));
      if (task) app.ready();
    };

    const countForm = (task) => h("div.stack", null,
      h("p.notice.warn", {id: "whole-bin"}, t("pick.count_whole_bin", {bin: task.location, sku: task.sku, lot: task.lot, n: task.quantity})),
      h("label", {htmlFor: "counted"}, t("pick.counted_in_bin")),
      h("input", {id: "counted", type: "number", inputMode: "numeric", min: "0", placeholder: t("pick.count_placeholder"),
        onkeydown: (event) => { if (event.key === "Enter") { event.preventDefault(); confirm(task, "short"); } }}),
      h("button.primary", {type: "button", id: "confirm-count", onclick: () => confirm(task, "short")}, t("pick.confirm_count")),
      h("button.danger", {type: "button", id: "report-damaged", onclick: () => confirm(task, "damaged")}, t("pick.report_damaged")));

    /* The holds stopping this task's order now (the service names the orders each stops),
     * asked for with the scan's check: a hold issued while this screen is open stops the
     * order at its next scan. Null when they cannot be asked for (offline). */
    const holdsNow = async (task) => {
      try {
        data.holds = await get("/shipping/holds/mine?wave=" + encodeURIComponent(wave));
      } catch (e) {
        return null;
      }
      return data.holds.filter((hold) => (hold.affected_orders || []).indexOf(task.order_number) >= 0);
    };

    const stopped = (task, holds) => {
      signal("error", t("pick.order_held", {order: task.order_number, reason: holds.map((x) => x.reason).join("; ")}),
        {code: "order_on_hold", hint: hintFor("order_on_hold")});
      reload();
    };

    const check = async (task, query) => {
      const holding = holdsNow(task);
      try {
        await get("/shipping/tasks/" + task.task_id + "/check?" + query);
      } catch (e) {
        if (e instanceof Offline) { signal("warn", t("pick.not_checked_offline"), {code: "offline"}); return true; }
        if (e instanceof ApiError) {
          refused(e.body);
          if (["order_on_hold", "pick_task_closed", "order_cancelled", "order_state_invalid"].indexOf(e.body.code) >= 0) reload();
          return false;
        }
        throw e;
      }
      const held = await holding;
      if (held && held.length) { stopped(task, held); return false; }
      return true;
    };

    /* The pick list names open tasks only: those done since stay in the list, ticked off,
     * and the progress counts them. */
    const reload = async () => {
      try {
        const fresh = await load(wave);
        const open = new Set(fresh.tasks.map((x) => x.task_id));
        const gone = data.tasks.filter((x) => !open.has(x.task_id))
          .map((x) => Object.assign({}, x, {status: x.status === "open" ? "closed" : x.status}));
        fresh.tasks = gone.concat(fresh.tasks);
        data = fresh;
      } catch (e) { /* keep what we have */ }
      step = "bin";
      scanned = {};
      draw();
    };

    /* A lot-tracked item's count needs its lot: the service asks for it (lot_required),
     * the picker scans it and the count made is sent again with it. */
    let awaitingLot = null;

    const confirm = async (task, reason, count) => {
      const counted = count === undefined ? intValue("counted") : count;
      if (counted === null) { signal("error", t("pick.enter_count"), {code: "count_missing"}); return; }
      const body = {location: scanned.location, item: scanned.item, counted_quantity: counted};
      if (scanned.lot) body.lot = scanned.lot;
      if (reason === "damaged") body.reason = "damaged";
      try {
        const result = await act("POST", "/shipping/tasks/" + task.task_id + "/count", body,
          {label: "action.pick_count", labelParams: {bin: task.location, sku: task.sku},
            meta: {wave: wave, task: task.task_id}});
        step = "bin";
        scanned = {};
        if (!result.done) {
          queuedTasks.add(task.task_id);
          signal("warn", t("pick.count_saved_offline"), {code: "queued"});
          draw();
          return;
        }
        done.add(task.task_id);
        const answer = result.data;
        if (answer.status === "counted") signal("ok", t("pick.count_ok", {n: task.quantity}));
        else signal("warn", t("pick.count_difference_" + (answer.resolution || "recorded")), {code: "count_difference"});
        await reload();
      } catch (e) {
        if (e instanceof ApiError && e.body.code === "lot_required" && !scanned.lot) {
          awaitingLot = {reason: reason, counted: counted};
          step = "lot";
          draw();
          signal("warn", t("pick.scan_lot", {lot: task.lot}), {code: "lot_required"});
          return;
        }
        if (e instanceof ApiError) {
          refused(e.body);
          if (["order_on_hold", "pick_task_closed", "order_cancelled"].indexOf(e.body.code) >= 0) await reload();
          return;
        }
        throw e;
      }
    };

    draw();
    app.scan(async (code) => {
      const task = current();
      if (!task) { signal("warn", t("pick.nothing_to_scan")); return; }
      if (step === "bin") {
        if (await check(task, "location=" + encodeURIComponent(code))) {
          scanned.location = code;
          step = "item";
          signal("ok", t("pick.bin_ok", {bin: code}));
          draw();
        }
      } else if (step === "item") {
        if (await check(task, "location=" + encodeURIComponent(scanned.location) + "&item=" + encodeURIComponent(code))) {
          scanned.item = code;
          step = "count";
          signal("ok", t("pick.item_ok", {sku: task.sku}));
          draw();
          const field = document.getElementById("counted");
          if (field) field.focus();
        }
      } else if (step === "lot") {
        if (await check(task, "location=" + encodeURIComponent(scanned.location) + "&item=" + encodeURIComponent(scanned.item)
            + "&lot=" + encodeURIComponent(code))) {
          scanned.lot = code;
          const pending = awaitingLot;
          awaitingLot = null;
          step = "count";
          draw();
          const field = document.getElementById("counted");
          if (field) field.value = String(pending.counted);
          await confirm(task, pending.reason, pending.counted);
        }
      } else {
        signal("warn", t("pick.enter_count_first"), {code: "count_missing"});
      }
    }, t("pick.scan_placeholder"));
    window.addEventListener("wms:outbox", function replayed(event) {
      if (location.hash.indexOf("#/pick/") !== 0) { window.removeEventListener("wms:outbox", replayed); return; }
      const happened = event.detail.event || {};
      const action = happened.replayed || happened.refused;
      if (action && action.meta && action.meta.wave === wave) {
        queuedTasks.delete(action.meta.task);
        if (happened.replayed) done.add(action.meta.task);
        if (step === "bin") reload();
      }
    });
  },
};
