/* The supervisor's hold notices (S4): the active holds and the open orders each stops, a
 * new hold (an order, a customer, an item or everything, with its reason), a release
 * notice written for a hold, and the confirmation of a release. Whether this user may
 * confirm a release (a second person, not its writer) is the service's to say: the
 * button is there for every pending release and a refusal is shown as it comes. */

import {h, fill} from "../dom.js";
import {t, currentLanguage} from "../i18n.js";
import {act, get} from "../api.js";
import {signal} from "../feedback.js";

const SCOPES = ["order", "customer", "item", "all"];
const TARGET_FIELD = {order: "order_number", customer: "customer_code", item: "item"};

function target(hold) {
  if (hold.scope === "order") return hold.order_number;
  if (hold.scope === "customer") return hold.customer_code;
  if (hold.scope === "item") return hold.item_sku;
  return t("holds.scope_all_target");
}

async function done(app, result, okText) {
  if (!result.done) { signal("warn", t("common.queued"), {code: "queued"}); return; }
  signal("ok", okText);
  setTimeout(() => app.go("#/holds"), 0);
}

function issueForm(app) {
  const scope = h("select", {id: "hold-scope"}, SCOPES.map((s) => h("option", {value: s}, t("holds.scope." + s))));
  const targetInput = h("input", {id: "hold-target", type: "text", autocomplete: "off"});
  const targetLabel = h("label", {htmlFor: "hold-target"}, t("holds.target.order"));
  const reason = h("textarea", {id: "hold-reason", maxLength: 400});
  const sync = () => {
    const wanted = scope.value !== "all";
    targetInput.hidden = !wanted;
    targetLabel.hidden = !wanted;
    if (wanted) targetLabel.textContent = t("holds.target." + scope.value);
  };
  scope.addEventListener("change", sync);
  sync();
  const issue = async () => {
    const body = {scope: scope.value, reason: reason.value};
    if (TARGET_FIELD[scope.value]) body[TARGET_FIELD[scope.value]] = targetInput.value.trim();
    try {
      const result = await act("POST", "/shipping/holds", body, {label: "action.issue_hold", labelParams: {scope: t("holds.scope." + scope.value)}});
      await done(app, result, result.done ? t("holds.issued", {number: result.data.number, n: result.data.affected_orders.length}) : "");
    } catch (e) { app.failed(e); }
  };
  return h("section.card.stack", {id: "issue-hold"},
    h("h2", null, t("holds.issue_title")),
    h("div", null, h("label", {htmlFor: "hold-scope"}, t("holds.scope")), scope),
    h("div", null, targetLabel, targetInput),
    h("div", null, h("label", {htmlFor: "hold-reason"}, t("holds.reason")), reason),
    h("button.primary", {type: "button", id: "issue", onclick: issue}, t("holds.issue")));
}

function releaseRow(app, release) {
  const confirm = async () => {
    try {
      const result = await act("POST", "/shipping/releases/" + encodeURIComponent(release.number) + "/confirm", undefined,
        {label: "action.confirm_release", labelParams: {number: release.number}});
      await done(app, result, t("holds.confirmed", {number: release.number, hold: release.hold}));
    } catch (e) { app.failed(e); }
  };
  return h("li.release.stack", {dataset: {release: release.number}},
    h("div", null, h("strong", null, release.number), " ", h("span.tag.wait", null, t("holds.release_waiting"))),
    h("div.muted", null, t("holds.release_by", {user: release.issued_by, reason: release.reason})),
    h("button.primary", {type: "button", dataset: {confirm: release.number}, onclick: confirm}, t("holds.confirm")));
}

function releaseForm(app, hold) {
  const reason = h("input", {type: "text", id: "release-reason-" + hold.number, maxLength: 400, autocomplete: "off",
    placeholder: t("holds.release_reason")});
  const write = async () => {
    try {
      const result = await act("POST", "/shipping/releases", {hold: hold.number, reason: reason.value},
        {label: "action.write_release", labelParams: {number: hold.number}});
      await done(app, result, result.done ? t("holds.release_written", {number: result.data.number}) : "");
    } catch (e) { app.failed(e); }
  };
  return h("div.stack", null,
    h("label", {htmlFor: reason.id}, t("holds.release_reason")), reason,
    h("button", {type: "button", dataset: {release: hold.number}, onclick: write}, t("holds.write_release")));
}

function holdCard(app, hold) {
  const pending = (hold.releases || []).filter((r) => !r.confirmed_at);
  return h("li.card.held", {dataset: {hold: hold.number}},
    h("div", null, h("strong.big", null, hold.number), " ", h("span.tag.bad", null, t("holds.scope." + hold.scope))),
    h("dl.kv", null,
      h("dt", null, t("holds.target")), h("dd", null, target(hold)),
      h("dt", null, t("holds.reason")), h("dd", null, hold.reason),
      h("dt", null, t("holds.issued_by")), h("dd", null, hold.issued_by + " \u00b7 " + new Date(hold.issued_at).toLocaleString(currentLanguage()))),
    h("p.stops", null, hold.affected_orders.length
      ? t("holds.stops", {n: hold.affected_orders.length, orders: hold.affected_orders.slice(0, 12).join(", ") +
          (hold.affected_orders.length > 12 ? " \u2026" : "")})
      : t("holds.stops_none")),
    pending.length ? h("ul.list", null, pending.map((r) => releaseRow(app, r))) : releaseForm(app, hold));
}

export default {
  name: "holds",
  title: "holds.title",
  async render(app) {
    const holds = await get("/shipping/holds");
    const list = h("ul.list", {id: "holds"});
    fill(list, holds.map((hold) => holdCard(app, hold)));
    app.main.appendChild(issueForm(app));
    app.main.appendChild(h("h2", null, t("holds.active", {n: holds.length})));
    app.main.appendChild(holds.length ? list : h("p.muted", {id: "holds"}, t("holds.none")));
    // A scanned order number, customer code or item barcode is the new hold's target.
    app.scan((code) => {
      const field = document.getElementById("hold-target");
      if (document.getElementById("hold-scope").value === "all") return;
      field.value = code;
      signal("ok", t("holds.target_scanned", {code: code}));
    }, t("holds.scan"));
  },
};
