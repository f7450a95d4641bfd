/* A courier's handover manifest (交接单): choose the courier, scan the shipped parcels onto
 * it (a parcel of another courier, or one already on a manifest, is refused with the
 * service's message), then the driver and the shipper sign once for the whole batch and
 * it is closed; a closed manifest is exported (CSV, XLSX) or printed at the station. */

import {h, fill} from "../dom.js";
import {t} from "../i18n.js";
import {act, get} from "../api.js";
import {signal} from "../feedback.js";
import {courierName, rememberedStation} from "./pack.js";

const base = (number) => "/shipping/manifests/" + encodeURIComponent(number);

export default {
  name: "manifest",
  title: "manifest.title",
  task: true,
  async render(app, params) {
    const couriers = await get("/couriers?active=true");
    const courierOf = (code) => couriers.filter((c) => c.code === code)[0];
    if (!params[0]) { chooseCourier(app, couriers); return; }
    let manifest = await get(base(params[0]));
    app.title(t("manifest.title_of", {number: manifest.number}));
    const root = h("div.station", {id: "manifest", dataset: {number: manifest.number, status: manifest.status}});
    const left = h("section.station-col", {id: "manifest-parcels"});
    const right = h("section.station-col", {id: "manifest-close"});
    root.appendChild(left);
    root.appendChild(right);
    app.main.appendChild(root);
    let pads = null;

    const drawParcels = () => {
      root.dataset.status = manifest.status;
      root.dataset.count = String(manifest.parcel_count);
      fill(left,
        h("p.big", null, courierName(courierOf(manifest.courier)) || manifest.courier),
        h("p", {id: "manifest-summary"}, t("manifest.summary", {n: manifest.parcel_count,
          kg: (manifest.total_weight_grams / 1000).toFixed(3)})),
        manifest.status === "open" ? h("p.notice", null, t("manifest.scan_parcels")) : null,
        h("ul.list", {id: "parcels"}, manifest.parcels.map((p) => h("li.card.done", {dataset: {tracking: p.tracking_number}},
          h("strong", null, p.tracking_number), " ", h("span.muted", null, p.order_number),
          h("div.muted", null, p.recipient_name + " \u00b7 " + t("pack.grams", {n: p.weight_grams}))))));
    };

    const pad = (id) => h("canvas.pad", {id: id});

    const drawClose = async () => {
      if (manifest.status === "open") {
        const form = h("form.stack", {id: "close-form"},
          h("div.step", null, t("manifest.sign")),
          h("label", {htmlFor: "driver-name"}, t("manifest.driver_name")),
          h("input", {id: "driver-name", type: "text", required: true}),
          h("label", null, t("manifest.driver_signature")), pad("driver-pad"),
          h("label", null, t("manifest.shipper_signature", {name: app.user.display_name || app.user.username})), pad("shipper-pad"),
          h("div.row", null,
            h("button", {type: "button", id: "clear-pads"}, t("handover.clear")),
            h("button.primary", {type: "submit", id: "close-manifest"}, t("manifest.close"))));
        fill(right, form);
        const SignaturePad = (await import("../../vendor/signature_pad.js")).default;
        pads = ["driver-pad", "shipper-pad"].map((id) => {
          const canvas = document.getElementById(id);
          const ratio = Math.max(window.devicePixelRatio || 1, 1);
          canvas.width = canvas.offsetWidth * ratio;
          canvas.height = canvas.offsetHeight * ratio;
          canvas.getContext("2d").scale(ratio, ratio);
          return new SignaturePad(canvas, {minWidth: 1, maxWidth: 3});
        });
        document.getElementById("clear-pads").addEventListener("click", () => pads.forEach((p) => p.clear()));
        form.addEventListener("submit", (event) => { event.preventDefault(); close(); });
        return;
      }
      const station = rememberedStation();
      const link = (format) => h("a.button", {id: "export-" + format, href: "/api/v1" + base(manifest.number) + "/export?format=" + format,
        download: manifest.number + "." + format}, t("manifest.export_" + format));
      fill(right,
        h("div.notice", {id: "manifest-closed"}, t("manifest.closed", {driver: manifest.driver_name || "",
          by: manifest.closed_by || ""})),
        h("div.row", null, link("csv"), link("xlsx")),
        h("label", {htmlFor: "print-station"}, t("manifest.print_at")),
        h("input", {id: "print-station", type: "text", value: station}),
        h("button", {type: "button", id: "print-manifest", onclick: print}, t("manifest.print")),
        h("p", {id: "manifest-print"}),
        h("button.primary", {type: "button", id: "new-manifest", onclick: () => app.go("#/manifest")}, t("manifest.new")),
        station ? h("button", {type: "button", id: "back-to-station", onclick: () => app.go("#/pack/" + encodeURIComponent(station))},
          t("manifest.back_to_station")) : null);
    };

    const close = async () => {
      const name = document.getElementById("driver-name").value.trim();
      if (!name || !pads || pads.some((p) => p.isEmpty())) {
        signal("error", t("manifest.sign_both"), {code: "handover_incomplete"});
        return;
      }
      const body = {driver_name: name, driver_signature: pads[0].toDataURL("image/png"),
        shipper_signature: pads[1].toDataURL("image/png")};
      try {
        const result = await act("POST", base(manifest.number) + "/close", body,
          {label: "action.close_manifest", labelParams: {number: manifest.number}});
        if (!result.done) { signal("warn", t("common.queued"), {code: "queued"}); return; }
        manifest = result.data;
        signal("ok", t("manifest.closed_ok", {number: manifest.number, n: manifest.parcel_count}));
        drawParcels();
        await drawClose();
      } catch (e) { app.failed(e); }
    };

    const print = async () => {
      const station = document.getElementById("print-station").value.trim();
      if (!station) return;
      try {
        const result = await act("POST", base(manifest.number) + "/print", {station: station},
          {label: "action.print_manifest", labelParams: {number: manifest.number}});
        if (!result.done) { signal("warn", t("common.queued"), {code: "queued"}); return; }
        let job = result.data;
        const line = document.getElementById("manifest-print");
        const show = () => fill(line, h("span.tag" + (job.state === "printed" ? ".ok" : job.state === "failed" ? ".bad" : ".wait"),
          {dataset: {state: job.state}}, t("manifest.job_" + job.state)));
        show();
        for (let i = 0; i < 40 && ["printed", "failed"].indexOf(job.state) < 0; i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 700));
          job = await get("/print-jobs/" + job.id);
          show();
        }
        signal(job.state === "printed" ? "ok" : "warn", t("manifest.job_" + job.state));
      } catch (e) { app.failed(e); }
    };

    drawParcels();
    await drawClose();
    app.scan(async (code) => {
      if (manifest.status !== "open") { signal("warn", t("manifest.already_closed"), {code: "illegal_transition"}); return; }
      try {
        const result = await act("POST", base(manifest.number) + "/parcels", {tracking_number: code},
          {label: "action.manifest_parcel", labelParams: {number: manifest.number, tracking: code}});
        if (!result.done) { signal("warn", t("common.queued"), {code: "queued"}); return; }
        manifest = result.data;
        signal("ok", t("manifest.parcel_added", {tracking: code, n: manifest.parcel_count}));
        drawParcels();
      } catch (e) { app.failed(e); }
    }, t("manifest.scan_placeholder"));
  },
};

function chooseCourier(app, couriers) {
  app.main.appendChild(h("p.notice", null, t("manifest.choose_courier")));
  app.main.appendChild(h("div.grid2.station-couriers", {id: "couriers"}, couriers.map((c) => h("button",
    {type: "button", dataset: {courier: c.code}, onclick: () => open(c.code)}, courierName(c)))));
  const open = async (code) => {
    try {
      const result = await act("POST", "/shipping/manifests", {courier: code},
        {label: "action.open_manifest", labelParams: {courier: code}});
      if (!result.done) { signal("warn", t("common.queued"), {code: "queued"}); return; }
      signal("ok", t("manifest.opened", {number: result.data.number}));
      app.go("#/manifest/" + encodeURIComponent(result.data.number));
    } catch (e) { app.failed(e); }
  };
  // A manifest's number scanned (its printed list) opens it.
  app.scan((code) => app.go("#/manifest/" + encodeURIComponent(code)), t("manifest.scan_manifest"));
}
