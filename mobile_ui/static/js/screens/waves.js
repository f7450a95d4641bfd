/* The picker's waves still to pick, newest first; scan or tap one to pick it. */

import {h} from "../dom.js";
import {t} from "../i18n.js";
import {get, Offline} from "../api.js";
import {keep, cached} from "../store.js";

export default {
  name: "waves",
  title: "waves.title",
  async render(app) {
    let waves;
    let offline = false;
    try {
      waves = await get("/shipping/waves?status=released&status=picking&picker=" + encodeURIComponent(app.user.username));
      await keep("waves", waves);
    } catch (e) {
      if (!(e instanceof Offline)) throw e;
      waves = (await cached("waves")) || [];
      offline = true;
    }
    if (offline) app.main.appendChild(h("p.notice.warn", null, t("waves.offline")));
    app.main.appendChild(h("p.muted", null, t("waves.intro", {n: waves.length})));
    app.main.appendChild(h("ul.list", {id: "waves"}, waves.map((wave) =>
      h("li", null, h("button.tile", {type: "button", dataset: {wave: wave.number},
        onclick: () => app.go("#/pick/" + encodeURIComponent(wave.number))},
      h("span.big", null, wave.number), " ", h("span.tag", null, t("wave_state." + wave.status)),
      h("div.muted", null, t("waves.orders", {n: (wave.orders || []).length})))))));
    app.scan((code) => app.go("#/pick/" + encodeURIComponent(code)), t("waves.scan"));
  },
};
