/* Every string the app shows, in the user's language (Simplified Chinese by default).
 *
 * Two catalogues, both keyed by stable names: the UI's own strings (/app/i18n/<lang>.json)
 * and the service's messages for its error codes and reasons (/api/v1/i18n/<lang>), so a
 * refusal reads the same on the handheld as in the API. Both are kept in localStorage for
 * a start with no network. */

export const LANGUAGES = ["zh-CN", "en"];
const STORE = "wms.language";
let language = localStorage.getItem(STORE) || "zh-CN";
let ui = {};
let server = {messages: {}, detailed: {}, reasons: {}};

export function currentLanguage() { return language; }

async function fetchJson(url, cacheKey) {
  try {
    const response = await fetch(url, {credentials: "same-origin"});
    if (!response.ok) throw new Error(String(response.status));
    const data = await response.json();
    try { localStorage.setItem(cacheKey, JSON.stringify(data)); } catch (e) { /* full: keep going */ }
    return data;
  } catch (e) {
    const kept = localStorage.getItem(cacheKey);
    return kept ? JSON.parse(kept) : null;
  }
}

export async function loadLanguage(next) {
  if (LANGUAGES.indexOf(next) < 0) next = "zh-CN";
  const [uiData, serverData] = await Promise.all([
    fetchJson("/app/i18n/" + next + ".json?v=" + (window.wmsApp ? window.wmsApp.version : ""), "wms.ui." + next),
    fetchJson("/api/v1/i18n/" + next, "wms.catalogue." + next),
  ]);
  ui = uiData || {};
  server = serverData || {messages: {}, detailed: {}, reasons: {}};
  language = next;
  localStorage.setItem(STORE, next);
  document.documentElement.lang = next;
}

function fill(text, params) {
  return text.replace(/\{([a-z_][a-z0-9_]*)\}/g, (whole, name) => {
    const value = params ? params[name] : undefined;
    if (value === undefined || value === null) return whole;
    return Array.isArray(value) ? value.join(", ") : String(value);
  });
}

/* A UI string: t("pick.count_whole_bin"), t("queue.count", {n: 3}). */
export function t(key, params) {
  const text = ui[key];
  return text === undefined ? key : fill(text, params);
}

export function has(key) { return ui[key] !== undefined; }

function complete(text, params) {
  const names = text.match(/\{([a-z_][a-z0-9_]*)\}/g) || [];
  return names.every((name) => {
    const value = params ? params[name.slice(1, -1)] : undefined;
    return typeof value === "string" || typeof value === "number" || Array.isArray(value);
  });
}

/* The message for an error body {code, message, errors}, as the service words it. */
export function errorText(body) {
  const code = body && body.code;
  const details = (body && body.errors) || {};
  const detailed = server.detailed && server.detailed[code];
  if (detailed && complete(detailed, details)) return fill(detailed, details);
  if (server.messages && server.messages[code]) return server.messages[code];
  if (ui["error." + code] !== undefined) return ui["error." + code];
  if (body && body.message) return body.message;
  return t("error.unknown");
}

/* What to do about a refusal: the UI's hint for the code, when it has one. */
export function hintFor(code) {
  const key = "hint." + code;
  return has(key) ? t(key) : "";
}

/* A sampling reason (R5) in plain words: {reason_code, reason_params, reason}. */
export function reasonText(code, params, fallback) {
  const text = server.reasons && server.reasons[code];
  if (!text) return fallback || "";
  const words = Object.assign({}, params || {});
  // A packaging state is a code in the reason's facts: say it in the user's words.
  if (words.packaging && ui["packaging." + words.packaging] !== undefined) words.packaging = ui["packaging." + words.packaging];
  return fill(text, words);
}
