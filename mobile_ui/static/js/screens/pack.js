/* The packing station (S2 steps 2 to 4): scan the order, scan every unit into the parcel
 * (each scan checked by the service), choose the packaging, watch the station's scale
 * against the weight the parcel should have, get the waybill, and ship with one press:
 * the service weighs the parcel on the station's scale, checks its weight, ships, deducts
 * and queues the label for the station's printer. The label job is followed until it is
 * printed: a label the printer missed (switched off, out of paper) is printed by the
 * service's print watch once the printer answers again, without a press here; "print
 * again" sends it at once.
 *
 * Nothing here decides: whether a unit belongs in the parcel, whether the weight is right
 * and whether the order may ship are the service's answers. While the parcel is open the
 * screen asks the service every few seconds whether the order may still ship, so a hold
 * recorded meanwhile stops the parcel with its reason before the ship button is pressed,
 * and a supervisor's acceptance of the parcel's weight shows who accepted it and why.
 * The units scanned so far are the service's too: a reload mid-verify shows them again.
 * The parcel goes onto the courier's handover manifest, whose driver signs for the batch. */

import {h, fill} from "../dom.js";
import {t, errorText, hintFor, currentLanguage} from "../i18n.js";
import {act, get, Offline, ApiError} from "../api.js";
import {signal, refused} from "../feedback.js";

/** How often the live weight is read while the parcel screen is open. */
const SCALE_POLL_MS = 250;
/** How often the service is asked whether the open order may still ship (holds, S4). */
const VALIDITY_POLL_MS = 2500;
/** How often a label job's state is read until it is printed (slower while it waits for the printer). */
const JOB_POLL_MS = 700;
const FAILED_JOB_POLL_MS = 1500;
const STATION_KEY = "wms.station";

let generation = 0;

const path = (number, tail) => "/shipping/orders/" + encodeURIComponent(number) + (tail || "");

/* A scale reading in grams when its unit allows it (for showing it beside the expected grams). */
function grams(reading) {
  const value = parseFloat(reading.value);
  if (isNaN(value)) return null;
  if (reading.unit === "g") return Math.round(value);
  if (reading.unit === "kg") return Math.round(value * 1000);
  return null;
}

/* Why the printer did not print, in the user's words (the printer's own text stays below it). */
function printerError(job) {
  return job.error_code ? errorText({code: job.error_code, errors: {}, message: job.error}) : (job.error || "");
}

/* A packaging type's name in the user's language (its Chinese name when it has no English one). */
export function packagingName(packaging) {
  return currentLanguage() === "en" && packaging.name_en ? packaging.name_en : packaging.name;
}

export function courierName(courier) {
  if (!courier) return "";
  return currentLanguage() === "en" ? courier.name_en : courier.name_zh;
}

export function rememberStation(code) {
  try { localStorage.setItem(STATION_KEY, code); } catch (e) { /* private mode */ }
}

export function rememberedStation() {
  return localStorage.getItem(STATION_KEY) || "";
}

