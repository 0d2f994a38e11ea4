// The outbox engine: finished visits, hazard actions and reports to the street wait on the
// phone until the server's receipt is checked, and stay a few days more, re-checked on
// every run (a server restored from an older backup gets them again, photos too).
//
// Item states: pending → syncing → synced; partial (the server holds the record but lacks
// photos); conflict (409: the server holds another version); rejected (403/404: outside
// the user's scope); failed (the server refused the content: a person must act); kept
// (a conflict the user chose to keep on the phone). A 401 puts the item back to pending
// and the next signed-in run sends it at once. Every request has a timeout, so every
// run ends; a run that stopped moving never blocks the next one.
//
// makeSync takes its store, network and clock, so the unit tests drive it with fakes.
(function (FA) {
  "use strict";
  var SECOND = 1000, MINUTE = 60 * SECOND, HOUR = 60 * MINUTE, DAY = 24 * HOUR;
  var DEFAULTS = {
    keepMs: 7 * DAY,            // a synced record stays on the phone this long (rule R9)...
    confirmMs: DAY,             // ...and goes only if the server confirmed holding it this recently
    sessionTimeoutMs: 10 * SECOND,
    requestTimeoutMs: 20 * SECOND,
    uploadStallMs: 30 * SECOND,
    runStallMs: 2 * MINUTE,     // a run with no answer for this long no longer blocks a new run
    firstRetryMs: 30 * SECOND,
    maxRetryMs: HOUR,
    heldBatch: 100,
    recheckEveryMs: 5 * MINUTE, // a run that was not asked for re-checks receipts at most this often
    reportEveryMs: HOUR
  };
  var LABELS = { pending: "等待同步", syncing: "同步中", partial: "照片补传中", synced: "已同步", failed: "失败",
                 conflict: "冲突", rejected: "被拒绝", kept: "已保留在手机上" };
  var DUE = { pending: true, syncing: true, partial: true };
  var HELD_KEYS = { visit: "visits", event: "events", alert: "alerts", unit: "units" };

  // Join message parts as one Chinese sentence: no doubled or missing full stops ("。。").
  function sentence() {
    var parts = Array.prototype.slice.call(arguments).filter(function (p) { return p; })
      .map(function (p) { return String(p).trim().replace(/[。.！!；;，,：:\s]+$/, ""); })
      .filter(function (p) { return p; });
    return parts.length ? parts.join("：") + "。" : "";
  }

  function Transient(message, retryAfterMs) { this.message = message; this.retryAfterMs = retryAfterMs || null; }
  function Login() { this.message = "登录已过期"; }
  function CsrfExpired() { this.message = "登录校验已过期"; }
  function Final(state, message) { this.state = state; this.message = message; }

  function serverMessage(res) {
    var data = res.data || {};
    var text = data.error || ("服务器返回 " + res.status);
    if (data.errors && data.errors.length) text = sentence(text, data.errors.join("；"));
    return text;
  }

  // What an answer that is not a receipt means for the item (photos and records alike).
  function refusal(res) {
    if (res.status === 401) return new Login();
    if (res.status === 400 && res.data && res.data.reason === "csrf") return new CsrfExpired();
    if (res.status === 0) return new Transient("服务器的回答被拦截（可能需要先登录无线网络）");
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      return new Transient("服务器暂时不可用（" + res.status + "）", res.retryAfterMs);
    }
    if (res.status === 409) return new Final("conflict", serverMessage(res));
    if (res.status === 403 || res.status === 404) return new Final("rejected", serverMessage(res));
    return new Final("failed", serverMessage(res));
  }

  function networkMessage(err) {
    return err && err.kind === "timeout" ? "连接超时" : "网络不可用";
  }

  function makeSync(deps) {
    var cfg = {};
    Object.keys(DEFAULTS).forEach(function (k) { cfg[k] = (deps.config && deps.config[k] !== undefined) ? deps.config[k] : DEFAULTS[k]; });
    var store = deps.store, net = deps.net;
    var now = deps.now || function () { return Date.now(); };
    var random = deps.random || Math.random;
    var timers = deps.timers || { set: function (f, ms) { return setTimeout(f, ms); }, clear: function (t) { clearTimeout(t); } };
    var persist = deps.persist || function () { return Promise.resolve(null); };
    var newId = deps.uuid;
    var listeners = [];
    var current = null;
    var timer = null;
    var sessionInFlight = null;
    var engineFailures = 0;

    var api = {
      LABELS: LABELS, sentence: sentence, config: cfg,
      status: "idle",      // idle | running | offline | failed | login
      user: null,
      lastError: null,     // why the last run stopped early
      nextRunAt: null,     // when the next automatic run is due
      onChange: function (fn) { listeners.push(fn); }
    };

    function emit(item, extra) {
      listeners.forEach(function (fn) { try { fn(item, extra || {}); } catch (e) { /* a listener's bug */ } });
    }
    function save(item) { return store.put("outbox", item).then(function () { emit(item); return item; }); }

    function backoff(attempts) {
      var base = Math.min(cfg.maxRetryMs, cfg.firstRetryMs * Math.pow(2, Math.max(0, attempts - 1)));
      return Math.round(base * (0.75 + random() * 0.5));
    }

    // Who is signed in, and a fresh CSRF token. One request at a time per page.
    function session(signal) {
      if (sessionInFlight) return sessionInFlight;
      sessionInFlight = net.json("GET", "/api/v1/session", undefined, { timeoutMs: cfg.sessionTimeoutMs, signal: signal })
        .then(function (res) {
          if (res.status !== 200 || !res.data || !("user" in res.data)) {
            throw res.status === 200 || res.status === 0
              ? new Transient("连接到的不是本系统（可能需要先登录无线网络）")
              : new Transient("服务器暂时不可用（" + res.status + "）", res.retryAfterMs);
          }
          var s = res.data;
          api.user = s.user;
          // Remembered so the walk and the outbox know whose queue to show while offline.
          return (s.user ? store.put("kv", s.user, "last_user") : Promise.resolve()).then(function () { return s; });
        });
      var done = function () { sessionInFlight = null; };
      sessionInFlight.then(done, done);
      return sessionInFlight;
    }

    // The signed-in user, or (no answer: offline) the last one seen; null when signed out.
    function whoami() {
      return session().then(function (s) { return s.user; }, function () { return store.get("kv", "last_user"); });
    }

    function touch(ctx) { ctx.activeAt = now(); }

    function request(ctx, method, url, body) {
      return net.json(method, url, body, { csrf: ctx.csrf, timeoutMs: cfg.requestTimeoutMs, signal: ctx.signal })
        .then(function (res) { touch(ctx); return res; });
    }

    function uploadPhoto(ctx, item, sha, index, total) {
      return store.get("photos", sha).then(function (p) {
        if (!p) throw new Final("failed", "照片在手机上已丢失，无法补传：请报告街道核实");
        if (p.uploaded) return;
        var q = "?captured_at=" + encodeURIComponent(p.captured_at);
        if (p.lat != null) q += "&lat=" + p.lat + "&lng=" + p.lng + "&accuracy_m=" + Math.round(p.accuracy_m || 0);
        return net.upload("/api/v1/photos/" + sha + q, p.blob, {
          type: p.type, csrf: ctx.csrf, stallMs: cfg.uploadStallMs, signal: ctx.signal,
          onProgress: function (fraction) { touch(ctx); emit(item, { photo: index + 1, photos: total, fraction: fraction }); }
        }).then(function (res) {
          touch(ctx);
          if (res.status === 200 || res.status === 201) {
            p.uploaded = true;
            return store.put("photos", p);
          }
          var why = refusal(res);
          if (why instanceof Final) throw new Final(why.state === "conflict" ? "failed" : why.state, sentence("照片", why.message));
          throw why;
        });
      });
    }

    function markPhotos(shas, uploaded) {
      return Promise.all((shas || []).map(function (sha) {
        return store.get("photos", sha).then(function (p) {
          if (!p || p.uploaded === uploaded) return p;
          p.uploaded = uploaded;
          return store.put("photos", p).then(function () { return p; });
        });
      }));
    }

    function checkReceipt(item, r) {
      if (!r || typeof r !== "object") return false;
      if (item.type === "event") return r.uuid === item.hazard_uuid && r.event === item.uuid && typeof r.version === "number";
      if (item.type === "alert") return r.uuid === item.uuid && typeof r.received_at === "string";
      if (item.type === "unit") return r.uuid === item.uuid && typeof r.received_at === "string" &&
        typeof r.status === "string" && Array.isArray(r.missing_photos);
      return r.uuid === item.uuid && Array.isArray(r.hazards) && r.hazards.length >= (item.expected_hazards || 0) &&
        typeof r.received_at === "string" && Array.isArray(r.missing_photos);
    }

    function submit(ctx, item) {
      if (item.type === "event") return request(ctx, "POST", "/api/v1/hazards/" + item.hazard_uuid + "/events", item.body);
      if (item.type === "alert") return request(ctx, "PUT", "/api/v1/alerts/" + item.uuid, item.body);
      if (item.type === "unit") return request(ctx, "PUT", "/api/v1/units/" + item.uuid, item.body);
      return request(ctx, "PUT", "/api/v1/visits/" + item.uuid, item.body);
    }

    function synced(item, receipt) {
      item.state = "synced"; item.receipt = receipt; item.synced_at = item.confirmed_at = now();
      item.error = null; item.login = false; item.attempts = 0; item.next_at = 0;
    }

    // Photos first (only those the server lacks), then the record; a receipt naming
    // missing photos sends them once more in the same run.
    function deliver(ctx, item, round) {
      var shas = item.photos || [];
      var chain = Promise.resolve();
      shas.forEach(function (sha, i) { chain = chain.then(function () { return uploadPhoto(ctx, item, sha, i, shas.length); }); });
      return chain.then(function () { return submit(ctx, item); }).then(function (res) {
        if (res.status !== 200 && res.status !== 201) throw refusal(res);
        if (!checkReceipt(item, res.data)) throw new Transient("服务器回执无效（可能连接到了无线网络的登录页）");
        var missing = item.type === "visit" || item.type === "unit" ? res.data.missing_photos : [];
        if (!missing.length) { synced(item, res.data); return; }
        return markPhotos(missing, false).then(function () {
          if (round < 1) return deliver(ctx, item, round + 1);
          item.state = "partial"; item.receipt = res.data; item.attempts = (item.attempts || 0) + 1;
          item.next_at = now() + backoff(item.attempts);
          item.error = "服务器还缺 " + missing.length + " 张照片，稍后自动补传";
        });
      });
    }

    function sendItem(ctx, item, csrfRetried) {
      item.state = "syncing"; item.error = null;
      return save(item).then(function () { return deliver(ctx, item, 0); }).then(function () {
        return save(item);
      }, function (err) {
        if (err instanceof CsrfExpired && !csrfRetried) {
          // The token expired while the item waited (WTF_CSRF_TIME_LIMIT): fetch a new one, send again.
          return session(ctx.signal).then(function (s) { ctx.csrf = s.csrf_token; return sendItem(ctx, item, true); });
        }
        if (err instanceof Final) {
          item.state = err.state; item.error = err.message; item.next_at = 0;
          return save(item);  // this item needs a person; the others go on
        }
        item.state = "pending";
        if (err instanceof Login) {
          item.login = true; item.next_at = 0; item.error = "登录已过期：重新登录后自动继续同步";
        } else {
          item.attempts = (item.attempts || 0) + 1;
          var wait = backoff(item.attempts);
          if (err && err.retryAfterMs) wait = Math.max(wait, err.retryAfterMs);
          item.next_at = now() + wait;
          item.error = err instanceof Transient ? err.message : (err instanceof CsrfExpired ? "登录校验已过期，正在重新校验后重试" : networkMessage(err));
        }
        return (ctx.superseded ? Promise.resolve() : save(item)).then(function () { throw err; });  // stop this run
      });
    }

    // Every run asked for (立即同步, back online, a new record) re-checks; page loads, every few minutes.
    function recheckDue(ctx, userId) {
      if (ctx.force) return Promise.resolve(true);
      return store.get("kv", "rechecked:" + userId).then(function (at) { return !at || now() - at >= cfg.recheckEveryMs; });
    }

    // Ask the server which kept records it holds; whatever it lacks goes again, with photos.
    function reconcile(ctx, items, userId) {
      var kept = items.filter(function (i) { return i.state === "synced" && HELD_KEYS[i.type || "visit"]; });
      var chain = Promise.resolve();
      for (var start = 0; start < kept.length; start += cfg.heldBatch) {
        (function (batch) {
          chain = chain.then(function () {
            var body = { visits: [], events: [], alerts: [], units: [] };
            batch.forEach(function (i) { body[HELD_KEYS[i.type || "visit"]].push(i.uuid); });
            return request(ctx, "POST", "/api/v1/held", body).then(function (res) {
              if (res.status !== 200 || !res.data) {
                var why = refusal(res);
                if (why instanceof Final) return;  // an old server without the check: nothing to learn
                throw why;
              }
              return Promise.all(batch.map(function (i) { return recheck(i, (res.data[HELD_KEYS[i.type || "visit"]] || {})[i.uuid]); }));
            });
          });
        })(kept.slice(start, start + cfg.heldBatch));
      }
      return chain.then(function () { return store.put("kv", now(), "rechecked:" + userId); });
    }

    function recheck(item, receipt) {
      if (receipt === undefined) return;
      if (receipt === null) {
        item.state = "pending"; item.attempts = 0; item.next_at = 0; item.synced_at = null;
        item.error = "服务器上没有这条记录（可能从备份恢复过），正在重新上传";
        return markPhotos(item.photos, false).then(function () { return save(item); });
      }
      item.confirmed_at = now();
      // The office's later word: an alert acknowledged, a unit decided, a visit to it attached.
      if (item.type === "alert" || item.type === "unit" || (item.body && item.body.unit)) item.receipt = receipt;
      // A notice number given since (an amendment synced before the server kept one): the phone's reprint carries it.
      else if (receipt.notice_no && item.receipt && !item.receipt.notice_no) item.receipt.notice_no = receipt.notice_no;
      var missing = (item.type === "visit" || item.type === "unit") && receipt.missing_photos || [];
      if (missing.length) {
        item.state = "partial"; item.next_at = 0; item.receipt = receipt;
        item.error = "服务器缺少 " + missing.length + " 张照片，正在补传";
        return markPhotos(missing, false).then(function () { return save(item); });
      }
      return save(item);
    }

    function isDue(item, force) {
      return DUE[item.state] && (force || !item.next_at || item.next_at <= now());
    }

    // An amendment waits until the visit it corrects is on the server; a visit to a unit
    // found in the field, until that unit is (the server answers 409 before).
    function waiting(item, byUuid) {
      var first = item.body && item.body.amends && byUuid[item.body.amends];
      var unit = item.body && item.body.unit && byUuid[item.body.unit];
      return (!!first && first.state !== "synced") || (!!unit && unit.state !== "synced" && unit.state !== "partial");
    }

    function sendDue(ctx, items, force) {
      var byUuid = {};
      items.forEach(function (i) { byUuid[i.uuid] = i; });
      items.sort(function (a, b) { return a.created_at - b.created_at; });
      var chain = Promise.resolve();
      items.forEach(function (item) {
        chain = chain.then(function () {
          if (!isDue(item, force) || waiting(item, byUuid)) return;
          return sendItem(ctx, item);
        });
      });
      return chain;
    }

    // Delete the photos of a forgotten record, except those another record still needs.
    function dropPhotos(shas, exceptUuid) {
      return store.all("outbox").then(function (items) {
        var needed = {};
        items.forEach(function (i) { if (i.uuid !== exceptUuid) (i.photos || []).forEach(function (sha) { needed[sha] = true; }); });
        return Promise.all((shas || []).filter(function (sha) { return !needed[sha]; })
          .map(function (sha) { return store.del("photos", sha); }));
      });
    }

    function forget(item) {
      return store.del("outbox", item.uuid).then(function () { return dropPhotos(item.photos, item.uuid); });
    }

    // Nothing leaves the phone unless the server confirmed holding it within confirmMs.
    function cleanup(items) {
      var t = now();
      return Promise.all(items.filter(function (i) {
        return i.state === "synced" && t - i.synced_at > cfg.keepMs && i.confirmed_at && t - i.confirmed_at < cfg.confirmMs;
      }).map(forget));
    }

    // Tell the server what this phone still holds unsynced (and what the user discarded),
    // so a queue that vanishes (storage evicted) is noticed. Only when it changed, or hourly.
    function reportQueue(ctx, userId) {
      return Promise.all([store.byUser("outbox", userId), store.get("kv", "discarded:" + userId),
                          store.get("kv", "queue_report:" + userId)]).then(function (got) {
        // A unit found in the field (and a visit to one) has no premises yet: the queue report (by premises) leaves it out.
        var items = got[0].filter(function (i) { return i.state !== "synced" && i.type !== "unit" && !(i.body && i.body.unit); })
          .map(function (i) { return { uuid: i.uuid, type: i.type || "visit", enterprise_id: i.enterprise_id }; });
        var discarded = got[1] || [];
        var sig = JSON.stringify([items.map(function (i) { return i.uuid; }).sort(), discarded]);
        var last = got[2];
        if (last && last.sig === sig && now() - last.at < cfg.reportEveryMs) return;
        return request(ctx, "POST", "/api/v1/queue", { items: items, discarded: discarded }).then(function (res) {
          if (res.status !== 200) return;
          return store.put("kv", { sig: sig, at: now(), queued: items.length }, "queue_report:" + userId).then(function () {
            if (discarded.length) return store.del("kv", "discarded:" + userId);
          });
        }, function () { /* next run */ });
      });
    }

    function runOnce(ctx) {
      return session(ctx.signal).then(function (s) {
        touch(ctx);
        if (!s.user) { api.status = "login"; return store.put("kv", true, "resume"); }
        ctx.csrf = s.csrf_token;
        var userId = s.user.id;
        return store.get("kv", "resume").then(function (resume) {
          // Signed in again after a 401: send at once, whatever the old backoff said.
          var force = ctx.force || !!resume;
          return (resume ? store.del("kv", "resume") : Promise.resolve()).then(function () {
            return store.byUser("outbox", userId);
          }).then(function (items) {
            var stopped = null;
            return recheckDue(ctx, userId).then(function (yes) { return yes && reconcile(ctx, items, userId); })
              .then(function () { return sendDue(ctx, items, force); })
              .then(function () { return cleanup(items); })
              .catch(function (err) { stopped = err; })
              .then(function () {
                // The server answered (even 503): still tell it what this phone holds. No signal, or signed out: not now.
                if (stopped && !(stopped instanceof Transient)) return;
                return reportQueue(ctx, userId);
              })
              .then(function () { if (stopped) throw stopped; });
          });
        });
      }).then(function () {
        engineFailures = 0;
        api.lastError = null;
        if (api.status === "running") api.status = "idle";
      }, function (err) {
        if (ctx.superseded) return;
        if (err instanceof Login) {
          api.status = "login"; api.lastError = err.message;
          return store.put("kv", true, "resume");
        }
        engineFailures += 1;
        // No answer at all (not a timeout): there is no connection, whatever navigator.onLine says.
        var offline = (deps.online && !deps.online()) || (err && err.kind === "network");
        api.status = offline ? "offline" : "failed";
        api.lastError = offline ? "当前无网络" : (err instanceof Transient ? err.message : networkMessage(err));
        var wait = backoff(engineFailures);
        if (err && err.retryAfterMs) wait = Math.max(wait, err.retryAfterMs);
        ctx.retryAt = now() + wait;
      });
    }

    // When the next run is due: the earliest waiting item, or a retry after a failed run.
    function schedule(ctx) {
      if (timer !== null) { timers.clear(timer); timer = null; }
      var who = api.user ? Promise.resolve(api.user) : store.get("kv", "last_user");
      return who.then(function (user) {
        return user ? store.byUser("outbox", user.id) : [];
      }).then(function (list) {
        var due = list.filter(function (i) { return DUE[i.state]; });
        var next = null;
        due.forEach(function (i) { var at = i.next_at || now(); if (next === null || at < next) next = at; });
        if (due.length && ctx && ctx.retryAt && (next === null || ctx.retryAt > next)) next = ctx.retryAt;
        if (api.status === "login") next = null;  // signing in starts the next run
        api.nextRunAt = next;
        // Browsers run a timer longer than 2^31-1 ms (24.8 days) at once; a far retry (a server's
        // Retry-After) would become a loop. Waking at most hourly only re-plans.
        if (next !== null) timer = timers.set(function () { timer = null; run(); }, Math.min(HOUR, Math.max(SECOND, next - now())));
        emit(null, { done: true });
      });
    }

    function run(options) {
      var force = !!(options && options.force);
      if (current && now() - current.activeAt < cfg.runStallMs) {
        // A tap on 立即同步 during a run is not lost: one more run, forced, follows it.
        if (force) current.again = true;
        return current.promise;
      }
      if (current) { current.superseded = true; current.controller.abort(); }  // stalled: it blocks nothing
      var controller = new AbortController();
      var ctx = { controller: controller, signal: controller.signal, force: force, activeAt: now(), again: false };
      current = ctx;
      api.status = "running";
      emit(null, { started: true });
      ctx.promise = runOnce(ctx).then(function () {
        if (current !== ctx) return;
        current = null;
        if (ctx.again) return run({ force: true });
        return schedule(ctx);
      });
      return ctx.promise;
    }

    // Put a new record in the queue (and ask, at the first, that the browser keep our storage).
    function queue(item) {
      item.state = "pending"; item.attempts = 0; item.next_at = 0; item.created_at = item.created_at || now();
      return save(item).then(function () { return persist(); }).then(function () { return item; });
    }

    // Queue a record and send it now; resolves when that run has ended.
    function enqueue(item) {
      return queue(item).then(function () { return run({ force: true }); });
    }

    function change(uuid, states, fn) {
      return store.get("outbox", uuid).then(function (item) {
        if (!item || states.indexOf(item.state) < 0) return null;
        return fn(item);
      });
    }

    // 重试: only where sending again can help (never a conflict: the server holds another version).
    function retry(uuid) {
      return change(uuid, ["pending", "partial", "failed", "rejected"], function (item) {
        item.state = "pending"; item.next_at = 0; item.error = null;
        return save(item).then(function () { return run({ force: true }); });
      });
    }

    function noteDiscard(item) {
      var key = "discarded:" + item.user_id;
      return store.get("kv", key).then(function (list) {
        list = list || [];
        if (list.indexOf(item.uuid) < 0) list.push(item.uuid);
        return store.put("kv", list, key);
      });
    }

    // The user drops a record the server refused (never a pending one, never a visit conflict).
    function discard(uuid) {
      return store.get("outbox", uuid).then(function (item) {
        if (!item) return false;
        var ok = ["rejected", "failed"].indexOf(item.state) >= 0 ||
          (item.type === "event" && ["conflict", "kept"].indexOf(item.state) >= 0);
        if (!ok) return false;
        return noteDiscard(item).then(function () { return forget(item); }).then(function () { emit(null, {}); return true; });
      });
    }

    // A report not yet sent, taken back with the hazard it was about (a mis-tapped 不符合).
    function withdraw(uuid) {
      return change(uuid, ["pending"], function (item) {
        if (item.type !== "alert") return false;
        return noteDiscard(item).then(function () { return forget(item); }).then(function () { emit(null, {}); return true; });
      });
    }

    // "Keep the phone's copy" of a conflict: a visit goes again as an amendment of the
    // version the server holds (its own uuid, linked); a hazard action stays on the phone.
    function keep(uuid) {
      return change(uuid, ["conflict"], function (item) {
        // A visit to a unit not yet in the register cannot be amended on the server: kept as it is.
        if (item.type !== "visit" || (item.body && item.body.unit)) {
          item.state = "kept";
          return save(item);
        }
        var body = JSON.parse(JSON.stringify(item.body));
        body.amends = item.uuid;
        var copy = {
          uuid: newId(), type: "visit", user_id: item.user_id, enterprise_id: item.enterprise_id,
          enterprise_name: item.enterprise_name, body: body, photos: (item.photos || []).slice(), expected_hazards: 0,
          kept_from: item.uuid
        };
        // The copy is saved before the conflict goes: the phone never holds neither.
        return queue(copy).then(function () { return store.del("outbox", item.uuid); }).then(function () {
          emit(null, {});
          run({ force: true });
          return copy;
        });
      });
    }

    // "Report it to the street": queue a report carrying the phone's copy as evidence.
    function report(uuid) {
      return change(uuid, ["conflict", "kept", "rejected", "failed"], function (item) {
        if (item.reported) return null;
        var alertId = newId();
        var what = item.type === "event" ? "隐患操作" : "检查记录";
        var alert = {
          uuid: alertId, type: "alert", user_id: item.user_id, enterprise_id: item.enterprise_id,
          enterprise_name: "报告街道：" + (item.enterprise_name || what),
          body: { kind: "sync_conflict", enterprise_id: item.enterprise_id, record_uuid: item.uuid,
                  subject: (what + " " + item.uuid.slice(0, 8).toUpperCase() + "：" + (LABELS[item.state] || item.state)).slice(0, 200),
                  note: (item.error || "").slice(0, 2000), occurred_at: new Date(now()).toISOString(),
                  payload: { type: item.type || "visit", body: item.body } }
        };
        return queue(alert).then(function () {
          item.reported = alertId;
          return save(item);
        }).then(function () { run({ force: true }); return alert; });
      });
    }

    api.run = run;
    api.enqueue = enqueue;
    api.queue = queue;
    api.retry = retry;
    api.discard = discard;
    api.keep = keep;
    api.withdraw = withdraw;
    api.report = report;
    api.session = session;
    api.whoami = whoami;
    api.dropPhotos = dropPhotos;
    api.backoff = backoff;
    api.running = function () { return !!current; };
    return api;
  }

  FA.makeSync = makeSync;
  FA.sentence = sentence;
  FA.syncLabels = LABELS;

  // --- the browser's engine ------------------------------------------------------------
  if (typeof document === "undefined" || !FA.store || !FA.net) return;

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  FA.uuid = uuid;

  // Ask the browser to keep our storage (not evicted under pressure); remember the answer.
  function persist() {
    if (!navigator.storage || !navigator.storage.persist) return Promise.resolve(null);
    return navigator.storage.persisted().then(function (already) {
      return already || navigator.storage.persist();
    }).then(function (granted) {
      return FA.store.put("kv", { granted: !!granted, at: Date.now() }, "persist").then(function () { return granted; });
    }, function () { return null; });
  }
  FA.persist = persist;

  FA.sync = makeSync({ store: FA.store, net: FA.net, uuid: uuid, persist: persist,
                       online: function () { return navigator.onLine; } });

  var BUNDLE_MAX_AGE = 10 * MINUTE;
  // The offline bundle for this user: fresh from the server when online, else the copy on the phone.
  FA.sync.bundle = function (userId, refresh) {
    return FA.store.get("kv", "bundle:" + userId).then(function (held) {
      var stale = !held || Date.now() - held.fetched_at > BUNDLE_MAX_AGE;
      if (!refresh && !stale) return held;
      return FA.net.json("GET", "/api/v1/bootstrap", undefined, { timeoutMs: 30 * SECOND }).then(function (res) {
        if (res.status !== 200 || !res.data || !res.data.enterprises) throw new Error("bootstrap " + res.status);
        var fresh = res.data;
        fresh.fetched_at = Date.now();
        return FA.store.put("kv", fresh, "bundle:" + userId).then(function () { return fresh; });
      }).catch(function () { return held; });
    });
  };

  window.addEventListener("online", function () { FA.sync.run({ force: true }); });
})(window.FA = window.FA || {});
