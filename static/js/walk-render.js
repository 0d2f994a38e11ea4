// Drawing the walk: the premises head, the section picker, one card per item — folded to
// its text and the three answers until 不符合 or until the inspector taps 更多 — with its
// hazard panel (the defect wording pre-filled and editable) and, for a major hazard, the
// alert and its one-tap report right at the item; the read-only view of a submitted visit.
// W is the walk's state (walk.js); W.on holds what a tap does.
(function (FA) {
  "use strict";
  var A = FA.walkAnswers;

  function tpl(id) { return document.getElementById(id).content.firstElementChild.cloneNode(true); }
  function q(W, sel) { return W.root.querySelector(sel); }
  function today() { return A.shanghaiDate(new Date()); }

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

  // The sticky bar's height, kept where scrolling reads it: nothing the walk brings into
  // view (an item, a focused field) ends up under the bar or under the bottom actions.
  function measureBars(W) {
    var top = q(W, "[data-walk-bar]").offsetHeight, foot = q(W, "[data-walk-foot]").offsetHeight;
    var style = document.documentElement.style;
    style.setProperty("--walk-top", top + "px");
    style.scrollPaddingTop = (top + 8) + "px";
    style.scrollPaddingBottom = (foot + 8) + "px";
  }

  // Scroll so the card's text sits just below the sticky bar.
  function reveal(W, card) {
    var top = q(W, "[data-walk-bar]").offsetHeight;
    window.scrollTo(0, Math.max(0, window.scrollY + card.getBoundingClientRect().top - top - 8));
  }

  // Bring the card's text into view only if it is hidden (under the bar or off screen).
  function keepInView(W, card) {
    var text = card.querySelector(".item-text").getBoundingClientRect();
    var bar = q(W, "[data-walk-bar]").getBoundingClientRect();
    if (text.top < bar.bottom || text.bottom > window.innerHeight) reveal(W, card);
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
    q(W, "[data-amending]").hidden = !W.draft.amends || W.locked;
    if (!W.sections.length) {
      q(W, "[data-walk-body]").hidden = true;  // nothing this phone can show: only discarding is left
      return;
    }
    nav.value = W.section;
    showSection(W, W.section);
    progress(W);
    measureBars(W);
    var earlier = (W.bundle.hazards || []).some(function (h) { return h.enterprise_id === W.premises.id; });
    if (!W.locked && earlier) {
      W.loadScripts([W.root.dataset.recheck]).then(function () { FA.walkRecheck.show(W); },
        function (err) { message(err.message, "error"); });
    }
  }

  function progress(W) {
    var done = W.items.filter(function (x) { return A.resultOf(W.draft, x.id); }).length;
    var bar = q(W, "[data-progress]");
    bar.max = W.items.length; bar.value = done;
    q(W, "[data-progress-text]").textContent = "已检查 " + done + " / " + W.items.length + " 项";
    var opts = q(W, "[data-section-select]").options;
    W.sections.forEach(function (s, i) {
      var n = s.items.filter(function (x) { return A.resultOf(W.draft, x.id); }).length;
      opts[i].textContent = (i + 1) + ". " + s.title + "（" + n + "/" + s.items.length + "）";
    });
    foot(W);
  }

  // The bottom actions: the rest of this section 符合 while items are open, the way on.
  function foot(W) {
    var rest = W.locked ? [] : A.restOfSection(W.sections[W.section], W.draft);
    var last = W.section === W.sections.length - 1;
    var allDone = !W.locked && !A.missingRequired(W.items, W.draft).length;
    q(W, "[data-rest-pass]").hidden = !rest.length;
    q(W, "[data-rest-count]").textContent = rest.length;
    q(W, "[data-prev]").disabled = W.section === 0;
    // At most three buttons at 360 px: back, the rest 符合, and on (the next section, or finishing
    // once nothing required is left or on the last section).
    var next = q(W, "[data-next]"), finish = q(W, "[data-finish-open]");
    next.hidden = last || allDone;
    next.classList.toggle("primary", !rest.length);
    finish.hidden = W.locked || !(last || allDone);
    finish.classList.toggle("primary", !rest.length);
  }

  function showSection(W, index) {
    W.section = index;
    q(W, "[data-section-select]").value = index;
    var list = q(W, "[data-items]");
    list.innerHTML = "";
    W.sections[index].items.forEach(function (x) { list.appendChild(itemCard(W, x)); });
    if (!W.locked) q(W, "[data-finish]").hidden = true;
    list.hidden = false;
    q(W, "[data-walk-foot]").hidden = false;
    foot(W);
  }

  function cardOf(W, x) { return W.root.querySelector('.item-card[data-item="' + x.id + '"]'); }

  function itemCard(W, x) {
    var card = tpl("tpl-item");
    var a = W.draft.answers[x.id];
    var uid = "i-" + x.id.replace(/[^a-z0-9]/gi, "-");
    var limits = W.bundle.limits;
    card.dataset.item = x.id;
    card.querySelector("[data-text]").textContent = x.item.text;
    card.querySelector("[data-major]").hidden = !x.item.major;
    card.querySelector("[data-expert]").hidden = !x.item.needs_expert;
    card.querySelector("[data-optional]").hidden = x.rules.required !== false;
    card.querySelector("[data-guidance]").textContent = x.item.guidance;
    card.querySelector("[data-basis]").textContent = "依据：" + x.item.basis + (x.item.major ? "；重大隐患判定：" + x.item.major_basis : "");
    card.querySelectorAll("input[type=radio]").forEach(function (r) {
      r.name = uid;
      r.checked = !!a && a.result === r.value;
      r.disabled = W.locked;
      r.addEventListener("change", function () { W.on.answer(x, card, r.value); });
    });
    card.querySelector("[data-more]").addEventListener("click", function () {
      card.dataset.open = card.dataset.open === "1" ? "" : "1";
      fold(W, card, x);
    });
    var note = card.querySelector("[data-note]");
    note.id = uid + "-note";
    note.maxLength = limits.text;
    card.querySelector("[data-note-label]").htmlFor = note.id;
    note.value = a ? a.note : "";
    note.readOnly = W.locked;
    note.addEventListener("input", debounce(function () { W.on.note(x, note.value.slice(0, limits.text)); }, 400));
    var box = card.querySelector("[data-unchecked]"), reason = card.querySelector("[data-unchecked-reason]");
    reason.maxLength = limits.reason;
    box.addEventListener("change", function () {
      W.on.unchecked(x, box.checked ? reason.value : null);
      fold(W, card, x);
      if (box.checked) reason.focus();
    });
    // The draft takes the reason at once (finishing checks it); saving it waits for a pause in typing.
    var saveReason = debounce(function () { W.on.unchecked(x, reason.value); }, 400);
    reason.addEventListener("input", function () {
      if (!W.locked && !A.resultOf(W.draft, x.id)) A.setUnchecked(W.draft, x, reason.value);
      saveReason();
    });
    FA.walkPhotos.bind(card.querySelector("[data-photos='before']"), photoOptions(W, x, "photos"));
    card.querySelector("[data-photo-required]").hidden = !x.rules.photo_required || W.locked;
    setupHazard(W, card, x);
    renderHazard(W, card, x);
    return card;
  }

  // Folded: the text and the three answers. Unfolded on 不符合, on 更多, and whenever the
  // item already holds a note, a photo or a 未检查 reason (nothing entered is ever hidden).
  function fold(W, card, x) {
    var a = W.draft.answers[x.id];
    var reason = A.uncheckedOf(W.draft, x.id);
    var open = card.dataset.open === "1" || (a && (a.result === "fail" || a.note || a.photos.length)) || reason !== null;
    card.querySelector("[data-extra]").hidden = !open;
    var more = card.querySelector("[data-more]");
    more.setAttribute("aria-expanded", open ? "true" : "false");
    more.hidden = !!(a && a.result === "fail");
    var answered = !!(a && a.result);
    if (answered) card.dataset.result = a.result; else delete card.dataset.result;
    card.querySelector("[data-unchecked-row]").hidden = answered || W.locked;
    card.querySelector("[data-unchecked]").checked = reason !== null;
    card.querySelector("[data-unchecked]").disabled = W.locked;
    var text = card.querySelector("[data-unchecked-reason]");
    text.hidden = reason === null;
    if (reason !== null && document.activeElement !== text) text.value = reason;
    text.readOnly = W.locked;
    card.classList.toggle("unchecked", !answered && reason !== null);
    card.querySelector("[data-photos='before'] .photo-button").hidden = W.locked;
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
    var limits = W.bundle.limits;
    var max = { defect: limits.defect, level_reason: limits.reason, deadline_reason: limits.reason, measure: limits.text,
                description: limits.text };
    box.querySelectorAll("[data-for]").forEach(function (label) { label.htmlFor = uid + "-" + label.dataset.for; });
    box.querySelectorAll("[data-name]").forEach(function (input) {
      input.id = uid + "-" + input.dataset.name;
      var key = input.dataset.name;
      if (max[key]) input.maxLength = max[key];
      input.addEventListener(input.tagName === "TEXTAREA" ? "input" : "change", function () {
        var h = A.hazardOf(W.draft, x.id);
        if (!h || W.locked || h.inherited) return;
        h[key] = input.type === "checkbox" ? input.checked : input.value;
        if (key === "level" && x.rules.fix_on_spot_levels.indexOf(h.level) < 0) h.fixed_on_spot = false;
        toggles(W, card, x);
        majorAlert(W, card, x);
        W.on.changed();
      });
    });
    FA.walkPhotos.bind(box.querySelector("[data-photos='after']"), photoOptions(W, x, "after_photos"));
    card.querySelector("[data-report-major]").addEventListener("click", function () { W.on.reportMajor(x, card); });
  }

  var LEVELS = { general: "一般隐患", major: "重大隐患" };

  function toggles(W, card, x) {
    var box = card.querySelector("[data-hazard]");
    var h = A.hazardOf(W.draft, x.id);
    if (!h) return;
    var d = A.hazardDefaults(x, today());
    var r = x.rules;
    box.querySelector("[data-level-reason-row]").hidden = !(r.level_reason_if_lowered && h.level === "general");
    box.querySelector("[data-deadline-reason-row]").hidden = !(h.deadline > A.addDays(today(), r.deadline_reason_after_days));
    box.querySelector("[data-spot-row]").hidden = r.fix_on_spot_levels.indexOf(h.level) < 0;
    box.querySelector("[data-after]").hidden = !h.fixed_on_spot;
    box.querySelector("[data-spot]").checked = !!h.fixed_on_spot;
    box.querySelector("[data-hazard-line]").textContent = LEVELS[h.level] + " · 整改期限 " + (h.deadline || "未填") +
      (h.deadline === d.deadline ? (r.default_deadline_days === 0 ? "（当日）" : "（默认 " + r.default_deadline_days + " 天）") : "");
  }

  function renderHazard(W, card, x) {
    var box = card.querySelector("[data-hazard]");
    var h = A.hazardOf(W.draft, x.id);
    box.hidden = !h;
    fold(W, card, x);
    majorAlert(W, card, x);
    if (!h) return;
    var d = A.hazardDefaults(x, today());
    A.HAZARD_FIELDS.forEach(function (k) {
      var input = box.querySelector('[data-name="' + k + '"]');
      input.value = h[k] || (k === "level" ? d.level : "");
      input.disabled = W.locked || !!h.inherited;
    });
    box.querySelector("[data-spot]").disabled = W.locked || !!h.inherited;
    var deadline = box.querySelector('[data-name="deadline"]');
    deadline.min = today();
    deadline.max = A.addDays(today(), x.rules.max_deadline_days);
    box.querySelector("[data-default-deadline]").textContent = h.inherited
      ? "沿用原检查登记的隐患：等级和期限的变更请在隐患页面办理。"
      : x.rules.default_deadline_days === 0 ? "该项默认当场整改（" + d.deadline + "）" : "默认期限 " + x.rules.default_deadline_days + " 天（" + d.deadline + "）";
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
    // A unit not yet in the register has no premises to report against: the office hears of it with the unit.
    button.hidden = !!h.reported || W.locked || !!W.premises.unit;
    state.textContent = !h.reported ? "" : !sent ? "已报告街道安办（保存在手机上）"
      : sent.state === "synced" ? (sent.receipt && sent.receipt.acknowledged_at ? "街道安办已接报" : "已报送街道安办，等待接报")
      : "已报告街道安办，" + (FA.syncLabels[sent.state] || sent.state);
  }

  function debounce(fn, ms) {
    var t;
    return function () { clearTimeout(t); t = setTimeout(fn, ms); };
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
    q(W, "[data-rest-pass]").hidden = true;
    W.root.querySelectorAll(".item-card input, .item-card select, .item-card textarea, .finish input, .finish textarea").forEach(function (input) {
      if (input.type === "file") return;
      input.disabled = true;
    });
    W.root.querySelectorAll(".item-card .photo-button, .item-card .thumb .remove, .item-card [data-report-major], [data-sign-clear]").forEach(function (b) {
      b.hidden = true;
    });
  }

  FA.walkRender = { message: message, say: say, page: page, progress: progress, showSection: showSection, cardOf: cardOf,
                    reveal: reveal, keepInView: keepInView, measureBars: measureBars, renderHazard: renderHazard,
                    majorAlert: majorAlert, fold: fold, lock: lock, tpl: tpl };
})(window.FA = window.FA || {});
