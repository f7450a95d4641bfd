/* Receiving against one document: scan items, enter counts and the packaging state of
 * each (R2, R4), undo a mis-scan, then hand over with signatures (R3).
 *
 * Works offline: the document and its items' codes are kept on the handheld; a receipt
 * started and lines scanned without network wait in the outbox and are sent in order when
 * it returns (the service refuses what breaks a rule, e.g. more than ordered, and the
 * refusal is shown). Whether a code is this document's item is the service's decision;
 * the kept codes only let the screen name the item while offline. */

import {h, fill, stepper, intValue} from "../dom.js";
import {t} from "../i18n.js";
import {act, get, newKey, outboxRows, resultOf, Offline} from "../api.js";
import {keep, cached} from "../store.js";
import {signal} from "../feedback.js";
import {findDocument} from "./receive.js";

const PACKAGING = ["intact", "deformed", "damaged", "damp", "mouldy"];
const starting = {};

async function progressOf(number) {
  const progress = (await cached("receipt:" + number)) || {};
  if (!progress.receiptId && progress.localId) {
    const made = await resultOf(progress.localId);
    if (made) { progress.receiptId = made.id; await keep("receipt:" + number, progress); }
  }
  return progress;
}

export default {
  name: "receipt",
  title: "receipt.title",
  task: true,
  async render(app, params) {
    const number = params[0];
    const doc = await findDocument(number);
    const progress = await progressOf(number);
    let receipt = null;
    if (progress.receiptId) {
      try { receipt = await get("/receipts/" + progress.receiptId); } catch (e) { if (!(e instanceof Offline)) throw e; }
      if (receipt && receipt.status !== "draft") {
        await keep("receipt:" + number, {});
        app.go("#/inspect/" + receipt.id);
        return;
      }
    }
    const waiting = (await outboxRows()).filter((r) => r.meta && r.meta.doc === number && r.status === "queued" && r.meta.kind === "line");
    const queuedBySku = {};
    waiting.forEach((r) => { queuedBySku[r.meta.sku] = (queuedBySku[r.meta.sku] || 0) + r.body.quantity; });

    app.title(t("receipt.title_of", {number: number}));
    app.main.appendChild(h("p", null, h("span.tag", null, t("kind." + doc.kind)), " ",
      h("strong", null, doc.party_name || ""), " ", h("span.muted", null, doc.party_code || "")));
    const lines = h("ul.list", {id: "doc-lines"}, doc.lines.map((line) => {
      const queued = queuedBySku[line.sku] || 0;
      return h("li.card" + (line.remaining - queued <= 0 ? ".done" : ""), {dataset: {sku: line.sku}},
        h("strong", null, line.sku), " ", line.item_name,
        h("dl.kv", null, h("dt", null, t("receipt.ordered")), h("dd", null, String(line.ordered)),
          h("dt", null, t("receipt.received")), h("dd", {class: "received"}, String(line.received) +
            (queued ? " + " + t("receipt.queued_units", {n: queued}) : ""))));
    }));

    // The entry panel for the scanned item: count, packaging, batch, expiry.
    let pending = null;
    const panel = h("div.card.current", {id: "entry", hidden: true});
    // What was typed in the panel survives a redraw (choosing the packaging redraws it).
    const keepTyped = () => {
      if (!pending) return;
      pending.quantity = intValue("quantity") || pending.quantity;
      pending.batch = ((document.getElementById("batch") || {}).value || "").trim();
      pending.expiry = (document.getElementById("expiry") || {}).value || "";
    };
    const drawPanel = () => {
      panel.hidden = !pending;
      if (!pending) return;
      fill(panel,
        h("div.step", null, t("receipt.count_step")),
        h("p.big", null, pending.line ? pending.line.sku + " " + pending.line.item_name : pending.code),
        pending.line ? null : h("p.notice.warn", null, t("receipt.code_not_listed")),
        h("label", {htmlFor: "quantity"}, t("receipt.quantity")),
        stepper("quantity", pending.quantity, 1),
        h("label", null, t("receipt.packaging")),
        h("div.grid3", {id: "packaging"}, PACKAGING.map((p) => h("button", {type: "button",
          class: pending.packaging === p ? "chosen" : "", dataset: {packaging: p},
          onclick: () => { keepTyped(); pending.packaging = p; drawPanel(); }},
        t("packaging." + p)))),
        pending.packaging !== "intact" ? h("p.notice.warn", null, t("receipt.packaging_not_intact")) : null,
        h("label", {htmlFor: "batch"}, t("receipt.batch")),
        h("input", {id: "batch", type: "text", value: pending.batch || ""}),
        h("label", {htmlFor: "expiry"}, t("receipt.expiry")),
        h("input", {id: "expiry", type: "date", value: pending.expiry || ""}),
        h("div.footer-actions", null,
          h("button.primary", {type: "button", id: "add-line", onclick: () => addPending(true)}, t("receipt.add")),
          h("button", {type: "button", onclick: () => { pending = null; drawPanel(); }}, t("common.cancel"))));
    };

    const ensureReceipt = () => {
      // One receipt per handover, even when two entries are sent at once.
      if (!starting[number]) starting[number] = startReceipt().finally(() => { delete starting[number]; });
      return starting[number];
    };
    const startReceipt = async () => {
      const now = await progressOf(number);
      if (now.receiptId) return String(now.receiptId);
      if (now.localId) return "@ref:" + now.localId + ".id";
      const localId = "receipt-" + newKey();
      const result = await act("POST", "/receipts", {document: number},
        {label: "action.start_receipt", labelParams: {number: number}, localId: localId, meta: {doc: number, kind: "receipt"}});
      const next = result.done ? {receiptId: result.data.id} : {localId: localId};
      await keep("receipt:" + number, next);
      return result.done ? String(result.data.id) : "@ref:" + localId + ".id";
    };

    /* Send the entry; redraw afterwards unless another item is being entered already. */
    const addPending = async (redraw) => {
      if (!pending) return;
      keepTyped();
      const entry = pending;
      pending = null;
      drawPanel();
      const body = {code: entry.code, quantity: entry.quantity, packaging: entry.packaging};
      if (entry.batch) body.batch = entry.batch;
      if (entry.expiry) body.expiry_date = entry.expiry;
      const sku = entry.line ? entry.line.sku : entry.code;
      try {
        const rid = await ensureReceipt();
        const result = await act("POST", "/receipts/" + rid + "/lines", body,
          {label: "action.receive_line", labelParams: {sku: sku, n: entry.quantity, number: number},
            meta: {doc: number, kind: "line", sku: sku}});
        if (result.done) signal("ok", t("receipt.added", {sku: sku, n: entry.quantity}), {code: "ok"});
        else signal("warn", t("receipt.added_offline", {sku: sku, n: entry.quantity}), {code: "queued"});
        if (redraw || !pending) app.go("#/receipt/" + encodeURIComponent(number));
      } catch (e) {
        app.failed(e);
      }
    };

    app.main.appendChild(panel);
    app.main.appendChild(lines);
    if (receipt && receipt.lines.length) {
      app.main.appendChild(h("h3", null, t("receipt.scanned_lines")));
      app.main.appendChild(h("ul.list", {id: "receipt-lines"}, receipt.lines.map((line) =>
        h("li.card", null, h("strong", null, line.sku), " \u00d7 " + line.quantity, " ",
          h("span.tag" + (line.packaging === "intact" ? ".ok" : ".bad"), null, t("packaging." + line.packaging)),
          h("button.danger", {type: "button", dataset: {undo: String(line.id)}, onclick: async () => {
            try {
              await act("DELETE", "/receipt-lines/" + line.id, undefined, {label: "action.undo_line", labelParams: {sku: line.sku}});
              signal("ok", t("receipt.undone", {sku: line.sku}));
              app.go("#/receipt/" + encodeURIComponent(number));
            } catch (e) { app.failed(e); }
          }}, t("receipt.undo"))))));
    }
    app.main.appendChild(h("div.footer-actions", null,
      h("button.primary", {type: "button", id: "to-handover", disabled: !(receipt && receipt.lines.length) || waiting.length > 0,
        onclick: () => app.go("#/handover/" + receipt.id)}, t("receipt.to_handover")),
      waiting.length ? h("p.muted", null, t("receipt.waiting_for_network", {n: waiting.length})) : null));

    app.scan((code) => {
      const line = doc.lines.filter((l) => (l.codes || [l.sku]).indexOf(code) >= 0)[0] || null;
      if (pending && pending.code === code) {
        keepTyped();
        pending.quantity += 1;
        drawPanel();
        signal("ok", t("receipt.plus_one", {n: pending.quantity}));
        return;
      }
      if (pending) addPending(false);
      pending = {code: code, line: line, quantity: 1, packaging: "intact"};
      drawPanel();
      if (line) signal("ok", line.sku + " " + line.item_name);
      else signal("warn", t("receipt.code_not_listed"), {code: "unlisted_code"});
    }, t("receipt.scan_item"));
    const onOutbox = (event) => {
      if (location.hash.indexOf("#/receipt/") !== 0) { window.removeEventListener("wms:outbox", onOutbox); return; }
      const happened = event.detail.event || {};
      const action = happened.replayed || happened.refused;
      if (action && action.meta && action.meta.doc === number && !pending) app.go("#/receipt/" + encodeURIComponent(number));
    };
    window.addEventListener("wms:outbox", onOutbox);
  },
};
