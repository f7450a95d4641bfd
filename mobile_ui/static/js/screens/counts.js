/* Cycle counts to do (R8): the bins and items to count, with why. */

import {h} from "../dom.js";
import {t} from "../i18n.js";
import {get, Offline} from "../api.js";
import {keep, cached} from "../store.js";

export default {
  name: "counts",
  title: "counts.title",
  async render(app) {
    let tasks;
    try {
      tasks = await get("/shipping/cycle-counts");
      await keep("counts", tasks);
    } catch (e) {
      if (!(e instanceof Offline)) throw e;
      tasks = (await cached("counts")) || [];
      app.main.appendChild(h("p.notice.warn", null, t("counts.offline")));
    }
    app.main.appendChild(h("p.muted", null, t("counts.intro", {n: tasks.length})));
    app.main.appendChild(h("ul.list", {id: "count-tasks"}, tasks.map((task) =>
      h("li", null, h("button.tile", {type: "button", dataset: {count: String(task.id)},
        onclick: () => app.go("#/count/" + task.id)},
      h("span.big", null, task.location), " \u00b7 " + task.sku,
      h("div.muted", null, task.reason))))));
    app.scan((code) => {
      const task = tasks.filter((x) => x.location === code)[0];
      if (task) app.go("#/count/" + task.id);
    }, t("counts.scan"));
  },
};
