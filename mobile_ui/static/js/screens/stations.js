/* Stations at a glance for the supervisor: each packing and receiving station with its
 * scale and label printer (online or not, and why), and its print queue (labels waiting,
 * failed, and the printer's last error). Each station's devices are asked as the screen
 * opens; a station that does not answer shows so without holding up the others. */

import {h, fill} from "../dom.js";
import {t, errorText} from "../i18n.js";
import {get, ApiError, Offline} from "../api.js";

const WAITING = ["queued", "printing"];

function deviceLine(device) {
  return h("li.device", {dataset: {role: device.role, ok: String(!!device.ok)}},
    h("strong", null, t("stations.device." + device.role)), " ",
    h("span.tag" + (device.ok ? ".ok" : ".bad"), null, device.ok ? t("stations.online") : t("stations.offline")),
    device.ok ? null : h("div.muted", null, errorText({code: device.code, message: device.message, errors: device.detail || {}})));
}

async function health(station, box) {
  try {
    const answer = await get("/stations/" + encodeURIComponent(station.code) + "/health");
    fill(box, h("ul.list.devices", null, answer.devices.map(deviceLine)));
  } catch (e) {
    if (!(e instanceof ApiError || e instanceof Offline)) throw e;
    fill(box, h("p.notice.warn", null, e instanceof Offline ? t("net.offline_now") : errorText(e.body)));
  }
}

async function queue(station, box) {
  try {
    const jobs = await get("/stations/" + encodeURIComponent(station.code) + "/print-jobs?page_size=50");
    const waiting = jobs.filter((job) => WAITING.indexOf(job.state) >= 0).length;
    const failed = jobs.filter((job) => job.state === "failed").length;
    const lastError = jobs.filter((job) => job.error || job.error_code)[0];
    fill(box,
      h("p.queue", null, t("stations.queue", {waiting: waiting, failed: failed})),
      lastError ? h("p.last-error.muted", null, t("stations.last_error", {
        label: lastError.label, error: errorText({code: lastError.error_code, message: lastError.error, errors: {}})}))
        : h("p.muted", null, t("stations.no_error")),
      jobs.length ? h("ul.jobs.muted", null, jobs.slice(0, 5).map((job) => h("li", {dataset: {job: String(job.id), state: job.state}},
        "#" + job.id + " " + job.label + (job.document_number ? " " + job.document_number : "") + " \u00b7 " + t("stations.job." + job.state))))
        : null);
  } catch (e) {
    if (!(e instanceof ApiError || e instanceof Offline)) throw e;
    fill(box, h("p.notice.warn", null, e instanceof Offline ? t("net.offline_now") : errorText(e.body)));
  }
}

export default {
  name: "stations",
  title: "stations.title",
  async render(app) {
    const stations = await get("/stations?page_size=100");
    const waits = [];
    app.main.appendChild(h("ul.list", {id: "stations"}, stations.map((station) => {
      const devices = h("div.health", null, h("p.muted", null, t("stations.asking")));
      const jobs = h("div.print-queue", null);
      waits.push(health(station, devices), queue(station, jobs));
      return h("li.card" + (station.active ? "" : ".done"), {dataset: {station: station.code}},
        h("div", null, h("strong.big", null, station.code), " ", h("span.tag", null, t("stations.kind." + station.kind))),
        h("div.muted", null, station.name + (station.active ? "" : " \u00b7 " + t("stations.inactive"))),
        devices, h("h3", null, t("stations.print_queue")), jobs);
    })));
    await Promise.all(waits);
  },
};
