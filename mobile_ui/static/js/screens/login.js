/* Login: user name and password; the session cookie and its CSRF token for the app. */

import {h} from "../dom.js";
import {t, loadLanguage, currentLanguage, LANGUAGES} from "../i18n.js";
import {request, Offline, flush} from "../api.js";
import {signal, refused} from "../feedback.js";
import {keep} from "../store.js";

export default {
  name: "login",
  title: "login.title",
  render(app) {
    const form = h("form.stack", {id: "login-form", autocomplete: "on"},
      h("label", {htmlFor: "username"}, t("login.username")),
      h("input", {id: "username", type: "text", autocomplete: "username", autocapitalize: "off", required: true}),
      h("label", {htmlFor: "password"}, t("login.password")),
      h("input", {id: "password", type: "password", autocomplete: "current-password", required: true}),
      h("button.primary", {type: "submit"}, t("login.submit")),
      h("div.row", null, LANGUAGES.map((language) =>
        h("button", {type: "button", class: language === currentLanguage() ? "chosen" : "",
          dataset: {language: language},
          onclick: async () => { await loadLanguage(language); app.go("#/login"); }},
        t("language." + language)))));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const credentials = {username: document.getElementById("username").value.trim(),
        password: document.getElementById("password").value};
      try {
        const session = await request("POST", "/auth/session", credentials);
        localStorage.setItem("wms.csrf", session.csrf_token);
        window.wmsApp.user = session.user;
        await keep("me", session.user);
        if (session.user.language && session.user.language !== currentLanguage()) {
          await loadLanguage(session.user.language);
        }
        app.go("#/home");
        flush();
      } catch (e) {
        if (e instanceof Offline) signal("warn", t("login.offline"), {code: "offline"});
        else refused(e.body);
      }
    });
    app.main.appendChild(form);
    document.getElementById("username").focus();
    app.ready();
  },
};
