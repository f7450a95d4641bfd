/* The app's start: language, login, the router, the outbox badge, the service worker.
 *
 * Screens live in ./screens/<name>.js and are loaded when first opened, so the pick screen
 * loads only what it uses. A screen module exports
 *   default {name, title, task?, render(app, params)}
 * and draws into <main>; app gives it the user, navigation and the scan field. */

import {h, clear} from "./dom.js";
import {t, loadLanguage, currentLanguage} from "./i18n.js";
import {get, flush, onOutbox, ApiError, Offline} from "./api.js";
import {setScanHandler, startScanning, refocus} from "./scan.js";
import {unlockSound, onNavigate, signal, refused} from "./feedback.js";
import {keep, cached} from "./store.js";

window.wmsApp = window.wmsApp || {};
Object.assign(window.wmsApp, {ready: false, readyAt: null, feedback: [], version: versionOfPage(), user: null});

const ROUTES = {
  login: "login", home: "home", settings: "settings", queue: "queue",
  receive: "receive", receipt: "receipt", inspect: "inspect", handover: "handover", post: "post",
  putaway: "putaway", waves: "waves", pick: "pick", counts: "counts", count: "count",
  pack: "pack", manifest: "manifest",
  holds: "holds", approvals: "approvals", differences: "differences", stations: "stations", audit: "audit",
  report: "report", reconcile: "reconcile",
};

function versionOfPage() {
  const script = document.querySelector("script[type=module]");
  const match = script && /[?&]v=([^&]+)/.exec(script.src);
  return match ? match[1] : "";
}

let wakeLock = null;
let current = null;

async function keepAwake(on) {
  // Screen Wake Lock (Chrome 84+): the screen stays on while a task is open.
  if (on && !wakeLock && navigator.wakeLock) {
    try {
      wakeLock = await navigator.wakeLock.request("screen");
      wakeLock.addEventListener("release", () => { wakeLock = null; });
    } catch (e) { wakeLock = null; }
  } else if (!on && wakeLock) {
    wakeLock.release();
    wakeLock = null;
  }
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && current && current.task) keepAwake(true);
});

export const app = {
  get user() { return window.wmsApp.user; },
  main: null,
  go(hash) { if (location.hash === hash) route(); else location.hash = hash; },
  scan(fn, placeholder) { setScanHandler(fn, placeholder); },
  title(text) { document.getElementById("title").textContent = text; },
  can(permission) { return !!(window.wmsApp.user && window.wmsApp.user.permissions.indexOf(permission) >= 0); },
  ready() {
    refocus();
    window.wmsApp.ready = true;
    window.wmsApp.readyAt = performance.now();
    document.getElementById("screen").dataset.ready = "true";
  },
  /* A failed call as the user should see it; true when it was only the network. */
  failed(e) {
    if (e instanceof Offline) { signal("warn", t("net.offline_now"), {code: "offline"}); return true; }
    if (e instanceof ApiError) {
      if (e.status === 401) { window.wmsApp.user = null; app.go("#/login"); }
      refused(e.body);
      return false;
    }
    throw e;
  },
};

async function whoAmI() {
  try {
    const user = await get("/auth/me");
    await keep("me", user);
    return user;
  } catch (e) {
    if (e instanceof Offline) return cached("me");
    return null;
  }
}

async function route() {
  const parts = (location.hash || "#/home").replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  let name = ROUTES[parts[0]] ? parts[0] : "home";
  if (!window.wmsApp.user && name !== "login") name = "login";
  window.wmsApp.ready = false;
  document.getElementById("screen").dataset.ready = "false";
  let module;
  try {
    module = await import("./screens/" + ROUTES[name] + ".js");
  } catch (e) {
    // Not loaded before and no network: say so and stay where the user was.
    signal("warn", t("net.offline_now"), {code: "offline"});
    return;
  }
  const screen = module.default;
  current = screen;
  app.main = document.getElementById("screen");
  clear(app.main);
  app.main.dataset.screen = screen.name;
  app.title(t(screen.title));
  document.getElementById("back").hidden = name === "home" || name === "login";
  setScanHandler(null);
  keepAwake(!!screen.task);
  try {
    await screen.render(app, parts.slice(1));
  } catch (e) {
    app.failed(e);
  }
  if (!window.wmsApp.ready) app.ready();
}

function showOutbox(state) {
  const badge = document.getElementById("queue");
  const count = document.getElementById("queue-count");
  // The number waiting, and beside it (red badge) how many were refused after a replay.
  count.textContent = String(state.queued);
  count.hidden = state.queued === 0 && state.refused.length > 0;
  const refusedCount = document.getElementById("refused-count");
  refusedCount.hidden = state.refused.length === 0;
  refusedCount.textContent = (count.hidden ? "" : " ") + "!" + state.refused.length;
  badge.hidden = state.queued === 0 && state.refused.length === 0;
  badge.classList.toggle("refused", state.refused.length > 0);
  badge.title = t("queue.badge", {queued: state.queued, refused: state.refused.length});
  const event = state.event || {};
  if (event.refused) {
    refused(event.refused.error);
    const bar = document.getElementById("message");
    const what = h("span.hint", null, t("queue.refused_after_replay", {action: t(event.refused.label, event.refused.labelParams)}),
      " ", h("a", {href: "#/queue"}, t("queue.open")));
    bar.appendChild(what);
  }
  if (event.loginNeeded) app.go("#/login");
  window.dispatchEvent(new CustomEvent("wms:outbox", {detail: state}));
}

function showNetwork() {
  const online = navigator.onLine !== false;
  const sign = document.getElementById("net");
  sign.dataset.online = String(online);
  sign.textContent = online ? "" : t("net.offline");
  sign.title = online ? t("net.online") : t("net.offline");
}

async function start() {
  unlockSound();
  startScanning();
  // The catalogues, the user and the first screen's code are fetched side by side.
  const first = (location.hash || "#/home").replace(/^#\/?/, "").split("/")[0];
  if (ROUTES[first]) import("./screens/" + ROUTES[first] + ".js").catch(() => undefined);
  const both = await Promise.all([loadLanguage(currentLanguage()), whoAmI()]);
  window.wmsApp.user = both[1];
  if (window.wmsApp.user && window.wmsApp.user.language && window.wmsApp.user.language !== currentLanguage()) {
    await loadLanguage(window.wmsApp.user.language);
  }
  onOutbox(showOutbox);
  window.addEventListener("online", showNetwork);
  window.addEventListener("offline", showNetwork);
  showNetwork();
  document.getElementById("back").addEventListener("click", () => history.back());
  window.addEventListener("hashchange", () => { onNavigate(); route(); });
  await route();
  flush();
  // Every screen's code, loaded once the first screen is up, so that moving to a screen
  // works offline even before the service worker has cached the app.
  setTimeout(() => {
    Object.keys(ROUTES).forEach((name) => { import("./screens/" + ROUTES[name] + ".js").catch(() => undefined); });
  }, 1500);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(() => undefined);
  }
}

start();
