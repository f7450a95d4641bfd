/* Calls to the service, and the outbox that makes them safe on Wi-Fi that drops.
 *
 * Every change the user makes gets its Idempotency-Key at the moment they act. It is sent
 * at once when the network is there and nothing is waiting; otherwise (no network, the
 * answer lost on the way, the database briefly away) it waits in the outbox (IndexedDB)
 * with that same key and is replayed in order when the network returns. The service
 * answers a replay of a done action with its first answer, so nothing is done twice. A
 * refusal after replay stays in the outbox, shown, until the user has read it.
 *
 * An action queued while offline may refer to the answer of an earlier one (a line of a
 * receipt that was itself started offline): "@ref:<localId>.<field>" in its path or body is
 * replaced by that field of the earlier answer when it is sent.
 *
 * Every request names the device (X-Device-Id: its own id, made once and kept in
 * localStorage; X-Device-Name: the name the warehouse gave it in the settings, "PDA-07",
 * percent-encoded): the service's audit trail says from which device a change came. A
 * queued action keeps the device as it was when the user acted. */

import {idb} from "./store.js";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.code) || String(status));
    this.status = status;
    this.body = body || {code: "unknown", errors: {}};
  }
}

export class Offline extends Error {}

export function newKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.prototype.map.call(bytes, (b) => (b + 256).toString(16).slice(1)).join("");
}

const DEVICE_ID = "wms.device.id";
const DEVICE_NAME = "wms.device.name";

/* This device's own id, made the first time it is asked for. */
export function deviceId() {
  let id = localStorage.getItem(DEVICE_ID);
  if (!id) {
    id = newKey();
    localStorage.setItem(DEVICE_ID, id);
  }
  return id;
}

export function deviceName() { return localStorage.getItem(DEVICE_NAME) || ""; }

export function setDeviceName(name) {
  const trimmed = (name || "").trim();
  if (trimmed) localStorage.setItem(DEVICE_NAME, trimmed); else localStorage.removeItem(DEVICE_NAME);
}

function currentDevice() { return {id: deviceId(), name: deviceName()}; }

function headers(method, key, json, device) {
  const result = {"Accept": "application/json"};
  if (json) result["Content-Type"] = "application/json";
  const from = device || currentDevice();
  if (from.id) result["X-Device-Id"] = from.id;
  if (from.name) result["X-Device-Name"] = encodeURIComponent(from.name);
  if (method !== "GET") {
    const csrf = localStorage.getItem("wms.csrf");
    if (csrf) result["X-CSRF-Token"] = csrf;
    if (key) result["Idempotency-Key"] = key;
  }
  return result;
}

/* One HTTP call; throws Offline when no answer came back, ApiError for a refusal. */
/* A call that has had no answer for this long is given up as lost: a change is then
 * queued with its key, and its replay gets the first answer if it did arrive. */
const ANSWER_TIMEOUT_MS = 15000;
const UPLOAD_TIMEOUT_MS = 45000;

export async function request(method, path, body, key, device) {
  let response;
  const isForm = typeof FormData !== "undefined" && body instanceof FormData;
  const abort = typeof AbortController !== "undefined" ? new AbortController() : null;
  const timer = abort ? setTimeout(() => abort.abort(), isForm ? UPLOAD_TIMEOUT_MS : ANSWER_TIMEOUT_MS) : null;
  try {
    response = await fetch("/api/v1" + path, {
      method: method, credentials: "same-origin", cache: "no-store",
      headers: headers(method, key, body !== undefined && !isForm, device),
      body: body === undefined ? undefined : (isForm ? body : JSON.stringify(body)),
      signal: abort ? abort.signal : undefined,
    });
  } catch (e) {
    throw new Offline(String(e));
  } finally {
    if (timer) clearTimeout(timer);
  }
  if (response.status === 204) return null;
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (response.ok) return data;
  if (response.status === 503 || response.status >= 502) throw new Offline("unavailable");
  throw new ApiError(response.status, data);
}

export const get = (path) => request("GET", path);

/* --- the outbox ------------------------------------------------------------------- */

const listeners = [];
let flushing = false;
let flushAgain = false;  // asked for while a flush ran: what was queued meanwhile goes next
let retryTimer = null;

/* Not a refusal but "not now": the call in flight under the same key, or too many calls. */
function later(e) {
  return e instanceof Offline || (e instanceof ApiError && (e.body.code === "idempotency_in_flight" || e.status === 429));
}

export function onOutbox(fn) { listeners.push(fn); }

async function notify(event) {
  const rows = await idb.all("outbox");
  const state = {
    queued: rows.filter((r) => r.status === "queued").length,
    refused: rows.filter((r) => r.status === "refused"),
    event: event || null,
  };
  listeners.forEach((fn) => fn(state));
  return state;
}

