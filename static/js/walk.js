// The checklist walk: loading and wiring. Everything is kept on the phone as it is given
// (IndexedDB), so a reload, a dropped link or a day without signal loses nothing; the
// finished visit goes to the outbox and up through PUT /api/v1/visits/{uuid}.
// Answers: walk-answers.js · drawing: walk-render.js · photos: walk-photos.js ·
// finishing and amendments: walk-submit.js.
(function (FA) {
  "use strict";
  var root = document.getElementById("walk-app");
  if (!root || !FA.walkAnswers || !FA.sync) return;
  var A = FA.walkAnswers, R = FA.walkRender, S = FA.walkSubmit;
  function q(sel) { return root.querySelector(sel); }

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

  // --- what a tap does ---------------------------------------------------------

  W.on.answer = function (x, card, result) {
    if (W.locked) return;
    var dropped = A.setResult(W.draft, x, result, A.shanghaiDate(new Date()), FA.uuid);
    if (dropped && dropped.reported) withdraw(dropped.reported);
    card.querySelector("[data-item-error]").textContent = "";
    R.renderHazard(W, card, x);
    var h = A.hazardOf(W.draft, x.id);
    // A major hazard's alert and its report button, where the inspector is looking.
    if (h && h.level === "major" && !h.reported) card.querySelector("[data-major-alert]").scrollIntoView({ block: "nearest" });
    persist();
    R.progress(W);
  };
  W.on.note = function (x, text) {
    if (W.locked) return;
    A.ensureAnswer(W.draft, x.id).note = text;
    persist();
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
                         subject: x.item.text.slice(0, 200), note: (h.description || a.note || "").slice(0, 2000),
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

  // --- loading -----------------------------------------------------------------

  function find(bundle, id) {
    for (var i = 0; i < bundle.enterprises.length; i++) if (bundle.enterprises[i].id === id) return bundle.enterprises[i];
    return null;
  }

  function start() {
    var params = new URLSearchParams(location.search);
    var visitId = params.get("visit");
    var entId = parseInt(params.get("enterprise"), 10);
    FA.sync.whoami().then(function (user) {
      if (!user) { R.message("请先登录。", "error"); return; }
      W.user = user;
      var lookups = visitId ? Promise.all([FA.store.get("drafts", visitId), FA.store.get("outbox", visitId)]) : Promise.resolve([null, null]);
      return lookups.then(function (got) {
        var draft = got[0] && got[0].user_id === user.id ? got[0] : null;
        var queued = got[1] && got[1].user_id === user.id && got[1].type === "visit" ? got[1] : null;
        if (queued) entId = queued.enterprise_id; else if (draft) entId = draft.enterprise_id;
        return FA.sync.bundle(user.id, false).then(function (bundle) {
          var premises = bundle && find(bundle, entId);
          if (!premises && navigator.onLine) {
            return FA.sync.bundle(user.id, true).then(function (b2) { return [b2, b2 && find(b2, entId), draft, queued]; });
          }
          return [bundle, premises, draft, queued];
        });
      }).then(function (got) {
        var bundle = got[0], premises = got[1], draft = got[2], queued = got[3];
        if (!bundle) { R.message("手机上还没有离线数据：请联网打开一次本页面。", "error"); return; }
        if (!premises) { R.message("在离线数据中找不到该场所，或它不在您的网格内。", "error"); return; }
        W.bundle = bundle; W.premises = premises;
        return FA.store.byUser("outbox", user.id).then(function (items) {
          items.forEach(function (i) { if (i.type === "alert") W.reports[i.uuid] = i; });
          if (queued) return showQueued(queued);
          return resumeOrCreate(premises, draft).then(function () { R.page(W); });
        });
      });
    }).catch(function (err) { R.message("打开检查失败：" + err.message, "error"); });
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
      return drafts.filter(function (d) { return d.enterprise_id === premises.id; })[0] || null;
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
      return W.bundle.checklists.some(function (c) { return c.id === ref.id && c.version === ref.version; });
    });
  }

  // Remove a draft and the photos only it used (never one a queued item still needs).
  function discardDraft(draft) {
    var mine = [];
    Object.keys(draft.answers || {}).forEach(function (k) {
      var a = draft.answers[k];
      (a.photos || []).concat(a.hazard && a.hazard.after_photos || []).forEach(function (sha) { if (mine.indexOf(sha) < 0) mine.push(sha); });
    });
    return FA.sync.dropPhotos(mine, null).then(function () { return FA.store.del("drafts", draft.uuid); });
  }

  function discard() {
    var n = A.answeredCount(W.draft);
    if (n && !window.confirm("放弃后，本次检查已填写的 " + n + " 项和照片将从手机上删除，且不会上传。确定放弃吗？")) return;
    discardDraft(W.draft).then(function () { location.href = "/inspect"; },
      function (err) { R.message("放弃失败：" + err.message, "error"); });
  }

  function newDraft(premises) {
    var draft = {
      uuid: FA.uuid(), user_id: W.user.id, enterprise_id: premises.id, enterprise_name: premises.name,
      checklists: premises.checklists.map(function (c) { return { id: c.id, version: c.version }; }),
      started_at: new Date().toISOString(), answers: {}, section: 0, item_count: 0
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
    W.sections = A.sections(W.lists);
    W.items = [].concat.apply([], W.sections.map(function (s) { return s.items; }));
    draft.item_count = W.items.length;
    W.section = Math.max(0, Math.min(draft.section || 0, W.sections.length - 1));
  }

  // --- wiring --------------------------------------------------------------------

  function go(index) {
    R.showSection(W, index);
    if (W.locked) R.lock(W, W.queued);
    persist();
    window.scrollTo(0, 0);
  }
  q("[data-section-select]").addEventListener("change", function (e) { go(parseInt(e.target.value, 10)); });
  q("[data-prev]").addEventListener("click", function () { go(W.section - 1); });
  q("[data-next]").addEventListener("click", function () { go(W.section + 1); });
  q("[data-finish-open]").addEventListener("click", function () { S.openFinish(W); });
  q("[data-submit]").addEventListener("click", function () { S.submit(W); });
  q("[data-relocate]").addEventListener("click", function () { S.locate(W); });
  q("[data-discard]").addEventListener("click", discard);
  q("[data-amend]").addEventListener("click", function () {
    var item = W.queued;
    if (item) return S.amend(W, item);
    // Just submitted on this page: the item is the draft's uuid.
    FA.store.get("outbox", W.draft.uuid).then(function (it) { if (it) S.amend(W, it); });
  });
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
