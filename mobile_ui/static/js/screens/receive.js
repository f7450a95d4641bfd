/* Receiving, first step: scan the inbound document (PO, customer return, return to
 * vendor, consignment). The day's open documents are kept on the handheld, with their
 * items' codes, so receiving goes on when the Wi-Fi drops. */

import {h} from "../dom.js";
import {t} from "../i18n.js";
import {get, Offline} from "../api.js";
import {keep, cached} from "../store.js";
import {signal} from "../feedback.js";

/* The open documents: fresh from the service when it answers, else the kept copy. */
export async function openDocuments() {
  try {
    const documents = await get("/inbound-documents/open");
    await keep("docs:open", documents);
    return {documents: documents, offline: false};
  } catch (e) {
    if (!(e instanceof Offline)) throw e;
    return {documents: (await cached("docs:open")) || [], offline: true};
  }
}

export async function findDocument(number) {
  const kept = ((await cached("docs:open")) || []).filter((d) => d.number === number)[0];
  try {
    const found = await get("/inbound-documents/by-number/" + encodeURIComponent(number));
    const documents = ((await cached("docs:open")) || []).filter((d) => d.number !== number);
    if (found.status === "open") documents.push(found);
    await keep("docs:open", documents);
    return found;
  } catch (e) {
    if (e instanceof Offline && kept) return kept;
    throw e;
  }
}

export default {
  name: "receive",
  title: "receive.title",
  task: true,
  async render(app) {
    const {documents, offline} = await openDocuments();
    if (offline) app.main.appendChild(h("p.notice.warn", null, t("receive.offline_list")));
    app.main.appendChild(h("p.notice", null, t("receive.scan_document")));
    app.main.appendChild(h("h3", null, t("receive.open_documents", {n: documents.length})));
    app.main.appendChild(h("ul.list", {id: "documents"}, documents.map((d) =>
      h("li", null, h("button.tile", {type: "button", dataset: {number: d.number},
        onclick: () => app.go("#/receipt/" + encodeURIComponent(d.number))},
      h("span.big", null, d.number), " ", h("span.tag", null, t("kind." + d.kind)),
      h("div.muted", null, (d.party_name || "") + " \u00b7 " + t("receive.lines", {n: d.lines.length})))))));
    app.scan((code) => {
      const match = documents.filter((d) => d.number === code)[0];
      if (match || !offline) { signal("ok", code); app.go("#/receipt/" + encodeURIComponent(code)); }
      else signal("error", t("receive.unknown_offline", {code: code}), {code: "no_open_document"});
    }, t("receive.scan_document"));
  },
};
