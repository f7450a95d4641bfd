/* The handover of a delivery (R3): the supplier's delivery-note number, both people's
 * names and their signatures on the screen; submitting plans each line's inspection. */

import {h} from "../dom.js";
import {t} from "../i18n.js";
import {act, get} from "../api.js";
import {signal} from "../feedback.js";

function pad(id) {
  const canvas = h("canvas.pad", {id: id});
  return canvas;
}

export default {
  name: "handover",
  title: "handover.title",
  task: true,
  async render(app, params) {
    const receiptId = params[0];
    const receipt = await get("/receipts/" + receiptId);
    const SignaturePad = (await import("../../vendor/signature_pad.js")).default;
    app.main.appendChild(h("p", null, t("handover.intro", {number: receipt.number, document: receipt.document_number,
      n: receipt.lines.length})));
    const form = h("form.stack", {id: "handover"},
      h("label", {htmlFor: "delivery-note"}, t("handover.delivery_note")),
      h("input", {id: "delivery-note", type: "text", required: true}),
      h("label", {htmlFor: "receiver-name"}, t("handover.receiver_name")),
      h("input", {id: "receiver-name", type: "text", required: true, value: app.user.display_name || app.user.username}),
      h("label", null, t("handover.receiver_signature")), pad("receiver-pad"),
      h("label", {htmlFor: "deliverer-name"}, t("handover.deliverer_name")),
      h("input", {id: "deliverer-name", type: "text", required: true}),
      h("label", null, t("handover.deliverer_signature")), pad("deliverer-pad"),
      h("div.row", null,
        h("button", {type: "button", id: "clear-pads"}, t("handover.clear")),
        h("button.primary", {type: "submit", id: "submit-receipt"}, t("handover.submit"))));
    app.main.appendChild(form);
    const pads = ["receiver-pad", "deliverer-pad"].map((id) => {
      const canvas = document.getElementById(id);
      const ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      return new SignaturePad(canvas, {minWidth: 1, maxWidth: 3});
    });
    document.getElementById("clear-pads").addEventListener("click", () => pads.forEach((p) => p.clear()));
    // The delivery note's barcode can be scanned into its field.
    app.scan((code) => { document.getElementById("delivery-note").value = code; signal("ok", code); },
      t("handover.scan_delivery_note"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (pads.some((p) => p.isEmpty())) { signal("error", t("handover.sign_both"), {code: "handover_incomplete"}); return; }
      const body = {
        delivery_note: document.getElementById("delivery-note").value.trim(),
        receiver_name: document.getElementById("receiver-name").value.trim(),
        deliverer_name: document.getElementById("deliverer-name").value.trim(),
        receiver_signature: pads[0].toDataURL("image/png"),
        deliverer_signature: pads[1].toDataURL("image/png"),
      };
      try {
        const result = await act("POST", "/receipts/" + receiptId + "/submit", body,
          {label: "action.submit_receipt", labelParams: {number: receipt.number}});
        signal(result.done ? "ok" : "warn", result.done ? t("handover.submitted") : t("handover.submitted_offline"));
        app.go(result.done ? "#/inspect/" + receiptId : "#/receive");
      } catch (e) { app.failed(e); }
    });
  },
};
