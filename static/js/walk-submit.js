// Finishing the walk: the checks and summary, the location, then one step that moves the
// draft to the outbox — after which the visit is final on the phone. A later change is
// an amendment: a new visit with its own uuid, naming this one.
(function (FA) {
  "use strict";
  var A = FA.walkAnswers, R = FA.walkRender;

  function q(W, sel) { return W.root.querySelector(sel); }

  function openFinish(W) {
    var bad = A.problems(W.items, W.draft.answers, A.shanghaiDate(new Date()));
    if (bad.length) {
      var first = bad[0];
      var index = 0;
      W.sections.forEach(function (s, i) { if (s.items.indexOf(first.x) >= 0) index = i; });
      R.showSection(W, index);
      bad.forEach(function (b) {
        var card = W.root.querySelector('[data-item="' + b.x.id + '"]');
        if (card) card.querySelector("[data-item-error]").textContent = b.msg;
      });
      var firstCard = W.root.querySelector('[data-item="' + first.x.id + '"]');
      if (firstCard) {
        firstCard.querySelector("[data-item-error]").textContent = bad.length > 1
          ? first.msg + "（共 " + bad.length + " 项需要补充，请按红字提示修改）" : first.msg;
        firstCard.scrollIntoView({ block: "center" });
      }
      return;
    }
    R.message("");
    var summary = q(W, "[data-summary]");
    summary.innerHTML = "";
    A.summary(W.items, W.draft.answers).forEach(function (pair) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = pair[0]; dd.textContent = pair[1];
      summary.appendChild(dt); summary.appendChild(dd);
    });
    q(W, "[data-unanswered-warning]").hidden = A.answeredCount(W.draft) >= W.items.length;
    q(W, "[data-finish]").hidden = false;
    q(W, "[data-finish]").scrollIntoView({ block: "start" });
    locate(W);
  }

  function locate(W) {
    var out = q(W, "[data-location]");
    out.textContent = "正在获取位置…";
    W.location = null;
    FA.photo.position().then(function (pos) {
      W.location = pos;
      out.textContent = pos.status === "ok" ? "已定位（精度约 " + Math.round(pos.accuracy_m) + " 米）"
        : pos.status === "denied" ? "未授权定位：将记录为“拒绝提供位置”" : pos.status === "timeout" ? "定位超时：将如实记录" : "无法定位：将如实记录";
    });
  }

  // Move the draft to the outbox (one visit, one version), lock the walk, send it.
  function submit(W) {
    var btn = q(W, "[data-submit]");
    var box = q(W, "[data-finish-message]");
    btn.disabled = true;
    var item = A.buildVisit(W.draft, W.items, W.location || { status: "timeout" }, new Date().toISOString());
    // Queued (with its state) before the draft goes: at no moment is the visit in neither store.
    FA.sync.queue(item).then(function () { return FA.store.del("drafts", W.draft.uuid); }).then(function () {
      W.submitted = true;
      R.lock(W, null);
      btn.hidden = true;
      q(W, "[data-relocate]").hidden = true;
      var noticeLink = q(W, "[data-notice-link]");
      noticeLink.href = "/inspect/notice?visit=" + encodeURIComponent(item.uuid); noticeLink.hidden = false;
      R.say(box, "已完成检查，记录已保存在手机上，正在同步…", "ok");
      var done = false;
      FA.sync.onChange(function (changed, extra) {
        if (!changed || changed.uuid !== item.uuid || done) return;
        if (extra && extra.photos) {
          R.say(box, "正在上传照片 " + extra.photo + "/" + extra.photos + "（" + Math.round(extra.fraction * 100) + "%）…", "ok");
          return;
        }
        if (changed.state === "synced") { done = true; location.href = "/visits/" + item.uuid; }
        else if (["conflict", "failed", "rejected"].indexOf(changed.state) >= 0) {
          done = true;
          R.say(box, FA.sentence("同步未成功", changed.error, "记录仍保存在手机上，请到待同步记录处理"), "error");
          q(W, "[data-outbox-link]").hidden = false;
        }
      });
      FA.sync.run({ force: true }).then(function () {
        if (!done) { R.say(box, "已保存在手机上，联网后会自动同步。", "ok"); q(W, "[data-outbox-link]").hidden = false; }
      });
    }, function (err) { btn.disabled = false; R.say(box, "保存失败：" + err.message, "error"); });
  }

  // Start (or resume) the amendment of a queued visit, and open it.
  function amend(W, item) {
    return FA.store.byUser("drafts", W.user.id).then(function (drafts) {
      var open = drafts.filter(function (d) { return d.amends === item.uuid; })[0];
      if (open) return open;
      var draft = A.amendmentDraft(item, FA.uuid(), new Date().toISOString());
      return FA.store.put("drafts", draft).then(function () { return draft; });
    }).then(function (draft) { location.href = "/inspect/walk?visit=" + encodeURIComponent(draft.uuid); });
  }

  FA.walkSubmit = { openFinish: openFinish, locate: locate, submit: submit, amend: amend };
})(window.FA = window.FA || {});
