/* The supervisor's audit trail: who did what, when, from which device. Filters by user,
 * device (its id or the name it was given in its settings), action (or its area, e.g.
 * "receipt"), document and the warehouse's days; newest first, a page at a time. The
 * search is in the screen's address (#/audit/<query>), so Back and a shared link give the
 * same list. Times are the warehouse's (its time zone comes with the answer); an action
 * is named in the user's words, a refusal with its reason. A scanned document number
 * is searched for at once. */

import {h, fill} from "../dom.js";
import {t, has, currentLanguage, errorText} from "../i18n.js";
import {get} from "../api.js";

const PAGE = 50;
const FIELDS = [
  {name: "user", type: "text", label: "audit.filter_user", title: "audit.hint_user"},
  {name: "device", type: "text", label: "audit.filter_device", title: "audit.hint_device"},
  {name: "action", type: "text", label: "audit.filter_action", title: "audit.hint_action"},
  {name: "document", type: "text", label: "audit.filter_document", title: "audit.hint_document"},
  {name: "from_date", type: "date", label: "audit.filter_from", title: "audit.hint_from"},
  {name: "to_date", type: "date", label: "audit.filter_to", title: "audit.hint_to"},
];

function queryOf(param) {
  const query = {};
  const params = new URLSearchParams(param || "");
  FIELDS.concat([{name: "offset"}]).forEach((field) => {
    const value = params.get(field.name);
    if (value) query[field.name] = value;
  });
  return query;
}

function hashOf(query) {
  const params = new URLSearchParams();
  Object.keys(query).forEach((name) => { if (query[name]) params.set(name, query[name]); });
  const text = params.toString();
  return "#/audit" + (text ? "/" + encodeURIComponent(text) : "");
}

function actionName(action) {
  const key = "audit_action." + action;
  return has(key) ? t("audit_action." + action) : action;  // an operation named after its endpoint
}

function when(iso, zone) {
  const options = {year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"};
  try {
    return new Date(iso).toLocaleString(currentLanguage(), Object.assign({timeZone: zone}, options));
  } catch (e) {
    return new Date(iso).toLocaleString(currentLanguage(), options);
  }
}

function outcome(entry) {
  if (entry.status < 400) return h("span.tag.ok", null, t("audit.done"));
  const reason = entry.error_code ? errorText({code: entry.error_code, errors: {}}) : String(entry.status);
  return h("span.tag.bad", {title: reason}, t("audit.refused", {code: entry.error_code || entry.status}));
}

function row(entry, zone) {
  const user = entry.user_display_name && entry.user_display_name !== entry.username
    ? entry.user_display_name + " (" + entry.username + ")" : entry.username;
  const device = entry.device_name || (entry.device_id ? entry.device_id.slice(0, 8) : t("audit.no_device"));
  const document = entry.document_number
    ? (has("audit_document." + entry.document_type) ? t("audit_document." + entry.document_type) : entry.document_type) +
      " " + entry.document_number
    : "";
  return h("li.card.audit-entry", {dataset: {entry: String(entry.id), action: entry.action, status: String(entry.status)}},
    h("div.audit-head", null,
      h("strong", null, actionName(entry.action)), " ", outcome(entry),
      h("span.muted.audit-time", null, when(entry.at, zone))),
    h("dl.kv", null,
      h("dt", null, t("audit.user")), h("dd.audit-user", null, user),
      h("dt", null, t("audit.device")), h("dd.audit-device", {title: entry.device_id || ""}, device),
      document ? h("dt", null, t("audit.document")) : null,
      document ? h("dd.audit-document", null, document) : null));
}

function filters(app, query) {
  const inputs = {};
  const form = h("form.card.audit-filters", {id: "audit-filters", onsubmit: (event) => {
    event.preventDefault();
    const next = {};
    FIELDS.forEach((field) => { const value = inputs[field.name].value.trim(); if (value) next[field.name] = value; });
    app.go(hashOf(next));
  }}, FIELDS.map((field) => {
    const id = "audit-" + field.name.replace("_", "-");
    inputs[field.name] = h("input", {id: id, type: field.type, autocomplete: "off", value: query[field.name] || "",
      placeholder: field.type === "text" ? t(field.title) : "", title: t(field.title)});
    return h("div", null, h("label", {htmlFor: id}, t(field.label)), inputs[field.name]);
  }),
  h("div.audit-actions", null,
    h("button.primary", {type: "submit", id: "audit-search"}, t("audit.search")),
    h("button", {type: "button", id: "audit-clear", onclick: () => app.go("#/audit")}, t("audit.clear"))));
  return {form: form, inputs: inputs};
}

export default {
  name: "audit",
  title: "audit.title",
  async render(app, params) {
    const query = queryOf(params[0]);
    const offset = parseInt(query.offset, 10) || 0;
    const form = filters(app, query);
    app.main.appendChild(form.form);
    const list = h("ul.list", {id: "audit-list"});
    const status = h("p.muted", {id: "audit-status"}, t("audit.searching"));
    const pager = h("div.audit-pager", {id: "audit-pager"});
    app.main.appendChild(status);
    app.main.appendChild(list);
    app.main.appendChild(pager);
    app.scan((code) => {
      const next = Object.assign({}, query, {document: code});
      delete next.offset;
      app.go(hashOf(next));
    }, t("audit.scan"));
    const ask = Object.assign({}, query, {limit: String(PAGE), offset: String(offset)});
    const search = new URLSearchParams();
    Object.keys(ask).forEach((name) => search.set(name, ask[name]));
    const page = await get("/audit?" + search.toString());
    fill(list, page.entries.map((entry) => row(entry, page.time_zone)));
    status.textContent = page.entries.length
      ? t("audit.showing", {from: offset + 1, to: offset + page.entries.length})
      : t("audit.none");
    const older = Object.assign({}, query, {offset: String(offset + PAGE)});
    const newer = Object.assign({}, query, {offset: offset - PAGE > 0 ? String(offset - PAGE) : ""});
    fill(pager,
      offset > 0 ? h("button", {type: "button", id: "audit-newer", onclick: () => app.go(hashOf(newer))}, t("audit.newer")) : null,
      page.more ? h("button", {type: "button", id: "audit-older", onclick: () => app.go(hashOf(older))}, t("audit.older")) : null);
  },
};