export default {
  name: "pack",
  title: "pack.title",
  task: true,
  async render(app, params) {
    const mine = ++generation;
    const alive = () => mine === generation && app.main.dataset.screen === "pack";
    const station = params[0] || rememberedStation();
    if (!station) { askStation(app); return; }
    rememberStation(station);
    app.title(t("pack.title_at", {station: station}));

    const [packagings, couriers] = await Promise.all([get("/shipping/packaging-types"), get("/couriers?active=true")]);
    const root = h("div.station", {id: "pack", dataset: {station: station, step: "order"}});
    const left = h("section.station-col", {id: "pack-order"});
    const right = h("section.station-col", {id: "pack-parcel"});
    root.appendChild(left);
    root.appendChild(right);
    app.main.appendChild(root);

    let s = null;  // the parcel being packed

    const fresh = (order) => ({
      order: order, step: "verify", lines: linesOf(order), remaining: null, awaitingLot: null,
      packaging: null, expected: null, reading: null, readingError: null, waybill: null,
      courier: couriers.length ? couriers[0].code : null, stop: null, mismatch: null, override: null,
      shipping: false, shipped: null, job: null,
    });

    /* The units to verify as the service counts them: per item and lot, scanned and missing. */
    const linesFrom = (answer) => (answer.lines || []).map((l) => ({sku: l.sku, name: l.item_name, lot: l.lot,
      quantity: l.quantity, scanned: l.scanned}));

    /* The units to verify: the order's counted pick tasks, by item and lot. */
    const linesOf = (order) => {
      const lines = [];
      (order.tasks || []).filter((task) => task.status === "counted").forEach((task) => {
        const same = lines.filter((l) => l.sku === task.sku && l.lot === task.lot)[0];
        if (same) same.quantity += task.quantity;
        else lines.push({sku: task.sku, name: task.item_name, lot: task.lot, barcode: task.barcode,
          quantity: task.quantity, scanned: 0});
      });
      return lines;
    };

    const setStep = (step) => {
      if (s) s.step = step;
      root.dataset.step = step;
      root.dataset.order = s ? s.order.number : "";
    };

    /* --- drawing ---------------------------------------------------------------------- */

    const draw = () => {
      if (!alive()) return;
      if (!s) {
        setStep("order");
        fill(left, h("div.step", null, t("pack.step_order")),
          h("p.notice", {id: "pack-scan-order"}, t("pack.scan_order")),
          h("p.muted", null, t("pack.station_is", {station: station})),
          h("div.row", null,
            h("button", {type: "button", id: "open-manifest", onclick: () => app.go("#/manifest")}, t("pack.manifests")),
            h("button", {type: "button", id: "change-station", onclick: () => { rememberStation(""); app.go("#/pack"); }},
              t("pack.change_station"))));
        fill(right);
        return;
      }
      root.dataset.order = s.order.number;
      root.dataset.step = s.step;
      const total = s.lines.reduce((n, l) => n + l.quantity, 0);
      const remaining = s.step !== "verify" ? 0
        : s.remaining === null ? total - s.lines.reduce((n, l) => n + l.scanned, 0) : s.remaining;
      fill(left,
        h("div.step", null, t("pack.step_verify")),
        h("p.big", {id: "pack-order-number"}, s.order.number),
        h("p.muted", null, s.order.recipient_name || ""),
        h("p", {id: "pack-remaining", dataset: {remaining: String(remaining)}},
          remaining ? t("pack.remaining", {n: remaining, total: total}) : t("pack.all_scanned", {total: total})),
        h("ul.list", {id: "pack-lines"}, s.lines.map((l) => {
          const done = s.step !== "verify" || l.scanned >= l.quantity;
          return h("li.card" + (done ? ".done" : ""), {dataset: {sku: l.sku, lot: l.lot || "",
            scanned: String(done ? l.quantity : l.scanned), quantity: String(l.quantity)}},
          h("strong", null, l.sku), " ", l.name,
          h("div.muted", null, t("pick.lot", {lot: l.lot})),
          h("div.pack-count", null, h("span.tag" + (done ? ".ok" : ".wait"), null,
            t("pack.scanned_of", {n: done ? l.quantity : l.scanned, total: l.quantity})),
          done ? null : h("span.missing", null, " " + t("pack.missing", {n: l.quantity - l.scanned}))));
        })),
        s.step === "verify" ? h("p.notice", {id: "pack-verify-prompt"},
          s.awaitingLot ? t("pack.scan_lot", {sku: s.awaitingLot.item}) : t("pack.scan_units")) : null,
        h("button", {type: "button", id: "pack-cancel", onclick: () => { s = null; draw(); }}, t("pack.other_order")));
      if (s.step === "verify") { fill(right, h("p.muted", null, t("pack.parcel_after_verify"))); return; }
      if (s.step === "label") { drawLabel(); return; }
      drawParcel();
    };

    const stopNotice = () => (s.stop ? h("div.notice.stop", {id: "pack-stopped", dataset: {code: s.stop.code}},
      h("strong", null, t("pack.stopped")), h("p", null, s.stop.text),
      s.stop.code === "order_on_hold" ? h("p", null, t("pack.hold_hint")) : null) : null);

    const weightBox = () => {
      const r = s.reading;
      const g = r ? grams(r) : null;
      return h("div.scale", {id: "live-weight", dataset: {grams: g === null ? "" : String(g),
        stable: r ? String(!!r.stable) : "", value: r ? String(r.value) : ""}},
      h("div.muted", null, t("pack.live_weight")),
      h("div.scale-value", null, r ? (g !== null ? t("pack.grams", {n: g}) : r.value + " " + r.unit) : "\u2014"),
      r ? h("span.tag" + (r.stable ? ".ok" : ".wait"), {id: "scale-stable"}, r.stable ? t("pack.stable") : t("pack.unstable"))
        : h("span.tag.bad", {id: "scale-stable"}, s.readingError || t("pack.no_reading")));
    };

    const expectedBox = () => {
      const e = s.expected;
      if (!e) return h("div.scale.expected", {id: "expected-weight"}, h("div.muted", null, t("pack.expected")), "\u2026");
      if (e.expected_grams === null || e.expected_grams === undefined) {
        return h("div.scale.expected", {id: "expected-weight", dataset: {grams: ""}},
          h("div.muted", null, t("pack.expected")),
          h("p.notice.warn", null, t("pack.unweighed", {skus: e.unweighed || []})));
      }
      return h("div.scale.expected", {id: "expected-weight", dataset: {grams: String(e.expected_grams),
        tolerance: String(e.tolerance_grams)}},
      h("div.muted", null, t("pack.expected")),
      h("div.scale-value", null, t("pack.grams", {n: e.expected_grams})),
      h("span.tag", null, t("pack.tolerance", {n: e.tolerance_grams})));
    };

    const drawParcel = () => {
      const courierOf = (code) => couriers.filter((c) => c.code === code)[0];
      const blocked = !!s.stop || s.shipping || !s.waybill;
      fill(right,
        stopNotice(),
        h("div.step", null, t("pack.step_packaging")),
        h("div.grid3", {id: "packagings"}, packagings.map((p) => h("button" + (s.packaging === p.code ? ".chosen" : ""),
          {type: "button", dataset: {packaging: p.code}, onclick: () => choosePackaging(p.code)},
          packagingName(p), h("div.muted", null, t("pack.grams", {n: p.tare_grams}))))),
        h("div.step", null, t("pack.step_weigh")),
        h("div.scales", null, weightBox(), expectedBox()),
        h("div.step", null, t("pack.step_waybill")),
        s.waybill ? h("div.card", {id: "waybill", dataset: {tracking: s.waybill.tracking_number, courier: s.waybill.courier}},
          h("strong", null, courierName(courierOf(s.waybill.courier)) || s.waybill.courier),
          h("div.tracking", null, s.waybill.tracking_number),
          s.waybill.sorting_code ? h("div.muted", null, t("pack.sorting_code", {code: s.waybill.sorting_code})) : null)
          : h("div.stack", {id: "waybill-form"},
            h("label", {htmlFor: "courier"}, t("pack.courier")),
            h("select", {id: "courier", onchange: (event) => { s.courier = event.target.value; }},
              couriers.map((c) => h("option", {value: c.code, selected: c.code === s.courier}, courierName(c) + " (" + c.code + ")"))),
            h("button", {type: "button", id: "issue-waybill", disabled: !!s.stop, onclick: issueWaybill}, t("pack.issue_waybill"))),
        s.mismatch ? h("div.notice.stop", {id: "weight-mismatch", dataset: {expected: String(s.mismatch.expected_grams),
          measured: String(s.mismatch.measured_grams), tolerance: String(s.mismatch.tolerance_grams)}},
        h("strong", null, t("pack.weight_wrong")),
        h("p", null, t("pack.weight_figures", {expected: s.mismatch.expected_grams, measured: s.mismatch.measured_grams,
          tolerance: s.mismatch.tolerance_grams})),
        s.override ? null : h("p", null, t("pack.ask_supervisor"))) : null,
        s.override ? h("div.notice", {id: "weight-override", dataset: {override: String(s.override.id)}},
          h("strong", null, t("pack.override_by", {name: s.override.approved_by_name || s.override.approved_by,
            reason: s.override.reason})),
          h("p", null, t("pack.override_ship"))) : null,
        h("div.footer-actions", null,
          h("button.primary.ship", {type: "button", id: "ship", disabled: blocked, onclick: ship},
            s.shipping ? t("pack.shipping") : s.mismatch ? t("pack.ship_again") : t("pack.ship"))));
    };

    const jobTag = (job) => h("span.tag" + (job.state === "printed" ? ".ok" : job.state === "failed" ? ".bad" : ".wait"),
      {id: "label-state", dataset: {state: job.state}}, t("pack.job_" + job.state));

    const drawLabel = () => {
      const r = s.shipped;
      fill(right,
        h("div.notice", {id: "pack-shipped", dataset: {weightCheck: r.weight_check || ""}},
          h("strong", null, t("pack.shipped", {number: r.number})),
          h("p", null, t("pack.shipped_weight", {n: r.weight_grams})),
          r.weight_check ? h("p", null, t("pack.check_" + r.weight_check)) : null),
        s.waybill ? h("p", null, t("pack.tracking", {tracking: s.waybill.tracking_number})) : null,
        h("div.step", null, t("pack.step_label")),
        s.job ? h("div.card", {id: "label-job", dataset: {job: String(s.job.id), state: s.job.state}},
          jobTag(s.job), " ", t("pack.label_job", {id: s.job.id}),
          s.job.state === "failed" ? h("p", {id: "label-error"}, printerError(s.job)) : null,
          s.job.state === "failed" ? h("p", {id: "label-waits"}, t("pack.label_waits")) : null,
          s.job.state === "failed" && s.job.error ? h("p.muted.tech", null, s.job.error) : null,
          s.job.state === "failed" ? h("button", {type: "button", id: "retry-label", onclick: retryLabel}, t("pack.retry_label")) : null)
          : h("p.muted", {id: "label-job"}, t("pack.no_label")),
        h("div.footer-actions", null,
          h("button.primary", {type: "button", id: "next-order", onclick: () => { s = null; draw(); refocusScan(); }}, t("pack.next_order")),
          h("button", {type: "button", id: "to-manifest", onclick: () => app.go("#/manifest")}, t("pack.manifests"))));
    };

    const refocusScan = () => { const field = document.getElementById("scan"); if (field) field.focus(); };

    /* --- the service's answers ------------------------------------------------------- */

    const openOrder = async (number) => {
      let order;
      try {
        order = await get(path(number));
      } catch (e) {
        app.failed(e);
        return;
      }
      s = fresh(order);
      if (order.stage === "counted") {
        try {
          const progress = await get(path(number, "/verify-scans"));
          s.lines = linesFrom(progress);
          s.remaining = progress.remaining;
        } catch (e) { /* the order's counted tasks, none scanned: the first scan's answer corrects it */ }
        setStep("verify");
        signal("ok", t("pack.order_opened", {number: order.number}));
      } else if (order.stage === "verified") {
        setStep("parcel");
        signal("ok", t("pack.order_verified", {number: order.number}));
      } else {
        const stage = order.stage;
        s = null;
        draw();
        signal("error", t("pack.not_ready_" + (["pending", "shipped", "deducted"].indexOf(stage) >= 0 ? stage : "other"),
          {number: order.number}), {code: "step_out_of_order"});
        return;
      }
      draw();
      if (s.step === "parcel") startParcel();
    };

    const verify = async (code) => {
      const body = {item: s.awaitingLot ? s.awaitingLot.item : code, quantity: 1};
      if (s.awaitingLot) body.lot = code;
      let result;
      try {
        result = await act("POST", path(s.order.number, "/verify-scans"), body,
          {label: "action.verify_scan", labelParams: {number: s.order.number, item: body.item}});
      } catch (e) {
        if (e instanceof ApiError && e.body.code === "verify_lot_required" && !s.awaitingLot) {
          s.awaitingLot = {item: code};
          refused(e.body);
          draw();
          return;
        }
        s.awaitingLot = null;
        app.failed(e);
        draw();
        return;
      }
      s.awaitingLot = null;
      if (!result.done) { signal("warn", t("pack.scan_queued"), {code: "queued"}); return; }
      const answer = result.data;
      const before = s.lines;
      s.lines = linesFrom(answer);
      const line = s.lines.filter((l) => before.filter((b) => b.sku === l.sku && b.lot === l.lot
        && b.scanned < l.scanned).length)[0];
      s.remaining = answer.remaining;
      if (answer.complete) {
        setStep("parcel");
        signal("ok", t("pack.verified", {number: s.order.number}));
        draw();
        startParcel();
      } else {
        signal("ok", t("pack.unit_ok", {item: line ? line.sku : body.item, n: answer.remaining}));
        draw();
      }
    };

    const startParcel = () => {
      get(path(s.order.number, "/waybill")).then((waybill) => {
        if (s && alive()) { s.waybill = waybill; s.courier = waybill.courier; draw(); }
      }).catch(() => undefined);
      choosePackaging(s.packaging);
      pollScale(s);
      pollValidity(s);
    };

    const choosePackaging = async (code) => {
      const parcel = s;
      parcel.packaging = code;
      parcel.expected = null;
      draw();
      try {
        parcel.expected = await get(path(parcel.order.number, "/expected-weight") + (code ? "?packaging=" + encodeURIComponent(code) : ""));
      } catch (e) {
        if (parcel === s) app.failed(e);
        return;
      }
      if (parcel === s) draw();
    };

    /* The live weight: one reading every SCALE_POLL_MS while this parcel is on the pan,
     * paused while the service itself weighs it for the ship step. */
    const pollScale = async (parcel) => {
      while (alive() && parcel === s && parcel.step === "parcel") {
        const started = Date.now();
        if (!parcel.shipping) {
          try {
            parcel.reading = await get("/stations/" + encodeURIComponent(station) + "/scale?stable=false");
            parcel.readingError = null;
          } catch (e) {
            parcel.reading = null;
            parcel.readingError = e instanceof ApiError ? errorText(e.body) : t("net.offline_now");
          }
          if (!alive() || parcel !== s) return;
          const box = document.getElementById("live-weight");
          if (box) box.parentNode.replaceChild(weightBox(), box);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, SCALE_POLL_MS - (Date.now() - started))));
      }
    };

    /* Whether the order may still ship (S3, S4), asked again and again while the parcel
     * is open: a hold recorded meanwhile stops the parcel at once, with its reason. */
    const pollValidity = async (parcel) => {
      while (alive() && parcel === s && parcel.step === "parcel") {
        try {
          const answer = await get(path(parcel.order.number, "/validity"));
          if (parcel === s && parcel.step === "parcel") overridden(parcel, answer.weight_override || null);
          if (!answer.valid && parcel === s && parcel.step === "parcel") stopped(parcel, answer);
          else if (answer.valid && parcel.stop && parcel === s) { parcel.stop = null; draw(); }
        } catch (e) { /* the next round asks again */ }
        await new Promise((resolve) => setTimeout(resolve, VALIDITY_POLL_MS));
      }
    };

    /* A supervisor accepted the parcel's weight (or the acceptance was used or withdrawn). */
    const overridden = (parcel, override) => {
      const was = parcel.override ? parcel.override.id : null;
      if (was === (override ? override.id : null)) return;
      parcel.override = override;
      if (override) {
        signal("ok", t("pack.override_by", {name: override.approved_by_name || override.approved_by, reason: override.reason}));
      }
      draw();
    };

    const stopped = (parcel, answer) => {
      let text;
      if (answer.code === "order_on_hold") {
        const holds = answer.holds || [];
        const numbers = (answer.details && answer.details.holds) || [];
        text = t("pack.on_hold", {reason: holds.length ? holds.map((x) => x.number + " " + x.reason).join("; ")
          : numbers.join(", ")});
      } else {
        text = errorText({code: answer.code, errors: answer.details || {}});
      }
      const already = parcel.stop && parcel.stop.text === text;
      parcel.stop = {code: answer.code, text: text};
      if (!already) {
        signal("error", text, {code: answer.code, hint: answer.code === "order_on_hold" ? t("pack.hold_hint") : hintFor(answer.code)});
        draw();
        const notice = document.getElementById("pack-stopped");
        if (notice && notice.scrollIntoView) notice.scrollIntoView({block: "nearest"});
      }
    };

    const issueWaybill = async () => {
      const parcel = s;
      const field = document.getElementById("courier");
      if (field) parcel.courier = field.value;
      try {
        const result = await act("POST", path(parcel.order.number, "/waybill"), {courier: parcel.courier},
          {label: "action.waybill", labelParams: {number: parcel.order.number}});
        if (!result.done) { signal("warn", t("common.queued"), {code: "queued"}); return; }
        parcel.waybill = result.data;
        signal("ok", t("pack.waybill_issued", {tracking: result.data.tracking_number}));
      } catch (e) { app.failed(e); }
      if (parcel === s) draw();
    };

    const ship = async () => {
      const parcel = s;
      if (parcel.stop || parcel.shipping) return;
      // The parcel goes onto the courier's handover manifest: its driver signs for the batch there.
      const body = {station: station, handover: "manifest", shipper_signature: app.user.display_name || app.user.username};
      if (parcel.packaging) body.packaging = parcel.packaging;
      parcel.shipping = true;
      draw();
      let result;
      try {
        result = await act("POST", path(parcel.order.number, "/ship"), body,
          {label: "action.ship", labelParams: {number: parcel.order.number}});
      } catch (e) {
        parcel.shipping = false;
        if (e instanceof ApiError && e.body.code === "parcel_weight_mismatch") {
          parcel.mismatch = e.body.errors || {};
          refused(e.body);
        } else if (e instanceof ApiError && e.body.code === "order_on_hold") {
          stopped(parcel, {valid: false, code: e.body.code, details: e.body.errors || {}});
        } else {
          app.failed(e);
        }
        if (parcel === s) draw();
        return;
      }
      parcel.shipping = false;
      if (!result.done) { signal("warn", t("common.queued"), {code: "queued"}); draw(); return; }
      parcel.mismatch = null;
      parcel.shipped = result.data;
      parcel.job = result.data.label_job || null;
      setStep("label");
      signal("ok", t("pack.shipped", {number: parcel.order.number}));
      draw();
      if (parcel.job) followJob(parcel);
    };

    /* The label job's state, read until it is printed: a failed one is said once, then
     * followed while the service's print watch waits for the printer to answer again. */
    const followJob = async (parcel) => {
      if (parcel.following) return;
      parcel.following = true;
      let told = null;
      while (alive() && parcel === s && parcel.job && parcel.job.state !== "printed") {
        if (parcel.job.state === "failed" && told !== parcel.job.attempts) {
          told = parcel.job.attempts;
          signal("error", t("pack.label_failed", {error: printerError(parcel.job)}), {code: "print_failed"});
        }
        await new Promise((resolve) => setTimeout(resolve, parcel.job.state === "failed" ? FAILED_JOB_POLL_MS : JOB_POLL_MS));
        try {
          parcel.job = await get("/print-jobs/" + parcel.job.id);
        } catch (e) { /* the next round asks again */ }
        if (alive() && parcel === s) drawLabel();
      }
      parcel.following = false;
      if (alive() && parcel === s && parcel.job && parcel.job.state === "printed") {
        signal("ok", t("pack.label_printed"));
      }
    };

    const retryLabel = async () => {
      const parcel = s;
      try {
        const result = await act("POST", "/print-jobs/" + parcel.job.id + "/retry", undefined,
          {label: "action.retry_label", labelParams: {id: parcel.job.id}});
        if (!result.done) { signal("warn", t("common.queued"), {code: "queued"}); return; }
        parcel.job = result.data;  // the job as it is after the resend: printed, or failed again
      } catch (e) { app.failed(e); }
      if (parcel === s) { drawLabel(); followJob(parcel); }
    };

    draw();
    app.scan(async (code) => {
      if (!s || s.step === "label") { await openOrder(code); return; }
      if (s.step === "verify") { await verify(code); return; }
      signal("warn", t("pack.parcel_open", {number: s.order.number}), {code: "parcel_open"});
    }, t("pack.scan_placeholder"));
    if (params[1]) await openOrder(params[1]);
  },
};

/* No station yet: the packer names (or scans) the station's code once; it is kept. */
function askStation(app) {
  const field = h("input", {id: "station-code", type: "text", value: "", placeholder: "PACK-01"});
  const go = () => { const code = field.value.trim(); if (code) app.go("#/pack/" + encodeURIComponent(code)); };
  app.main.appendChild(h("form.stack", {id: "pick-station", onsubmit: (event) => { event.preventDefault(); go(); }},
    h("label", {htmlFor: "station-code"}, t("pack.station_code")), field,
    h("button.primary", {type: "submit"}, t("pack.open_station"))));
  app.scan((code) => app.go("#/pack/" + encodeURIComponent(code)), t("pack.scan_station"));
}
