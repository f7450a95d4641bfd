/* The user's settings: language (saved on the server for this user), this device's name
 * (kept on the device: every request names it, for the audit trail) and logging out. */

import {h} from "../dom.js";
import {t, loadLanguage, currentLanguage, LANGUAGES} from "../i18n.js";
import {act, request, deviceId, deviceName, setDeviceName} from "../api.js";
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
    const name = h("input", {id: "device-name", type: "text", maxLength: 40, autocomplete: "off", value: deviceName(),
      placeholder: t("settings.device_name_hint")});
    app.main.appendChild(h("section.stack", {id: "device"},
      h("h2", null, t("settings.device")),
      h("label", {htmlFor: "device-name"}, t("settings.device_name")), name,
      h("p.muted", null, t("settings.device_id", {id: deviceId()})),
      h("button", {type: "button", id: "save-device", onclick: () => {
        setDeviceName(name.value);
        signal("ok", deviceName() ? t("settings.device_saved", {name: deviceName()}) : t("settings.device_unnamed"));
      }}, t("settings.device_save"))));
    app.main.appendChild(h("div.footer-actions", null,
      h("button.danger", {type: "button", id: "logout", onclick: async () => {
        try { await request("DELETE", "/auth/session", undefined, String(Date.now())); } catch (e) { /* gone anyway */ }
        localStorage.removeItem("wms.csrf");
        window.wmsApp.user = null;
        app.go("#/login");
      }}, t("settings.logout"))));
  },
};
