/* The role's home: the tasks this user does, as big tiles. */

import {h} from "../dom.js";
import {t} from "../i18n.js";

const TILES = [
  {hash: "#/receive", label: "home.receive", permission: "receipt.receive"},
  {hash: "#/putaway", label: "home.putaway", permission: "putaway"},
  {hash: "#/post", label: "home.post", permission: "receipt.post"},
  {hash: "#/report", label: "home.report", permission: "report.read"},
  {hash: "#/reconcile", label: "home.reconcile", permission: "reconcile"},
  {hash: "#/waves", label: "home.pick", permission: "pick"},
  {hash: "#/counts", label: "home.counts", permission: "pick"},
  {hash: "#/pack", label: "home.pack", permission: "ship"},
  {hash: "#/manifest", label: "home.manifest", permission: "ship"},
  {hash: "#/holds", label: "home.holds", permission: "hold.issue"},
  {hash: "#/approvals", label: "home.approvals", permission: "outbound.approve"},
  {hash: "#/differences", label: "home.differences", permission: "stock.adjust"},
  {hash: "#/stations", label: "home.stations", permission: "station.manage"},
  {hash: "#/audit", label: "home.audit", permission: "audit.read"},
  {hash: "#/queue", label: "home.queue", permission: null},
  {hash: "#/settings", label: "home.settings", permission: null},
];

export default {
  name: "home",
  title: "home.title",
  render(app) {
    const user = app.user;
    app.main.appendChild(h("p.muted", null, t("home.hello", {name: user.display_name || user.username, role: t("role." + user.role)})));
    app.main.appendChild(h("ul.list", null, TILES.filter((tile) => !tile.permission || app.can(tile.permission)).map((tile) =>
      h("li", null, h("button.tile", {type: "button", dataset: {go: tile.hash}, onclick: () => app.go(tile.hash)},
        h("span.big", null, t(tile.label)))))));
    app.scan((code) => {
      // A document or wave scanned from home opens it directly.
      if (app.can("receipt.receive")) app.go("#/receive/" + encodeURIComponent(code));
      else if (app.can("pick")) app.go("#/pick/" + encodeURIComponent(code));
    });
  },
};
