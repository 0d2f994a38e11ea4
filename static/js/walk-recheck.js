// Rechecks of a premises' earlier hazards during a walk, queued as hazard events (offline
// too): verify or reject a closure the enterprise submitted, or submit a rectification seen
// on site with its after photos.
(function (FA) {
  "use strict";

  function q(W, sel) { return W.root.querySelector(sel); }

  function show(W) {
    var box = q(W, "[data-rechecks]");
    var list = box.querySelector("[data-recheck-list]");
    var mine = (W.bundle.hazards || []).filter(function (h) { return h.enterprise_id === W.premises.id; });
    list.innerHTML = "";
    box.hidden = !mine.length;
    if (!mine.length) return;
    FA.store.byUser("outbox", W.user.id).then(function (items) {
      var queued = {};
      items.forEach(function (i) { if (i.type === "event") queued[i.hazard_uuid] = i; });
      mine.forEach(function (h) { list.appendChild(recheckCard(W, h, queued[h.uuid])); });
    });
  }

  function recheckCard(W, h, queued) {
    var card = FA.walkRender.tpl("tpl-recheck");
    card.querySelector("[data-text]").textContent = h.defect || h.item_text;
    card.querySelector("[data-meta]").textContent = (h.level === "major" ? "重大隐患 · " : "一般隐患 · ") +
      (h.state === "rectified" ? "企业已提交整改，待复查" : (h.overdue ? "已逾期" : "待整改")) + " · 期限 " + h.deadline;
    var done = card.querySelector("[data-queued]");
    var forms = card.querySelector("[data-recheck-actions]");
    if (queued) {
      done.hidden = false;
      done.textContent = "已记录：" + ({ verify: "复查通过", reject: "复查不通过", submit_rectification: "已整改" }[queued.body.action] || "") +
        "（" + (FA.syncLabels[queued.state] || queued.state) + "）";
      forms.hidden = true;
      return card;
    }
    var note = card.querySelector("[data-recheck-note]");
    var zone = card.querySelector("[data-photos='recheck']");
    var shots = [];
    FA.walkPhotos.bind(zone, {
      list: function () { return shots; }, target: function () { return shots; }, changed: function () {},
      userId: function () { return W.user.id; }, locked: function () { return false; }
    });
    var verifyOk = h.state === "rectified" && h.level === "general";
    card.querySelector("[data-act='verify']").hidden = !verifyOk;
    card.querySelector("[data-act='reject']").hidden = !verifyOk;
    card.querySelector("[data-act='submit_rectification']").hidden = h.state !== "open";
    zone.hidden = h.state !== "open";
    if (h.state === "rectified" && h.level === "major") {
      done.hidden = false;
      done.textContent = "重大隐患由街道安办复查销号";
      forms.hidden = true;
    }
    card.querySelectorAll("[data-act]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var action = btn.dataset.act;
        var text = note.value.trim();
        var err = card.querySelector("[data-item-error]");
        if ((action === "reject" || action === "submit_rectification") && !text) { err.textContent = "请填写说明"; return; }
        if (action === "submit_rectification" && !shots.length) { err.textContent = "请拍整改后照片"; return; }
        var eventId = FA.uuid();
        var item = { uuid: eventId, type: "event", user_id: W.user.id, enterprise_id: W.premises.id,
                     enterprise_name: W.premises.name + " · " + h.item_text, hazard_uuid: h.uuid,
                     body: { uuid: eventId, action: action, version: h.version, note: text, photos: shots.slice() },
                     photos: shots.slice() };
        FA.sync.enqueue(item);
        card.replaceWith(recheckCard(W, h, item));
      });
    });
    return card;
  }

  FA.walkRecheck = { show: show };
})(window.FA = window.FA || {});
