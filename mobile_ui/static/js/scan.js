/* The one scan field of every screen.
 *
 * A handheld's built-in scanner in keyboard-wedge mode types the code fast and usually
 * presses Enter. The field stays focused (inputmode="none": no soft keyboard pops up);
 * a code ends at Enter, or, from a scanner that sends no suffix, when the fast typing
 * stops for SUFFIXLESS_GAP_MS. The keyboard button opens the soft keyboard for typing a
 * code by hand (then only Enter ends it). The camera button takes a photo and sends it
 * to the service's decoder. */

import {request, Offline, newKey} from "./api.js";
import {scanStarted, signal, refused} from "./feedback.js";
import {t} from "./i18n.js";

const SUFFIXLESS_GAP_MS = 120;
const WEDGE_KEY_MS = 45;
const MIN_CODE = 3;
const MAX_PHOTO_SIDE = 1600;

let handler = null;
let field, typedAt = [], gapTimer = null, typing = false;

export function setScanHandler(fn, placeholder) {
  handler = fn;
  const bar = document.getElementById("scanbar");
  bar.hidden = !fn;
  field.placeholder = placeholder || t("scan.placeholder");
  field.value = "";
  refocus();
}

function isOtherField(el) {
  return el && el !== field && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT");
}

export function refocus() {
  if (!handler) return;
  if (isOtherField(document.activeElement)) return;
  field.focus({preventScroll: true});
}

function finish(at) {
  if (gapTimer) { clearTimeout(gapTimer); gapTimer = null; }
  const code = field.value.replace(/[\r\n\t]/g, "").trim();
  field.value = "";
  typedAt = [];
  if (typing) { typing = false; field.setAttribute("inputmode", "none"); field.blur(); refocus(); }
  if (!code || !handler) return;
  scanStarted(at);
  deliver(code);
}

export function deliver(code) {
  Promise.resolve().then(() => handler(code)).catch((e) => {
    if (e && e.body) refused(e.body);
    else signal("error", t("error.unknown") + " " + String(e), {code: "client_error"});
  });
}

async function photo(file) {
  scanStarted(performance.now());
  let blob = file;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, MAX_PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.9));
  } catch (e) { blob = file; }
  const form = new FormData();
  form.append("file", blob, "photo.jpg");
  try {
    const result = await request("POST", "/devices/decode", form, newKey());
    const codes = (result && result.codes) || [];
    if (!codes.length) { signal("warn", t("scan.photo_nothing"), {code: "no_barcode"}); return; }
    scanStarted(performance.now());
    deliver(codes[0].text);
  } catch (e) {
    if (e instanceof Offline) signal("warn", t("scan.photo_offline"), {code: "offline"});
    else if (e.body) refused(e.body);
  }
}

export function startScanning() {
  field = document.getElementById("scan");
  const form = document.getElementById("scanbar");
  form.addEventListener("submit", (event) => { event.preventDefault(); finish(performance.now()); });
  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); finish(performance.now()); }
  });
  field.addEventListener("input", () => {
    const now = performance.now();
    typedAt.push(now);
    if (gapTimer) clearTimeout(gapTimer);
    if (typing) return;
    gapTimer = setTimeout(() => {
      gapTimer = null;
      const n = typedAt.length;
      if (n === 0 || field.value.trim().length < MIN_CODE) return;
      const span = n > 1 ? (typedAt[n - 1] - typedAt[0]) / (n - 1) : 0;
      if (n === 1 || span <= WEDGE_KEY_MS) finish(typedAt[n - 1]);
    }, SUFFIXLESS_GAP_MS);
  });
  field.addEventListener("blur", () => setTimeout(refocus, 50));
  document.addEventListener("focusout", () => setTimeout(refocus, 60));
  document.getElementById("keyboard").addEventListener("click", () => {
    typing = true;
    field.setAttribute("inputmode", "text");
    field.blur();
    field.focus();
  });
  const file = document.getElementById("photo");
  document.getElementById("camera").addEventListener("click", () => file.click());
  file.addEventListener("change", () => {
    if (file.files && file.files[0]) photo(file.files[0]);
    file.value = "";
  });
  // Buttons must not take the focus from the scan field (a scan right after a tap).
  document.addEventListener("mousedown", (event) => {
    const target = event.target.closest && event.target.closest("button");
    if (target && !isOtherField(document.activeElement)) event.preventDefault();
  });
}
