/* Inspection of a submitted receipt (R4-R7): for each line the rate, the sample size and
 * why, in plain words; defects entered per round; a defect expands the sample to 30% and
 * the screen says how many more to inspect; the verdict when enough units are inspected.
 * Customer returns are classified unit by unit instead (R6). Every figure and verdict is
 * the service's: the screen only shows what it answers. */

import {h, fill, stepper, intValue} from "../dom.js";
import {t, reasonText} from "../i18n.js";
import {act, get} from "../api.js";
import {signal} from "../feedback.js";
import {refocus} from "../scan.js";
import {findDocument} from "./receive.js";

/* Every code that scans to each item of the receipt's document (GTINs, barcodes, SKU). */
async function codesByItem(receipt) {
  const codes = {};
  try {
    const doc = await findDocument(receipt.document_number);
    doc.lines.forEach((line) => { codes[line.item_id] = line.codes || [line.sku]; });
  } catch (e) { /* no network: the SKU still scans */ }
  return codes;
}

function outcomeTag(line) {
  const state = line.state;
  const kind = state === "accepted" || state === "posted" ? ".ok" : state === "rejected" ? ".bad" : ".wait";
  return h("span.tag" + kind, {dataset: {state: state}}, t("line_state." + state));
}

function planText(ins) {
  return t("inspect.plan", {rate: ins.rate_percent, sample: ins.sample_size, lot: ins.lot_quantity});
}

function lineCard(line, selected, onSelect) {
  const ins = line.inspection;
  return h("li.card" + (selected ? ".current" : "") + (ins && ins.outcome === "accepted" ? ".done" : "") +
    (ins && ins.outcome === "rejected" ? ".rejected" : ""),
    {dataset: {line: String(line.id), sku: line.sku}, onclick: onSelect},
    h("div.row", null, h("strong", null, line.sku + " \u00d7 " + line.quantity), outcomeTag(line)),
    h("div.muted", null, line.item_name),
    ins ? h("div", null,
      h("p", {class: "plan"}, planText(ins)),
      h("p.muted", {class: "reason"}, reasonText(ins.reason_code, ins.reason_params, ins.reason)),
      ins.expanded && ins.outcome === "pending" ? h("p.notice.warn", {class: "expanded"},
        t("inspect.expanded", {required: ins.required_units, remaining: ins.remaining_units})) : null,
      ins.outcome === "pending" ? h("div.meter", null, meterFill(ins)) : null,
      ins.outcome === "accepted" ? h("p.notice", null, t("inspect.accepted", {accepted: ins.accepted_quantity,
        rejected: ins.rejected_quantity})) : null,
      ins.outcome === "rejected" ? h("p.notice.stop", null, t("inspect.rejected", {defects: ins.defects,
        inspected: ins.units_inspected})) : null) : null);
}

function meterFill(ins) {
  const span = h("span");
  span.style.width = Math.min(100, Math.round(100 * ins.units_inspected / Math.max(1, ins.required_units))) + "%";
  return span;
}

