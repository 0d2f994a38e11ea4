// The outbox: finished visits wait on the phone until the server's receipt is checked.
// Photos go first, one by one (resumable: only those not yet held are sent), then the
// visit. 409 and out-of-scope answers stay on the phone for a person to resolve.
(function (FA) {
  "use strict";
  var KEEP_SYNCED_MS = 3 * 24 * 3600 * 1000;  // acknowledged items stay 3 days (rule R9)
  var running = null;
  var timer = null;
  var listeners = [];

  var LABELS = { pending: "等待同步", syncing: "同步中", synced: "已同步", failed: "失败", conflict: "冲突", rejected: "被拒绝" };

  function emit(item, extra) { listeners.forEach(function (fn) { try { fn(item, extra || {}); } catch (e) { /* a listener's bug */ } }); }

  function session() {
    return fetch("/api/v1/session", { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("session " + r.status);
      return r.json();
    }).then(function (s) {
      // Remembered so the walk and the outbox know whose queue to show while offline.
      return (s.user ? FA.store.put("kv", s.user, "last_user") : Promise.resolve()).then(function () { return s; });
    });
  }

  function backoff(attempts) {
    // Exponential with jitter, first retry after ~10 s, at most an hour apart.
    var base = Math.min(3600, 10 * Math.pow(2, attempts));
    return Math.round(base * (0.7 + Math.random() * 0.6) * 1000);
  }

  function put(url, body, contentType, csrf, onProgress, method) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method || "PUT", url);
      xhr.setRequestHeader("Content-Type", contentType);
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.timeout = 120000;
      if (onProgress && xhr.upload) xhr.upload.onprogress = function (e) { if (e.lengthComputable) onProgress(e.loaded / e.total); };
      xhr.onload = function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
        resolve({ status: xhr.status, data: data });
      };
      xhr.onerror = xhr.ontimeout = xhr.onabort = function () { reject(new Error("network")); };
      xhr.send(body);
    });
  }

  function Retry(message) { this.message = message; }
  function Stop(message) { this.message = message; }

  function save(item) { return FA.store.put("outbox", item).then(function () { emit(item); return item; }); }

  function uploadPhoto(item, sha, csrf, index, total) {
    return FA.store.get("photos", sha).then(function (p) {
      if (!p) return "gone";
      if (p.uploaded) return "held";
      var q = "?captured_at=" + encodeURIComponent(p.captured_at);
      if (p.lat != null) q += "&lat=" + p.lat + "&lng=" + p.lng + "&accuracy_m=" + Math.round(p.accuracy_m || 0);
      return put("/api/v1/photos/" + sha + q, p.blob, p.type, csrf, function (fraction) {
        emit(item, { photo: index + 1, photos: total, fraction: fraction });
      }).then(function (res) {
        if (res.status === 200 || res.status === 201) {
          p.uploaded = true;
          return FA.store.put("photos", p).then(function () { return "sent"; });
        }
        if (res.status === 401) throw new Stop("login");
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
          var reason = (res.data && res.data.error) || ("照片上传失败（" + res.status + "）");
          item.state = "failed"; item.error = "照片：" + reason;
          throw new Retry(null);
        }
        throw new Retry("照片上传暂时失败（" + res.status + "）");
      });
    });
  }

  function checkReceipt(item, receipt) {
    if (item.type === "event") {
      return receipt && receipt.uuid === item.hazard_uuid && receipt.event === item.uuid && typeof receipt.version === "number";
    }
    return receipt && receipt.uuid === item.uuid && Array.isArray(receipt.hazards) &&
      receipt.hazards.length >= item.expected_hazards && typeof receipt.received_at === "string";
  }

  function submitItem(item, csrf) {
    if (item.type === "event") {
      return put("/api/v1/hazards/" + item.hazard_uuid + "/events", JSON.stringify(item.body), "application/json", csrf, null, "POST");
    }
    return put("/api/v1/visits/" + item.uuid, JSON.stringify(item.body), "application/json", csrf);
  }

  function sendItem(item, csrf) {
    item.state = "syncing"; item.error = null;
    return save(item).then(function () {
      var shas = item.photos || [];
      var chain = Promise.resolve();
      shas.forEach(function (sha, i) {
        chain = chain.then(function () { return uploadPhoto(item, sha, csrf, i, shas.length); });
      });
      return chain;
    }).then(function () {
      return submitItem(item, csrf);
    }).then(function (res) {
      if (res.status === 200 || res.status === 201) {
        if (!checkReceipt(item, res.data)) throw new Retry("服务器回执不完整");
        var missing = item.type === "event" ? [] : (res.data.missing_photos || []);
        if (missing.length) {
          // The server lacks photos we thought were sent: mark them and try again.
          return Promise.all(missing.map(function (sha) {
            return FA.store.get("photos", sha).then(function (p) {
              if (!p) { item.state = "failed"; item.error = "照片在手机上已丢失，无法补传"; throw new Retry(null); }
              p.uploaded = false;
              return FA.store.put("photos", p);
            });
          })).then(function () { throw new Retry("照片未全部到达服务器，稍后补传"); });
        }
        item.state = "synced"; item.receipt = res.data; item.synced_at = Date.now(); item.error = null;
        return save(item);
      }
      var message = (res.data && res.data.error) || ("服务器返回 " + res.status);
      if (res.data && res.data.errors && res.data.errors.length) message += "：" + res.data.errors.join("；");
      if (res.status === 401) throw new Stop("login");
      if (res.status === 400 && res.data && res.data.reason === "csrf") throw new Retry("安全令牌已过期，正在重试");
      if (res.status === 409) { item.state = "conflict"; item.error = message; return save(item); }
      if (res.status === 403 || res.status === 404) { item.state = "rejected"; item.error = message; return save(item); }
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        item.state = "failed"; item.error = message; return save(item);
      }
      throw new Retry("服务器暂时不可用（" + res.status + "）");
    });
  }

  function due(item, now) {
    return item.state === "pending" || item.state === "syncing" || (item.state === "failed" && item.retryable);
  }

  function runOnce(options) {
    options = options || {};
    return session().then(function (s) {
      if (!s.user) { FA.sync.status = "login"; emit(null, { login: true }); return; }
      FA.sync.user = s.user;
      return FA.store.byUser("outbox", s.user.id).then(function (items) {
        var now = Date.now();
        items.sort(function (a, b) { return a.created_at - b.created_at; });
        var chain = Promise.resolve();
        items.forEach(function (item) {
          if (item.state === "synced") {
            if (now - item.synced_at > KEEP_SYNCED_MS) chain = chain.then(function () { return forget(item); });
            return;
          }
          if (!due(item, now) || (!options.force && item.next_at && item.next_at > now)) return;
          chain = chain.then(function () {
            return sendItem(item, s.csrf_token).catch(function (err) {
              if (err instanceof Stop) throw err;
              if (err instanceof Retry && err.message === null) return save(item);  // failed for good
              item.state = "pending"; item.attempts = (item.attempts || 0) + 1;
              item.next_at = Date.now() + backoff(item.attempts);
              item.error = err instanceof Retry ? err.message : "网络不可用，稍后自动重试";
              return save(item);
            });
          });
        });
        return chain;
      });
    }).catch(function (err) {
      if (err instanceof Stop) { FA.sync.status = "login"; emit(null, { login: true }); return; }
      FA.sync.status = "offline";  // the session check itself failed: no network
    });
  }

  // Delete these photos from the phone, except any another queued item still needs.
  function dropPhotos(shas, exceptUuid) {
    return FA.store.all("outbox").then(function (items) {
      var needed = {};
      items.forEach(function (i) { if (i.uuid !== exceptUuid) (i.photos || []).forEach(function (sha) { needed[sha] = true; }); });
      return Promise.all((shas || []).filter(function (sha) { return !needed[sha]; })
        .map(function (sha) { return FA.store.del("photos", sha); }));
    });
  }

  function forget(item) {
    return FA.store.del("outbox", item.uuid).then(function () { return dropPhotos(item.photos, item.uuid); });
  }

  var forceAgain = false;

  function after() {
    if (forceAgain) { forceAgain = false; FA.sync.run({ force: true }); return; }
    schedule();
  }

  function schedule() {
    clearTimeout(timer);
    FA.store.all("outbox").then(function (items) {
      var next = items.filter(function (i) { return i.state === "pending" && i.next_at; })
        .map(function (i) { return i.next_at; }).sort()[0];
      if (next) timer = setTimeout(function () { FA.sync.run(); }, Math.max(1000, next - Date.now()));
    });
  }

  var BUNDLE_MAX_AGE = 10 * 60 * 1000;

  // The offline bundle for this user: fresh from the server when online, else the copy on the phone.
  function bundle(userId, refresh) {
    return FA.store.get("kv", "bundle:" + userId).then(function (held) {
      var stale = !held || Date.now() - held.fetched_at > BUNDLE_MAX_AGE;
      if (!refresh && !stale) return held;
      return fetch("/api/v1/bootstrap", { credentials: "same-origin", cache: "no-store" }).then(function (r) {
        if (!r.ok) throw new Error("bootstrap " + r.status);
        return r.json();
      }).then(function (fresh) {
        fresh.fetched_at = Date.now();
        return FA.store.put("kv", fresh, "bundle:" + userId).then(function () { return fresh; });
      }).catch(function () { return held; });
    });
  }

  FA.sync = {
    LABELS: LABELS,
    bundle: bundle,
    dropPhotos: dropPhotos,
    status: "idle",
    user: null,
    onChange: function (fn) { listeners.push(fn); },
    run: function (options) {
      var force = !!(options && options.force);
      if (running) {
        // A tap on 立即同步 during a background run must not be lost: run again, forced, after it.
        if (force) forceAgain = true;
        return running;
      }
      FA.sync.status = "running";
      running = runOnce(options).then(function () {
        if (FA.sync.status === "running") FA.sync.status = "idle";
        running = null; emit(null, { done: true }); after();
      }, function () { running = null; after(); });
      return running;
    },
    enqueue: function (item) {
      item.state = "pending"; item.attempts = 0; item.created_at = Date.now();
      return save(item).then(function () { return FA.sync.run({ force: true }); });
    },
    retry: function (uuid) {
      return FA.store.get("outbox", uuid).then(function (item) {
        if (!item) return;
        item.state = "pending"; item.next_at = 0; item.error = null;
        return save(item).then(function () { return FA.sync.run({ force: true }); });
      });
    },
    // The user resolves a conflict or refusal by dropping the item (only those states: never a pending one).
    discard: function (uuid) {
      return FA.store.get("outbox", uuid).then(function (item) {
        if (!item || ["conflict", "rejected", "failed"].indexOf(item.state) < 0) return false;
        return forget(item).then(function () { emit(null, {}); return true; });
      });
    },
    session: session
  };

  window.addEventListener("online", function () { FA.sync.run({ force: true }); });
})(window.FA = window.FA || {});
