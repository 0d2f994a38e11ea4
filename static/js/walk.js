// The checklist walk: loading and wiring. Everything is kept on the phone as it is given
// (IndexedDB), so a reload, a dropped link or a day without signal loses nothing; the
// finished visit goes to the outbox and up through PUT /api/v1/visits/{uuid}.
// Answers: walk-answers.js · drawing: walk-render.js · photos: walk-photos.js. Loaded when
// needed: rechecks of earlier hazards, walk-recheck.js; finishing, when first opened:
// walk-finish.js, walk-fire.js, walk-sign.js, walk-submit.js.
(function (FA) {
  "use strict";
  var root = document.getElementById("walk-app");
  if (!root || !FA.walkAnswers || !FA.sync) return;
  var A = FA.walkAnswers, R = FA.walkRender;
  function q(sel) { return root.querySelector(sel); }
  function today() { return A.shanghaiDate(new Date()); }

  var W = { root: root, user: null, bundle: null, premises: null, draft: null, lists: [], sections: [], items: [],
            section: 0, locked: false, queued: null, reports: {}, on: {} };

  function saved(text) { q("[data-save-status]").textContent = text; }

  function persist() {
    if (W.locked) return Promise.resolve();  // a submitted visit never becomes a draft again
    saved("保存中…");
    W.draft.section = W.section;
    W.draft.updated_at = Date.now();
    return FA.store.put("drafts", W.draft).then(function () { saved("已保存在手机上"); },
      function (err) { saved("保存失败！" + err.message); });
  }
  W.persist = persist;

  // --- moving through the walk -----------------------------------------------------

  // Show a section and bring an item (or the section's first open item) just below the bar.
  function go(index, x) {
    R.showSection(W, index);
    if (W.locked) R.lock(W, W.queued);
    persist();
    var target = x || A.restOfSection(W.sections[index], W.draft)[0] || W.sections[index].items[0];
    current(target);
  }
  W.go = go;

  // Mark the item the walk is at and bring its text into view, clear of the sticky bar.
  function current(x) {
    root.querySelectorAll(".item-card.current").forEach(function (c) { c.classList.remove("current"); });
    var card = x && R.cardOf(W, x);
    if (!card) return;
    card.classList.add("current");
    R.reveal(W, card);
  }

  // After 符合 or 不适用, on to the next item to answer (in this section first).
  function advance(x) {
    var next = A.nextToAnswer(W.sections, W.draft, x.id);
    if (!next) return;  // everything answered: the bottom bar offers 完成检查
    if (next.section !== W.section) go(next.section, next);
    else current(next);
  }

  // --- what a tap does ---------------------------------------------------------

  W.on.answer = function (x, card, result) {
    if (W.locked) return;
    var dropped = A.setResult(W.draft, x, result, today(), FA.uuid);
    if (dropped && dropped.reported) withdraw(dropped.reported);
    card.querySelector("[data-item-error]").textContent = "";
    R.renderHazard(W, card, x);
    persist();
    R.progress(W);
    // 不符合 opens the photo and the hazard under the item: stay, with the item's text in view.
    if (result === "fail") R.keepInView(W, card);
    else advance(x);
  };
  W.on.note = function (x, text) {
    if (W.locked) return;
    A.ensureAnswer(W.draft, x.id).note = text;
    persist();
  };
  W.on.unchecked = function (x, reason) {
    if (W.locked || A.resultOf(W.draft, x.id)) return;
    A.setUnchecked(W.draft, x, reason);
    persist();
    R.progress(W);
  };
  W.on.changed = persist;

  // One tap: a report to the street office, queued like any record (offline too).
  W.on.reportMajor = function (x, card) {
    var h = A.hazardOf(W.draft, x.id);
    if (!h || h.reported || W.locked) return;
    var a = W.draft.answers[x.id];
    var id = FA.uuid();
    var item = { uuid: id, type: "alert", user_id: W.user.id, enterprise_id: W.premises.id,
                 enterprise_name: "重大隐患报告：" + W.premises.name,
                 body: { kind: "major_hazard", enterprise_id: W.premises.id, hazard_uuid: h.uuid, record_uuid: W.draft.uuid,
                         subject: (h.defect || x.item.text).slice(0, 200), note: (h.description || a.note || "").slice(0, 2000),
                         occurred_at: new Date().toISOString() } };
    h.reported = id;
    persist().then(function () { return FA.sync.queue(item); }).then(function () {
      W.reports[id] = item;
      R.majorAlert(W, card, x);
      FA.sync.run({ force: true });
    });
  };

  // A report not yet sent goes with the hazard it was about (a mis-tapped 不符合).
  function withdraw(alertId) {
    FA.store.get("outbox", alertId).then(function (item) {
      if (item && item.state === "pending") return FA.sync.withdraw(alertId);
    });
  }

  // 本部分其余全部符合: list what it will answer, and answer it once confirmed.
  var dialog = q("[data-rest-dialog]");
  function openRest() {
    var rest = A.restOfSection(W.sections[W.section], W.draft);
    if (!rest.length || W.locked) return;
    var list = dialog.querySelector("[data-rest-list]");
    list.innerHTML = "";
    rest.forEach(function (x) {
      var li = document.createElement("li");
      li.textContent = x.item.text + (x.item.major ? "（重大隐患项）" : "");
      list.appendChild(li);
    });
    dialog.querySelector("[data-rest-intro]").textContent = "以下 " + rest.length + " 项将记为“符合”；已作答的和记为“未检查”的项不变。";
    dialog.showModal();
  }
  function confirmRest() {
    var section = W.sections[W.section];
    A.passRest(W.draft, A.restOfSection(section, W.draft), today(), FA.uuid);
    dialog.close();
    R.showSection(W, W.section);
    persist();
    R.progress(W);
    var next = A.nextUnanswered(W.items, W.draft, section.items[section.items.length - 1].id);
    if (next) go(next.section, next);
  }

  // --- loading -----------------------------------------------------------------

  // A registered premises by id, or a unit found in the field (not yet in the register) by its uuid.
  function find(bundle, id, unit) {
    if (unit) return (bundle.units || []).filter(function (u) { return u.unit === unit; })[0] || null;
    for (var i = 0; i < bundle.enterprises.length; i++) if (bundle.enterprises[i].id === id) return bundle.enterprises[i];
    return null;
  }

  // A bundle carries each item's rules and the limits since the input contract; an older copy is refreshed.
  function fresh(bundle) { return bundle && bundle.limits && bundle.fire_judgement; }

  function start() {
    var params = new URLSearchParams(location.search);
    var visitId = params.get("visit");
    var entId = parseInt(params.get("enterprise"), 10);
    var unitId = params.get("unit") || null;
    FA.sync.whoami().then(function (user) {
      if (!user) { R.message("请先登录。", "error"); return; }
      W.user = user;
      var lookups = visitId ? Promise.all([FA.store.get("drafts", visitId), FA.store.get("outbox", visitId)]) : Promise.resolve([null, null]);
      return lookups.then(function (got) {
        var draft = got[0] && got[0].user_id === user.id ? got[0] : null;
        var queued = got[1] && got[1].user_id === user.id && got[1].type === "visit" ? got[1] : null;
        if (queued) { entId = queued.enterprise_id; unitId = queued.body && queued.body.unit || null; }
        else if (draft) { entId = draft.enterprise_id; unitId = draft.unit || null; }
        return FA.sync.bundle(user.id, false).then(function (bundle) {
          var premises = bundle && find(bundle, entId, unitId);
          if ((!premises || !fresh(bundle)) && navigator.onLine) {
            return FA.sync.bundle(user.id, true).then(function (b2) { return [b2, b2 && find(b2, entId, unitId), draft, queued]; });
          }
          return [bundle, premises, draft, queued];
        });
      }).then(function (got) {
        var bundle = got[0], premises = got[1], draft = got[2], queued = got[3];
        if (!bundle) { R.message("手机上还没有离线数据：请联网打开一次本页面。", "error"); return; }
        if (!fresh(bundle)) { R.message("手机上的离线数据是旧版本：请联网打开一次本页面。", "error"); return; }
        // A unit the office has decided since (no longer in bundle.units): the visit falls back, never hidden.
        if (!premises && unitId) {
          return loadScripts([root.dataset.unit]).then(function () { return FA.walkUnit.open(W, bundle, unitId, draft, queued); })
            .then(function (p) { if (p) return open(bundle, p, draft, queued); });
        }
        if (!premises) { R.message("在离线数据中找不到该场所，或它不在您的网格内。", "error"); return; }
        return open(bundle, premises, draft, queued);
      });
    }).catch(function (err) { R.message("打开检查失败：" + err.message, "error"); });
  }

  // Open the walk on a premises: a queued visit read-only, else its draft (resumed or new).
  function open(bundle, premises, draft, queued) {
    W.bundle = bundle; W.premises = premises;
    return FA.store.byUser("outbox", W.user.id).then(function (items) {
      items.forEach(function (i) { if (i.type === "alert") W.reports[i.uuid] = i; });
      if (queued) return showQueued(queued);
      return resumeOrCreate(premises, draft).then(function () {
        R.page(W);
        var first = A.restOfSection(W.sections[W.section] || { items: [] }, W.draft)[0];
        if (first && A.answeredCount(W.draft)) current(first);  // a resumed walk opens where it stopped
      });
    });
  }

  // A visit already in the outbox opens read-only, with the way to amend it.
  function showQueued(item) {
    W.queued = item;
    setDraft(A.lockedView(item));
    W.locked = true;
    R.page(W);
    R.lock(W, item);
    history.replaceState(null, "", "?visit=" + item.uuid);
    var notice = q("[data-locked-notice]");
    notice.href = "/inspect/notice?visit=" + encodeURIComponent(item.uuid);
    notice.hidden = item.state === "synced";
  }

  function resumeOrCreate(premises, draft) {
    var found = draft ? Promise.resolve(draft) : FA.store.byUser("drafts", W.user.id).then(function (drafts) {
      // One open draft per premises: resume it rather than start a second.
      return drafts.filter(function (d) {
        return premises.unit ? d.unit === premises.unit : d.enterprise_id === premises.id;
      })[0] || null;
    });
    return found.then(function (existing) {
      // A draft with nothing answered on a checklist version this phone no longer holds is simply replaced.
      if (existing && !A.answeredCount(existing) && !versionsHeld(existing)) {
        return discardDraft(existing).then(function () { return newDraft(premises); });
      }
      return existing || newDraft(premises);
    }).then(function (d) { setDraft(d); history.replaceState(null, "", "?visit=" + d.uuid); });
  }

  function versionsHeld(draft) {
    return draft.checklists.every(function (ref) {
      return W.bundle.checklists.some(function (c) { return c.id === ref.id && c.version === ref.version && A.inForce(c, today()); });
    });
  }

  // Remove a draft and the photos only it used (never one a queued item still needs).
  function discardDraft(draft) {
    var mine = [];
    Object.keys(draft.answers || {}).forEach(function (k) {
      var a = draft.answers[k];
      (a.photos || []).concat(a.hazard && a.hazard.after_photos || []).forEach(function (sha) { if (mine.indexOf(sha) < 0) mine.push(sha); });
    });
    if (draft.sign_off && draft.sign_off.signature) mine.push(draft.sign_off.signature);
    return FA.sync.dropPhotos(mine, null).then(function () { return FA.store.del("drafts", draft.uuid); });
  }

  function discard() {
    var n = A.answeredCount(W.draft);
    if (n && !window.confirm("放弃后，本次检查已填写的 " + n + " 项和照片将从手机上删除，且不会上传。确定放弃吗？")) return;
    discardDraft(W.draft).then(function () { location.href = "/inspect"; },
      function (err) { R.message("放弃失败：" + err.message, "error"); });
  }

  // A new visit answers the checklists in force today (the bundle also holds the next editions).
  function newDraft(premises) {
    var draft = {
      uuid: FA.uuid(), user_id: W.user.id, enterprise_id: premises.id, enterprise_name: premises.name,
      // A unit found in the field: the visit names it, and the server keeps the visit until the unit is approved.
      unit: premises.unit || undefined,
      checklists: A.listsFor(W.bundle, premises, today()).map(function (c) { return { id: c.id, version: c.version }; }),
      started_at: new Date().toISOString(), answers: {}, unchecked: {}, section: 0, item_count: 0
    };
    return FA.store.put("drafts", draft).then(function () { return draft; });
  }

  function setDraft(draft) {
    W.draft = draft;
    W.lists = draft.checklists.map(function (ref) {
      return W.bundle.checklists.filter(function (c) { return c.id === ref.id && c.version === ref.version; })[0];
    }).filter(Boolean);
    if (W.lists.length !== draft.checklists.length) {
      R.message("检查清单已更新，这次未完成的检查缺少旧版本的内容：可以完成剩下的部分，或点“放弃本次检查”后重新开始。", "error");
    }
    W.sections = A.sections(W.lists, W.premises.checklist_items);
    W.items = [].concat.apply([], W.sections.map(function (s) { return s.items; }));
    draft.item_count = W.items.length;
    W.section = Math.max(0, Math.min(draft.section || 0, W.sections.length - 1));
  }

  // Scripts the first load leaves out, loaded in order when needed (from the worker's cache offline):
  // the finishing step's when it is first opened, the rechecks' when the premises has earlier hazards.
  var loading = {};
  function loadScripts(srcs) {
    return srcs.reduce(function (chain, src) {
      return chain.then(function () {
        if (!loading[src]) {
          loading[src] = new Promise(function (resolve, reject) {
            var s = document.createElement("script");
            s.src = src; s.onload = resolve;
            s.onerror = function () { delete loading[src]; s.remove(); reject(new Error("无法加载检查页的程序，请联网后重试")); };
            document.head.appendChild(s);
          });
        }
        return loading[src];
      });
    }, Promise.resolve());
  }
  W.loadScripts = loadScripts;
  function finishModules() { return loadScripts(root.dataset.lazy.split(" ")); }
  W.finishModules = finishModules;

  // Start (or resume) the amendment of a queued visit, and open it.
  function amend(item) {
    return FA.store.byUser("drafts", W.user.id).then(function (drafts) {
      var open = drafts.filter(function (d) { return d.amends === item.uuid; })[0];
      if (open) return open;
      var draft = A.amendmentDraft(item, FA.uuid(), new Date().toISOString());
      return FA.store.put("drafts", draft).then(function () { return draft; });
    }).then(function (draft) { location.href = "/inspect/walk?visit=" + encodeURIComponent(draft.uuid); });
  }

  // --- wiring --------------------------------------------------------------------

  q("[data-section-select]").addEventListener("change", function (e) { go(parseInt(e.target.value, 10)); });
  q("[data-prev]").addEventListener("click", function () { go(W.section - 1); });
  q("[data-next]").addEventListener("click", function () { go(W.section + 1); });
  q("[data-rest-pass]").addEventListener("click", openRest);
  dialog.querySelector("[data-rest-confirm]").addEventListener("click", confirmRest);
  dialog.querySelector("[data-rest-cancel]").addEventListener("click", function () { dialog.close(); });
  q("[data-finish-open]").addEventListener("click", function () {
    var btn = q("[data-finish-open]");
    btn.disabled = true;
    finishModules().then(function () { btn.disabled = false; FA.walkSubmit.openFinish(W); },
      function (err) { btn.disabled = false; R.message(err.message, "error"); });
  });
  q("[data-discard]").addEventListener("click", discard);
  q("[data-amend]").addEventListener("click", function () {
    var item = W.queued;
    if (item) return amend(item);
    // Just submitted on this page: the item is the draft's uuid.
    FA.store.get("outbox", W.draft.uuid).then(function (it) { if (it) amend(it); });
  });
  window.addEventListener("resize", function () { if (W.draft) R.measureBars(W); });
  FA.sync.onChange(function (item) {
    if (item && item.type === "alert" && W.reports[item.uuid] !== undefined) {
      W.reports[item.uuid] = item;
      root.querySelectorAll(".item-card").forEach(function (card) {
        var x = W.items.filter(function (i) { return i.id === card.dataset.item; })[0];
        if (x) R.majorAlert(W, card, x);
      });
    }
  });
  start();
})(window.FA = window.FA || {});
