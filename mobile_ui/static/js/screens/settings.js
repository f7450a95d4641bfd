/* The user's settings: language (saved on the server for this user) and logging out. */

import {h} from "../dom.js";
import {t, loadLanguage, currentLanguage, LANGUAGES} from "../i18n.js";
import {act, request} from "../api.js";
import {signal} from "../feedback.js";

export default {
  name: "settings",
  title: "settings.title",
  render(app) {
    app.main.appendChild(h("h2", null, t("settings.language")));
    app.main.appendChild(h("div.stack", null, LANGUAGES.map((language) =>
      h("button", {type: "button", class: language === currentLanguage() ? "chosen" : "", dataset: {language: language},
        onclick: async () => {
          await loadLanguage(language);
          try {
            await act("PATCH", "/auth/me", {language: language}, {label: "action.language"});
          } catch (e) { app.failed(e); }
          signal("ok", t("settings.language_saved"));
          app.go("#/settings");
        }}, t("language." + language)))));
    app.main.appendChild(h("div.footer-actions", null,
      h("button.danger", {type: "button", id: "logout", onclick: async () => {
        try { await request("DELETE", "/auth/session", undefined, String(Date.now())); } catch (e) { /* gone anyway */ }
        localStorage.removeItem("wms.csrf");
        window.wmsApp.user = null;
        app.go("#/login");
      }}, t("settings.logout"))));
  },
};