export default {
  name: "inspect",
  title: "inspect.title",
  task: true,
  async render(app, params) {
    const receiptId = params[0];
    let receipt = await get("/receipts/" + receiptId);
    let selected = null;
    const list = h("ul.list", {id: "inspection-lines"});
    const entry = h("div.card.current", {id: "inspection-entry", hidden: true});
    const summary = h("div", {id: "inspection-summary"});
    app.title(t("inspect.title_of", {number: receipt.number}));
    app.main.appendChild(h("p.muted", null, t("inspect.intro", {document: receipt.document_number})));
    app.main.appendChild(entry);
    app.main.appendChild(list);
    app.main.appendChild(summary);

    const pendingLines = () => receipt.lines.filter((l) => l.inspection && l.inspection.outcome === "pending");
    const draw = () => {
      fill(list, receipt.lines.map((line) => lineCard(line, selected === line.id, () => { selected = line.id; draw(); })));
      const line = receipt.lines.filter((l) => l.id === selected)[0];
      const ins = line && line.inspection;
      entry.hidden = !(ins && ins.outcome === "pending");
      if (!entry.hidden) fill(entry, entryFor(line));
      const open = pendingLines().length;
      fill(summary, open === 0 ? h("div.stack", null,
        h("p.notice", {id: "all-decided"}, t("inspect.all_decided")),
        h("button.primary", {type: "button", onclick: () => app.go("#/receive")}, t("inspect.next_document"))) :
        h("p.muted", null, t("inspect.open_lines", {n: open})));
    };

    const record = async (line, path, body) => {
      try {
        const result = await act("POST", "/receipt-lines/" + line.id + path, body,
          {label: "action.inspect", labelParams: {sku: line.sku}});
        if (!result.done) { signal("warn", t("inspect.queued")); return; }
        const ins = result.data;
        receipt = await get("/receipts/" + receiptId);
        if (ins.outcome === "rejected") signal("error", t("inspect.rejected_short", {sku: line.sku}), {code: "lot_rejected"});
        else if (ins.outcome === "accepted") signal("ok", t("inspect.accepted_short", {sku: line.sku}));
        else if (ins.expanded) signal("warn", t("inspect.expanded", {required: ins.required_units, remaining: ins.remaining_units}), {code: "sample_expanded"});
        else signal("ok", t("inspect.recorded", {remaining: ins.remaining_units}));
        if (ins.outcome !== "pending") selected = (pendingLines()[0] || {}).id || null;
        draw();
        refocus();
      } catch (e) { app.failed(e); }
    };

    const entryFor = (line) => {
      const ins = line.inspection;
      if (ins.kind === "return_classification") {
        return [h("div.step", null, t("inspect.classify_step")),
          h("p.big", null, line.sku + " \u00d7 " + line.quantity),
          h("p.muted", null, t("inspect.classify_intro")),
          h("label", null, t("inspect.resellable")), stepper("resellable", line.quantity, 0),
          h("label", null, t("inspect.damaged")), stepper("damaged", 0, 0),
          h("label", null, t("inspect.missing_parts")), stepper("missing-parts", 0, 0),
          h("button.primary", {type: "button", id: "record-classification", onclick: () => record(line, "/return-classification", {
            resellable: intValue("resellable") || 0, damaged: intValue("damaged") || 0, missing_parts: intValue("missing-parts") || 0,
          })}, t("inspect.record"))];
      }
      return [h("div.step", null, t("inspect.round_step")),
        h("p.big", null, line.sku),
        h("p", null, t("inspect.to_inspect", {remaining: ins.remaining_units, inspected: ins.units_inspected, defects: ins.defects})),
        ins.zero_tolerance ? h("p.notice.warn", null, t("inspect.zero_tolerance")) : null,
        h("label", {htmlFor: "units"}, t("inspect.units_this_round")), stepper("units", ins.remaining_units, 0),
        h("label", {htmlFor: "defects"}, t("inspect.defects_found")), stepper("defects", 0, 0),
        h("button.primary", {type: "button", id: "record-round", onclick: () => record(line, "/inspection", {
          units_inspected: intValue("units") || 0, defects: intValue("defects") || 0,
        })}, t("inspect.record"))];
    };

    selected = (pendingLines()[0] || {}).id || null;
    draw();
    const codes = await codesByItem(receipt);
    const scansTo = (line, code) => line.sku === code || (codes[line.item_id] || []).indexOf(code) >= 0;
    app.scan((code) => {
      const line = receipt.lines.filter((l) => scansTo(l, code))[0];
      if (!line) { signal("error", t("inspect.not_on_receipt", {code: code}), {code: "item_not_on_document"}); return; }
      selected = line.id;
      draw();
      signal("ok", line.sku);
    }, t("inspect.scan_item"));
  },
};
