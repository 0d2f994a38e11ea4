// fieldapp offline store: IndexedDB, opened once. Upgrades only ever add stores —
// queued work is never dropped by a new version of the app (sync rule R10).
// makeStore takes the IndexedDB factory, so the unit tests run it on fake-indexeddb.
(function (FA) {
  "use strict";
  var DB_NAME = "fieldapp";
  var DB_VERSION = 1;

  function makeStore(idb, name) {
    var opening = null;

    function open() {
      if (opening) return opening;
      opening = new Promise(function (resolve, reject) {
        var req = idb.open(name || DB_NAME, DB_VERSION);
        req.onupgradeneeded = function () {
          var db = req.result;
          if (!db.objectStoreNames.contains("kv")) db.createObjectStore("kv");
          if (!db.objectStoreNames.contains("drafts")) db.createObjectStore("drafts", { keyPath: "uuid" }).createIndex("user", "user_id");
          if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "uuid" }).createIndex("user", "user_id");
          if (!db.objectStoreNames.contains("photos")) db.createObjectStore("photos", { keyPath: "sha" });
        };
        req.onsuccess = function () {
          var db = req.result;
          // Another tab opened a newer version, or the database is being deleted: close, reopen later.
          db.onversionchange = function () { db.close(); opening = null; };
          db.onclose = function () { opening = null; };  // the browser closed it (iOS under memory pressure)
          resolve(db);
        };
        req.onerror = function () { opening = null; reject(req.error); };
        req.onblocked = function () { /* another tab holds the old version; it will close */ };
      });
      return opening;
    }

    function run(storeName, mode, fn) {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(storeName, mode);
          var result;
          tx.oncomplete = function () { resolve(result); };
          tx.onerror = function () { reject(tx.error); };
          tx.onabort = function () { reject(tx.error || new Error("transaction aborted")); };
          var req = fn(tx.objectStore(storeName));
          if (req) req.onsuccess = function () { result = req.result; };
        });
      });
    }

    return {
      get: function (store, key) { return run(store, "readonly", function (s) { return s.get(key); }); },
      put: function (store, value, key) {
        return run(store, "readwrite", function (s) { return key === undefined ? s.put(value) : s.put(value, key); });
      },
      del: function (store, key) { return run(store, "readwrite", function (s) { return s.delete(key); }); },
      all: function (store) { return run(store, "readonly", function (s) { return s.getAll(); }); },
      byUser: function (store, userId) {
        return run(store, "readonly", function (s) { return s.index("user").getAll(userId); });
      }
    };
  }

  FA.makeStore = makeStore;
  if (typeof indexedDB !== "undefined") FA.store = makeStore(indexedDB);
})(window.FA = window.FA || {});
