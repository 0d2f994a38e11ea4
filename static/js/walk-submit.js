// Finishing the walk on site (loaded when 完成检查 is first opened): the summary with each
// hazard (level, deadline, photo) and links to the items still unanswered, the GB 35181
// combined-judgement proposal to confirm or decline, the responsible person's signature
// (or refusal, with the reason), the location; then one step that moves the draft to the
// outbox — after which the visit is final on the phone (a later change is an amendment).
(function (FA) {
  "use strict";
  var A = FA.walkAnswers, R = FA.walkRender, F = FA.walkFire;
  var LEVELS = { general: "一般隐患", major: "重大隐患" };

  function q(W, sel) { return W.root.querySelector(sel); }
  function today() { return A.shanghaiDate(new Date()); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  // Back to an item from the summary: its section, the item in view and unfolded.
  function toItem(W, x) {
    showWalk(W);
    W.go(x.section, x);
    var card = R.cardOf(W, x);
    if (card) { card.dataset.open = "1"; R.fold(W, card, x); }
  }

  function showWalk(W) {
    q(W, "[data-finish]").hidden = true;
    q(W, "[data-items]").hidden = false;
    q(W, "[data-walk-foot]").hidden = false;
  }

  // Item problems are fixed at the item: show the first one's section with every message.
  function showProblems(W, bad) {
    var first = bad[0];
    showWalk(W);
    W.go(first.x.section, first.x);
    bad.forEach(function (b) {
      var card = R.cardOf(W, b.x);
      if (card) card.querySelector("[data-item-error]").textContent = b.msg;
    });
    var card = R.cardOf(W, first.x);
    if (card && bad.length > 1) {
      card.querySelector("[data-item-error]").textContent = first.msg + "（共 " + bad.length + " 项需要补充，请按红字提示修改）";
    }
  }

  function proposal(W) {
    var rules = W.bundle.fire_judgement;
    return F.propose(rules, F.failedElements(W.items, W.draft.answers), W.premises.fire_venue_kind || "other", today());
  }

  function openFinish(W) {
    var bad = A.problems(W.items, W.draft, today(), W.bundle.limits);
    if (bad.length) return showProblems(W, bad);
    R.message("");
    q(W, "[data-items]").hidden = true;
    q(W, "[data-walk-foot]").hidden = true;
    var box = q(W, "[data-finish]");
    box.hidden = false;
    var summary = q(W, "[data-summary]");
    summary.innerHTML = "";
    A.summary(W.items, W.draft.answers).forEach(function (pair) {
      summary.appendChild(el("dt", pair[0]));
      summary.appendChild(el("dd", String(pair[1])));
    });
    found(W);
    openItems(W);
    combined(W);
    signOff(W);
    q(W, "[data-finish-error]").textContent = "";
    window.scrollTo(0, Math.max(0, window.scrollY + box.getBoundingClientRect().top - q(W, "[data-walk-bar]").offsetHeight - 8));
    locate(W);
  }

  // Each hazard with its level, deadline and first photo; a tap goes back to the item.
  function found(W) {
    var list = q(W, "[data-found]");
    var rows = A.hazards(W.items, W.draft);
    list.innerHTML = "";
    q(W, "[data-found-box]").hidden = !rows.length;
    rows.forEach(function (r) {
      var li = el("li", "", "found");
      var text = el("div");
      text.appendChild(el("strong", r.hazard.defect || r.x.item.defect));
      text.appendChild(el("span", LEVELS[r.hazard.level] + " · 整改期限 " + r.hazard.deadline +
        (r.hazard.fixed_on_spot ? " · 已当场整改" : "") + " · 照片 " + r.photos.length + " 张", "meta"));
      var edit = el("button", "修改", "link");
      edit.type = "button";
      edit.addEventListener("click", function () { toItem(W, r.x); });
      text.appendChild(edit);
      li.appendChild(text);
      if (r.photos.length) {
        var img = el("img");
        img.alt = "隐患照片"; img.width = 64; img.height = 64;
        FA.store.get("photos", r.photos[0]).then(function (p) { if (p) img.src = URL.createObjectURL(p.blob); });
        li.appendChild(img);
      }
      list.appendChild(li);
    });
  }

  // Every item without an answer: required ones need an answer or 未检查 with a reason.
  function openItems(W) {
    var list = q(W, "[data-open-list]");
    var rows = A.unanswered(W.items, W.draft);
    list.innerHTML = "";
    q(W, "[data-open-box]").hidden = !rows.length;
    rows.forEach(function (u) {
      var li = el("li", "", u.required && !(u.reason || "").trim() ? "missing" : "");
      var go = el("button", u.x.item.text, "link");
      go.type = "button";
      go.addEventListener("click", function () { toItem(W, u.x); });
      li.appendChild(go);
      li.appendChild(el("span", u.reason !== null ? " 未检查：" + u.reason : u.required ? " 必答，未作答" : " 选答，未作答", "meta"));
      list.appendChild(li);
    });
  }

  // The GB 35181 proposal when the failed elements reach a threshold: 确认 or 不予认定 (with a reason).
  function combined(W) {
    var box = q(W, "[data-combined]");
    var p = proposal(W);
    box.hidden = !p;
    if (!p) return;
    var answer = W.draft.fire_combined;
    if (answer && answer.counted !== F.signature(p)) answer = W.draft.fire_combined = null;  // what was counted changed
    box.querySelector("[data-combined-rule]").textContent = "依据 " + p.edition + " " + p.rule + "（" + p.venue_kind_label + "）" +
      (p.unverified ? "。2025版综合判定条款待核实，按2017版要素提出。" : "");
    var items = box.querySelector("[data-combined-items]");
    items.innerHTML = "";
    p.counted.forEach(function (f) { items.appendChild(el("li", f.defect + "（要素 " + f.element + "）")); });
    var reason = box.querySelector("[data-combined-reason]");
    reason.maxLength = W.bundle.limits.reason;
    reason.value = answer ? answer.reason || "" : "";
    box.querySelectorAll("[data-combined-choice]").forEach(function (r) {
      r.checked = !!answer && answer.decision === r.value;
      r.onchange = function () { decide(W, p, r.value, reason.value); };
    });
    reason.oninput = function () { if (W.draft.fire_combined) { W.draft.fire_combined.reason = reason.value; W.persist(); } };
    box.querySelector("[data-combined-reason-row]").hidden = !(answer && answer.decision === "decline");
  }

  function decide(W, p, decision, reason) {
    var before = W.draft.fire_combined || {};
    W.draft.fire_combined = { decision: decision, reason: reason, counted: F.signature(p),
                              hazard_uuid: before.hazard_uuid || FA.uuid(),
                              deadline: A.addDays(today(), F.DEFAULT_DEADLINE_DAYS) };
    q(W, "[data-combined-reason-row]").hidden = decision !== "decline";
    W.persist();
  }

  // The responsible person signs on the pad, or the inspector records a refusal and its reason.
  var pad = null;
  function signOff(W) {
    var box = q(W, "[data-sign-off]");
    var canvas = box.querySelector("[data-sign-pad]");
    var state = box.querySelector("[data-sign-state]");
    var signer = box.querySelector("[data-signer]"), reason = box.querySelector("[data-refuse-reason]");
    signer.maxLength = W.bundle.limits.owner;
    reason.maxLength = W.bundle.limits.reason;
    if (!W.draft.sign_off) W.draft.sign_off = { status: "signed", signature: null, signer: "", reason: "" };
    var s = W.draft.sign_off;
    function mode() {
      box.querySelectorAll("[data-sign-mode]").forEach(function (r) { r.checked = r.value === s.status; });
      box.querySelector("[data-sign-box]").hidden = s.status !== "signed";
      box.querySelector("[data-refuse-box]").hidden = s.status !== "refused";
    }
    if (!pad) {
      pad = FA.signPad.bind(canvas, {
        locked: function () { return W.locked; },
        changed: function (blob) {
          var old = s.signature;
          var kept = blob ? FA.signPad.keep(blob, W.user.id) : Promise.resolve(null);
          kept.then(function (sha) {
            s.signature = sha;
            s.signed_at = sha ? new Date().toISOString() : null;
            state.textContent = sha ? "已签名（保存在手机上）" : "请在框内签名";
            // The replaced image is not evidence of anything: it never leaves the phone.
            if (old && old !== sha) FA.sync.dropPhotos([old], null);
            W.persist();
          });
        }
      });
      box.querySelector("[data-sign-clear]").addEventListener("click", function () { pad.clear(); });
      box.querySelectorAll("[data-sign-mode]").forEach(function (r) {
        r.addEventListener("change", function () { s.status = r.value; mode(); W.persist(); });
      });
      signer.addEventListener("input", function () { s.signer = signer.value; W.persist(); });
      reason.addEventListener("input", function () { s.reason = reason.value; W.persist(); });
      if (s.signature) {
        FA.store.get("photos", s.signature).then(function (p) {
          if (p) pad.restore(p.blob).then(function () { state.textContent = "已签名（保存在手机上）"; });
        });
      }
    }
    signer.value = s.signer || "";
    reason.value = s.reason || "";
    mode();
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

  // What still stops the visit from being finished, with the block to bring into view.
  function blocker(W, p) {
    var missing = A.missingRequired(W.items, W.draft);
    if (missing.length) {
      return { msg: "还有 " + missing.length + " 项必答项未作答：请作答，或在该项选择“未检查”并说明原因", at: "[data-open-box]" };
    }
    var fire = F.problem(p, W.draft.fire_combined);
    if (fire) return { msg: fire, at: "[data-combined]" };
    var sign = A.signOffProblem(W.draft.sign_off);
    if (sign) return { msg: sign, at: "[data-sign-off]" };
    var stale = W.lists.filter(function (c) { return !A.inForce(c, today()); });
    if (stale.length) {
      return { msg: "《" + stale[0].title + "》今天已不施行，按它检查的记录会被拒收：请放弃本次检查，重新开始", at: "[data-summary]" };
    }
    return null;
  }

  // Move the draft to the outbox (one visit, one version), lock the walk, send it.
  function submit(W) {
    var bad = A.problems(W.items, W.draft, today(), W.bundle.limits);
    if (bad.length) return showProblems(W, bad);
    var p = proposal(W);
    var stop = blocker(W, p);
    var err = q(W, "[data-finish-error]");
    if (stop) {
      err.textContent = stop.msg;
      q(W, stop.at).scrollIntoView({ block: "start" });
      return;
    }
    err.textContent = "";
    var btn = q(W, "[data-submit]");
    var box = q(W, "[data-finish-message]");
    btn.disabled = true;
    var answer = F.body(p, W.draft.fire_combined);
    var item = A.buildVisit(W.draft, W.items, W.location || { status: "timeout" }, new Date().toISOString(), answer);
    // For the notice printed on the phone before any sync: the combined hazard as the server will word it.
    if (answer && answer.decision === "confirm") item.fire_combined_defect = F.defect(p);
    // Queued (with its state) before the draft goes: at no moment is the visit in neither store.
    FA.sync.queue(item).then(function () { return FA.store.del("drafts", W.draft.uuid); }).then(function () {
      W.submitted = true;
      R.lock(W, null);
      btn.hidden = true;
      q(W, "[data-relocate]").hidden = true;
      q(W, "[data-finish-back]").hidden = true;
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
        if (changed.state === "synced" && item.body.unit) {
          // A unit found in the field: the server holds the visit until the office decides, or has decided.
          done = true;
          var held = changed.receipt && changed.receipt.status;
          R.say(box, held === "attached" ? "已同步：该单位已入册，检查记录已记入该场所。"
            : held === "unit_rejected" ? "已同步：该单位未予入册，检查记录由服务器存档，不记入在册场所。"
            : "已同步：检查记录由服务器保存，街道安办审核该单位入册后记入。", "ok");
          q(W, "[data-outbox-link]").hidden = false;
        } else if (changed.state === "synced") { done = true; location.href = "/visits/" + item.uuid; }
        else if (["conflict", "failed", "rejected"].indexOf(changed.state) >= 0) {
          done = true;
          R.say(box, FA.sentence("同步未成功", changed.error, "记录仍保存在手机上，请到待同步记录处理"), "error");
          q(W, "[data-outbox-link]").hidden = false;
        }
      });
      FA.sync.run({ force: true }).then(function () {
        if (!done) { R.say(box, "已保存在手机上，联网后会自动同步。", "ok"); q(W, "[data-outbox-link]").hidden = false; }
      });
    }, function (e) { btn.disabled = false; R.say(box, "保存失败：" + e.message, "error"); });
  }

  var wired = null;
  FA.walkSubmit = {
    openFinish: function (W) {
      if (wired !== W) {
        wired = W;
        q(W, "[data-submit]").addEventListener("click", function () { submit(W); });
        q(W, "[data-relocate]").addEventListener("click", function () { locate(W); });
        q(W, "[data-finish-back]").addEventListener("click", function () { showWalk(W); W.go(W.section); });
      }
      openFinish(W);
    }
  };
})(window.FA = window.FA || {});
