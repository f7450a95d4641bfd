/* The handheld's own storage (IndexedDB): the outbox of actions waiting for the network,
 * the answers of replayed actions, and the lookups kept for working offline. */

const NAME = "wms";
const VERSION = 1;
let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", {keyPath: "seq", autoIncrement: true});
        if (!db.objectStoreNames.contains("results")) db.createObjectStore("results", {keyPath: "localId"});
        if (!db.objectStoreNames.contains("cache")) db.createObjectStore("cache", {keyPath: "key"});
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opening;
}

function run(storeName, mode, work) {
  return open().then((db) => new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    const store = tx.objectStore(storeName);
    let result;
    const request = work(store);
    if (request) request.onsuccess = () => { result = request.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  }));
}

export const idb = {
  add: (store, value) => run(store, "readwrite", (s) => s.add(value)),
  put: (store, value) => run(store, "readwrite", (s) => s.put(value)),
  get: (store, key) => run(store, "readonly", (s) => s.get(key)),
  all: (store) => run(store, "readonly", (s) => s.getAll()),
  remove: (store, key) => run(store, "readwrite", (s) => s.delete(key)),
};

/* A lookup kept for offline use: cached("docs:open") / keep("docs:open", data). */
export function keep(key, data) {
  return idb.put("cache", {key: key, data: data, at: Date.now()}).catch(() => undefined);
}

export function cached(key) {
  return idb.get("cache", key).then((row) => (row ? row.data : null)).catch(() => null);
}
