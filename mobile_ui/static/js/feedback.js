/* What a user on a noisy floor hears, feels and reads after every scan and action.
 *
 * Three distinct sounds, generated with Web Audio (no audio files): ok is one short high
 * beep, warning two middle beeps, error a long low buzz; the same three as vibration
 * patterns. The message bar says it in words (the service's message for its code). Each
 * feedback is logged with its latency from the scan that caused it (window.wmsApp.feedback). */

import {errorText, hintFor} from "./i18n.js";

const SOUNDS = {
  ok: [{f: 1760, d: 0.09, type: "square"}],
  warn: [{f: 880, d: 0.12, type: "square"}, {gap: 0.07}, {f: 880, d: 0.12, type: "square"}],
  error: [{f: 196, d: 0.45, type: "sawtooth"}],
};
const VIBRATIONS = {ok: [40], warn: [80, 60, 80], error: [300, 100, 300]};

let audio = null;
let scanStartedAt = null;

function context() {
  if (!audio) {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    audio = new Context();
  }
  if (audio.state === "suspended") audio.resume();
  return audio;
}

/* Browsers start sound only after a gesture: any key or touch unlocks it for good. */
export function unlockSound() {
  const unlock = () => { context(); };
  window.addEventListener("keydown", unlock, {capture: true});
  window.addEventListener("pointerdown", unlock, {capture: true});
}

function play(kind) {
  const ctx = context();
  if (!ctx) return;
  let at = ctx.currentTime + 0.005;
  for (const tone of SOUNDS[kind]) {
    if (tone.gap) { at += tone.gap; continue; }
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = tone.type;
    osc.frequency.value = tone.f;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.35, at + 0.01);
    gain.gain.setValueAtTime(0.35, at + tone.d - 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + tone.d);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + tone.d + 0.01);
    at += tone.d;
  }
}

/* A scan was entered: the next feedback is timed from now. */
export function scanStarted(at) { scanStartedAt = at; }

/* Tell the user: kind is ok, warn or error; text is shown; code is the service's code. */
export function signal(kind, text, options) {
  const opts = options || {};
  play(kind);
  if (navigator.vibrate) { try { navigator.vibrate(VIBRATIONS[kind]); } catch (e) { /* not allowed */ } }
  const now = performance.now();
  const entry = {kind: kind, code: opts.code || null, latency: scanStartedAt === null ? null : now - scanStartedAt};
  scanStartedAt = null;
  window.wmsApp.feedback.push(entry);
  if (window.wmsApp.feedback.length > 500) window.wmsApp.feedback.shift();
  show(kind, text, opts.hint, opts.code);
}

let navigations = 0;

/* The screen changes: a message given just before ("saved offline" as the screen moves
 * on) is kept on the next screen; one the user has already seen a screen with goes. */
export function onNavigate() {
  navigations += 1;
  if (navigations > 1) show("ok", "");
}

export function show(kind, text, hint, code) {
  if (text) navigations = 0;
  const bar = document.getElementById("message");
  bar.hidden = !text;
  bar.dataset.kind = kind;
  bar.dataset.code = code || "";
  bar.textContent = text || "";
  if (hint) {
    const small = document.createElement("span");
    small.className = "hint";
    small.textContent = hint;
    bar.appendChild(small);
  }
}

export function clearMessage() { show("ok", ""); }

/* An API refusal ({code, message, errors}) as an error: sound, message and what to do. */
export function refused(body) {
  signal("error", errorText(body), {code: body.code, hint: hintFor(body.code)});
}