export const outboxRows = () => idb.all("outbox");
/* The answer of an action sent earlier under its localId (null until it was sent). */
export const resultOf = (localId) => idb.get("results", localId).then((row) => (row ? row.data : null));
export const dismiss = (seq) => idb.remove("outbox", seq).then(() => notify());

/* The user acted: send now, or keep it to send later. Resolves to
 * {done: true, data} or {queued: true}; rejects with ApiError when refused now.
 * Actions take turns: one sent at once has its answer (or is queued) before the next is
 * looked at, so two actions never reach the service in another order than they were made. */
let turn = Promise.resolve();

export function act(method, path, body, options) {
  const run = turn.then(() => actNow(method, path, body, options));
  turn = run.catch(() => undefined);
  return run;
}

async function actNow(method, path, body, options) {
  const opts = options || {};
  const action = {
    key: newKey(), method: method, path: path, body: body, label: opts.label || "",
    labelParams: opts.labelParams || {}, localId: opts.localId || null, meta: opts.meta || {},
    status: "queued", at: Date.now(), device: currentDevice(),
  };
  const waiting = (await idb.all("outbox")).some((r) => r.status === "queued");
  if (!waiting && navigator.onLine !== false) {
    let resolved = null;
    try { resolved = [await resolveRefs(path), await resolveRefs(body)]; } catch (e) { resolved = null; }
    try {
      if (!resolved) throw new Offline("waits for an earlier action");
      const data = await request(method, resolved[0], resolved[1], action.key, action.device);
      if (action.localId) await idb.put("results", {localId: action.localId, data: data, at: Date.now()});
      return {done: true, data: data};
    } catch (e) {
      if (!later(e)) throw e;
    }
  }
  await idb.add("outbox", action);
  await notify();
  scheduleFlush(1500);
  return {queued: true};
}

async function resolveRefs(value) {
  if (typeof value === "string") {
    const match = /^@ref:([^.]+)\.(\w+)$/.exec(value);
    if (match) {
      const row = await idb.get("results", match[1]);
      if (!row) throw new Error("unresolved:" + match[1]);
      return row.data[match[2]];
    }
    const parts = value.split(/(@ref:[^./]+\.\w+)/);
    if (parts.length === 1) return value;
    const out = [];
    for (const part of parts) out.push(part.indexOf("@ref:") === 0 ? await resolveRefs(part) : part);
    return out.join("");
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveRefs));
  if (value && typeof value === "object") {
    const out = {};
    for (const name of Object.keys(value)) out[name] = await resolveRefs(value[name]);
    return out;
  }
  return value;
}

export function scheduleFlush(ms) {
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = setTimeout(() => { retryTimer = null; flush(); }, ms);
}

/* Send what waits, oldest first; stops at the first action the network cannot carry. */
export async function flush() {
  if (flushing) { flushAgain = true; return; }
  flushing = true;
  flushAgain = false;
  try {
    const rows = (await idb.all("outbox")).filter((r) => r.status === "queued").sort((a, b) => a.seq - b.seq);
    for (const action of rows) {
      let path, body;
      try {
        path = await resolveRefs(action.path);
        body = await resolveRefs(action.body);
      } catch (e) {
        action.status = "refused";
        action.error = {code: "depends_on_refused", errors: {}};
        await idb.put("outbox", action);
        await notify({refused: action});
        continue;
      }
      try {
        const data = await request(action.method, path, body, action.key, action.device);
        if (action.localId) await idb.put("results", {localId: action.localId, data: data, at: Date.now()});
        await idb.remove("outbox", action.seq);
        await notify({replayed: action, data: data});
      } catch (e) {
        if (later(e)) {
          scheduleFlush(3000);
          return;
        }
        if (e instanceof ApiError && e.status === 401) {
          await notify({loginNeeded: true});
          return;
        }
        action.status = "refused";
        action.error = (e && e.body) || {code: "unknown", errors: {}};
        await idb.put("outbox", action);
        await notify({refused: action});
      }
    }
  } finally {
    flushing = false;
  }
  await notify();
  if (flushAgain) scheduleFlush(0);
}

window.addEventListener("online", () => scheduleFlush(200));

/* Answers are kept for the actions that refer to them; after two days none still waits. */
const RESULTS_KEPT_MS = 2 * 24 * 3600 * 1000;
idb.all("results").then((rows) => Promise.all(rows.filter((row) => !row.at || row.at < Date.now() - RESULTS_KEPT_MS)
  .map((row) => idb.remove("results", row.localId)))).catch(() => undefined);
