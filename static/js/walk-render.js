// Drawing the walk: the premises head, the section picker, one card per item with its
// hazard panel and, for a major hazard, the alert and its one-tap report right at the
// item; the rechecks of earlier hazards; the read-only view of a submitted visit.
// W is the walk's state (walk.js); W.on holds what a tap does.
(function (FA) {
  "use strict";
  var A = FA.walkAnswers;

  function tpl(id) { return document.getElementById(id).content.firstElementChild.cloneNode(true); }
  function q(W, sel) { return W.root.querySelector(sel); }

  // The page-level message box, above the walk: for what concerns the whole page on opening it.
  function message(text, kind) {
    var box = document.querySelector("[data-walk-message]");
    box.textContent = text || "";
    box.className = "alert " + (kind || "");
    box.hidden = !text;
  }

  // A message next to what the user just touched, brought into view.
  function say(box, text, kind) {
    box.textContent = text || "";
    box.className = "alert " + (kind || "");
    box.hidden = !text;
    if (text && box.scrollIntoView) box.scrollIntoView({ block: "nearest" });
  }

  function page(W) {
    q(W, "[data-premises]").textContent = W.premises.name;
    q(W, "[data-address]").textContent = W.premises.address || "";
    W.root.hidden = false;
    q(W, "[data-walk-body]").hidden = false;
    var nav = q(W, "[data-section-select]");
    nav.innerHTML = "";
    W.sections.forEach(function (s, i) {
      var o = document.createElement("option");
      o.value = i; o.textContent = (i + 1) + ". " + s.title;
      nav.appendChild(o);
    });
    var amending = q(W, "[data-amending]");
    amending.hidden = !W.draft.amends || W.locked;
    if (!W.sections.length) {
      q(W, "[data-walk-body]").hidden = true;  // nothing this phone can show: only discarding is left
      return;
    }
    nav.value = W.section;
    showSection(W, W.section);
    progress(W);
    if (!W.locked) rechecks(W);
  }

  function progress(W) {
    var done = W.items.filter(function (x) { return W.draft.answers[x.id] && W.draft.answers[x.id].result; }).length;
    var bar = q(W, "[data-progress]");
    bar.max = W.items.length; bar.value = done;
    q(W, "[data-progress-text]").textContent = "已检查 " + done + " / " + W.items.length + " 项";
    var opts = q(W, "[data-section-select]").options;
    W.sections.forEach(function (s, i) {
      var n = s.items.filter(function (x) { return W.draft.answers[x.id] && W.draft.answers[x.id].result; }).length;
      opts[i].textContent = (i + 1) + ". " + s.title + "（" + n + "/" + s.items.length + "）";
    });
  }

  function showSection(W, index) {
    W.section = index;
    q(W, "[data-section-select]").value = index;
    var list = q(W, "[data-items]");
    list.innerHTML = "";
    W.sections[index].items.forEach(function (x) { list.appendChild(itemCard(W, x)); });
    q(W, "[data-prev]").disabled = index === 0;
    q(W, "[data-next]").hidden = index === W.sections.length - 1;
    q(W, "[data-finish-open]").hidden = W.locked || index !== W.sections.length - 1;
    if (!W.locked) q(W, "[data-finish]").hidden = true;
  }

  function itemCard(W, x) {
    var card = tpl("tpl-item");
    var a = W.draft.answers[x.id];
    var name = "r-" + x.id.replace(/[^a-z0-9]/gi, "-");
    card.dataset.item = x.id;
    card.querySelector("[data-text]").textContent = x.item.text;
    card.querySelector("[data-major]").hidden = !x.item.major;
    card.querySelector("[data-guidance]").textContent = x.item.guidance;
    card.querySelector("[data-basis]").textContent = "依据：" + x.item.basis + (x.item.major ? "；重大隐患判定：" + x.item.major_basis : "");
    card.querySelectorAll("input[type=radio]").forEach(function (r) {
      r.name = name;
      r.checked = !!a && a.result === r.value;
      r.disabled = W.locked;
      r.addEventListener("change", function () { W.on.answer(x, card, r.value); });
    });
    var note = card.querySelector("[data-note]");
    note.id = name + "-note";
    card.querySelector("[data-note-label]").htmlFor = note.id;
    note.value = a ? a.note : "";
    note.readOnly = W.locked;
    note.addEventListener("input", debounce(function () { W.on.note(x, note.value.slice(0, 2000)); }, 400));
    FA.walkPhotos.bind(card.querySelector("[data-photos='before']"), photoOptions(W, x, "photos"));
    card.querySelector("[data-photos='before'] .photo-button").hidden = W.locked;
    card.querySelector("[data-photo-required]").hidden = !x.item.photo_required || W.locked;
    setupHazard(W, card, x);
    renderHazard(W, card, x);
    return card;
  }

  function photoOptions(W, x, field) {
    return {
      list: function () {
        var a = W.draft.answers[x.id];
        if (!a) return [];
        return field === "photos" ? a.photos : (a.hazard ? a.hazard.after_photos : []);
      },
      target: function () {
        var a = A.ensureAnswer(W.draft, x.id);
        if (field === "photos") return a.photos;
        return a.hazard ? a.hazard.after_photos : null;
      },
      changed: function () { W.on.changed(); },
      userId: function () { return W.user.id; },
      locked: function () { return W.locked; }
    };
  }

  // Bind the hazard panel's inputs once; handlers read the current hazard when they fire.
  function setupHazard(W, card, x) {
    var box = card.querySelector("[data-hazard]");
    var uid = x.id.replace(/[^a-z0-9]/gi, "-");
    box.querySelectorAll("[data-for]").forEach(function (label) { label.htmlFor = uid + "-" + label.dataset.for; });
    box.querySelectorAll("[data-name]").forEach(function (input) {
      input.id = uid + "-" + input.dataset.name;
      var key = input.dataset.name;
      input.addEventListener(input.tagName === "TEXTAREA" ? "input" : "change", function () {
        var h = A.hazardOf(W.draft, x.id);
        if (!h || W.locked || h.inherited) return;
        h[key] = input.type === "checkbox" ? input.checked : input.value;
        if (key === "level" && h.level !== "general") h.fixed_on_spot = false;
        toggles(W, card, x);
        majorAlert(W, card, x);
        W.on.changed();
      });
    });
    FA.walkPhotos.bind(box.querySelector("[data-photos='after']"), photoOptions(W, x, "after_photos"));
    card.querySelector("[data-report-major]").addEventListener("click", function () { W.on.reportMajor(x, card); });
  }

  function toggles(W, card, x) {
    var box = card.querySelector("[data-hazard]");
    var h = A.hazardOf(W.draft, x.id);
    if (!h) return;
    var d = A.hazardDefaults(x.item, A.shanghaiDate(new Date()));
    box.querySelector("[data-level-reason-row]").hidden = !(d.level === "major" && h.level === "general");
    box.querySelector("[data-deadline-reason-row]").hidden = !(h.deadline > d.deadline);
    box.querySelector("[data-spot-row]").hidden = h.level !== "general";
    box.querySelector("[data-after]").hidden = !h.fixed_on_spot;
    box.querySelector("[data-spot]").checked = !!h.fixed_on_spot;
  }

  function renderHazard(W, card, x) {
    var box = card.querySelector("[data-hazard]");
    var h = A.hazardOf(W.draft, x.id);
    box.hidden = !h;
    majorAlert(W, card, x);
    if (!h) return;
    var today = A.shanghaiDate(new Date());
    var d = A.hazardDefaults(x.item, today);
    A.HAZARD_FIELDS.forEach(function (k) {
      var input = box.querySelector('[data-name="' + k + '"]');
      input.value = h[k] || (k === "level" ? d.level : "");
      input.disabled = W.locked || !!h.inherited;
    });
    box.querySelector("[data-spot]").disabled = W.locked || !!h.inherited;
    box.querySelector('[data-name="deadline"]').min = today;
    box.querySelector("[data-default-deadline]").textContent = h.inherited
      ? "沿用原检查登记的隐患：等级和期限的变更请在隐患页面办理。"
      : x.item.deadline_days === 0 ? "该项默认当场整改（" + d.deadline + "）" : "默认期限 " + x.item.deadline_days + " 天（" + d.deadline + "）";
    box.querySelector("[data-photos='after'] .photo-button").hidden = W.locked;
    box.querySelector("[data-photos='after']").dispatchEvent(new Event("fa-redraw"));
    toggles(W, card, x);
  }

  // A major hazard is reported to the street office the same day: say so at the item,
  // with the one tap that queues the report (offline too), and what became of it.
  function majorAlert(W, card, x) {
    var box = card.querySelector("[data-major-alert]");
    var h = A.hazardOf(W.draft, x.id);
    var major = !!h && h.level === "major";
    box.hidden = !major;
    if (!major) return;
    var button = card.querySelector("[data-report-major]");
    var state = card.querySelector("[data-report-state]");
    var sent = h.reported && W.reports[h.reported];
    button.hidden = !!h.reported || W.locked;
    state.textContent = !h.reported ? "" : !sent ? "已报告街道安办（保存在手机上）"
      : sent.state === "synced" ? (sent.receipt && sent.receipt.acknowledged_at ? "街道安办已接报" : "已报送街道安办，等待接报")
      : "已报告街道安办，" + (FA.syncLabels[sent.state] || sent.state);
  }

  function debounce(fn, ms) {
    var t;
    return function () { clearTimeout(t); t = setTimeout(fn, ms); };
  }

  // --- rechecks of earlier hazards (queued as hazard events, offline too) ----

  function rechecks(W) {
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
    var card = tpl("tpl-recheck");
    card.querySelector("[data-text]").textContent = h.item_text;
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

  // A submitted visit is final on the phone: shown, never edited (a change is an amendment).
  function lock(W, item) {
    W.locked = true;
    var banner = q(W, "[data-locked]");
    banner.hidden = false;
    banner.querySelector("[data-locked-state]").textContent = item
      ? (item.state === "synced" ? "已同步到服务器" : "保存在手机上，" + (FA.syncLabels[item.state] || item.state))
      : "保存在手机上";
    q(W, "[data-discard]").hidden = true;
    q(W, "[data-rechecks]").hidden = true;
    q(W, "[data-finish-open]").hidden = true;
    W.root.querySelectorAll(".item-card input, .item-card select, .item-card textarea").forEach(function (input) {
      if (input.type === "file") return;
      input.disabled = true;
    });
    W.root.querySelectorAll(".item-card .photo-button, .item-card .thumb .remove, .item-card [data-report-major]").forEach(function (b) {
      b.hidden = true;
    });
  }

  FA.walkRender = { message: message, say: say, page: page, progress: progress, showSection: showSection,
                    renderHazard: renderHazard, majorAlert: majorAlert, lock: lock };
})(window.FA = window.FA || {});
