/* Cycle counts to do (R8): the bins and items to count, with why, in walking order of
 * the list the service gives; counts waiting for a recount and counts under way are
 * listed too (a recount is made by someone other than the first counter). Scanning a
 * bin opens its first count; a bin or zone count lists one line per item there. */

import {h} from "../dom.js";
import {t} from "../i18n.js";
import {get, Offline} from "../api.js";
import {keep, cached} from "../store.js";

async function fetchAll() {
  const lists = await Promise.all(["open", "started", "recount"].map((status) =>
    get("/shipping/cycle-counts?status=" + status)));
  return lists[0].concat(lists[1], lists[2]).sort((a, b) => a.id - b.id);
}

function statusTag(task) {
  if (task.status === "recount") return h("span.tag.warn", null, t("counts.recount"));
  if (task.status === "started") return h("span.tag", null, t("counts.started"));
  return null;
}

export default {
  name: "counts",
  title: "counts.title",
  async render(app) {
    let tasks;
    try {
      tasks = await fetchAll();
      await keep("counts", tasks);
    } catch (e) {
      if (!(e instanceof Offline)) throw e;
      tasks = (await cached("counts")) || [];
      app.main.appendChild(h("p.notice.warn", null, t("counts.offline")));
    }
    app.main.appendChild(h("p.muted", null, t("counts.intro", {n: tasks.length})));
    app.main.appendChild(h("ul.list", {id: "count-tasks"}, tasks.map((task) =>
      h("li", null, h("button.tile", {type: "button", dataset: {count: String(task.id), status: task.status},
        onclick: () => app.go("#/count/" + task.id)},
      h("span.big", null, task.location), " \u00b7 " + (task.sku || t("count.any_item")), " ", statusTag(task),
      h("div.muted", null, task.reason))))));
    app.scan((code) => {
      const task = tasks.filter((x) => x.location === code)[0];
      if (task) app.go("#/count/" + task.id);
    }, t("counts.scan"));
  },
};
