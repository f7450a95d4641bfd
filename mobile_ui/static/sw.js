/* The app's service worker: the shell and every asset of this version, cached at install.
 *
 * App files are answered from the cache (network when missing), so the app starts and
 * runs with no network; the API is never cached here: offline actions wait in the app's
 * own queue (IndexedDB), and lookups the app keeps for offline work are its own too.
 * A new version (a hash of every file) installs beside the old one and replaces it.
 */
var VERSION = "__VERSION__";
var CACHE = "wms-app-" + VERSION;
var ASSETS = ["/"].concat("__ASSETS__");

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("wms-app-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  var key = url.pathname === "/" ? "/" : url.pathname;
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(key, {ignoreSearch: true}).then(function (hit) {
      return hit || fetch(request);
    });
  }));
});
