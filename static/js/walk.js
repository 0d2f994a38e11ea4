// The checklist walk. Everything is kept on the phone as it is given (IndexedDB), so a
// reload, a dropped link or a day without signal loses nothing; the finished visit
// goes to the outbox and up through PUT /api/v1/visits/{uuid}.
(function (FA) {
  "use strict";
  var root = document.getElementById("walk-app");
  if (!root) return;
  var el = function (sel) { return root.querySelector(sel); };
  var tpl = function (id) { return document.getElementById(id).content.firstElementChild.cloneNode(true); };
  var RESULT_TEXT = { pass: "符合", fail: "不符合", na: "不适用" };
  var state = { user: null, bundle: null, premises: null, lists: [], items: [], draft: null, section: 0 };
  var objectUrls = {};

  function shanghaiDate(date) {
    // en-CA formats as YYYY-MM-DD; deadlines count in Asia/Shanghai like the server.
    return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
  }
  function addDays(isoDate, days) {
    var d = new Date(isoDate + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function message(text, kind) {
    var box = document.querySelector("[data-walk-message]");
    box.textContent = text || "";
    box.className = "alert " + (kind || "");
    box.hidden = !text;
  }
  function saved(text) { el("[data-save-status]").textContent = text; }

  // --- loading --------------------------------------------------------------

  function loadBundle(userId, refresh) { return FA.sync.bundle(userId, refresh); }

  function who() {
    return FA.sync.session().then(function (s) {
      return s.user;
    }).catch(function () { return FA.store.get("kv", "last_user"); });
  }

  function start() {
    var params = new URLSearchParams(location.search);
    var visitId = params.get("visit");
    var entId = parseInt(params.get("enterprise"), 10);
    who().then(function (user) {
      if (!user) { message("请先登录。", "error"); return; }
      state.user = user;
      return (visitId ? FA.store.get("drafts", visitId) : Promise.resolve(null)).then(function (draft) {
        if (draft && draft.user_id !== user.id) draft = null;
        if (draft) entId = draft.enterprise_id;
        return loadBundle(user.id, false).then(function (bundle) {
          var premises = bundle && find(bundle, entId);
          if (!premises && navigator.onLine) {
            return loadBundle(user.id, true).then(function (b2) { bundle = b2; return b2 && find(b2, entId); })
              .then(function (p) { return [bundle, p, draft]; });
          }
          return [bundle, premises, draft];
        });
      }).then(function (got) {
        var bundle = got[0], premises = got[1], draft = got[2];
        if (!bundle) { message("手机上还没有离线数据：请联网打开一次本页面。", "error"); return; }
        if (!premises) { message("在离线数据中找不到该场所，或它不在您的网格内。", "error"); return; }
        state.bundle = bundle; state.premises = premises;
        return resumeOrCreate(premises, draft).then(render);
      });
    }).catch(function (err) { message("打开检查失败：" + err.message, "error"); });
  }

  function find(bundle, id) {
    for (var i = 0; i < bundle.enterprises.length; i++) if (bundle.enterprises[i].id === id) return bundle.enterprises[i];
    return null;
  }

  function resumeOrCreate(premises, draft) {
    var found = draft ? Promise.resolve(draft) : FA.store.byUser("drafts", state.user.id).then(function (drafts) {
      // One open draft per premises: resume it rather than start a second.
      return drafts.filter(function (d) { return d.enterprise_id === premises.id; })[0] || null;
    });
    return found.then(function (existing) {
      // A draft with nothing answered on a checklist version this phone no longer holds is simply replaced.
      if (existing && !answeredCount(existing) && !versionsHeld(existing)) {
        return discardDraft(existing).then(function () { return newDraft(premises); });
      }
      return existing || newDraft(premises);
    }).then(setDraft);
  }

  function answeredCount(draft) {
    return Object.keys(draft.answers || {}).filter(function (k) { return draft.answers[k].result; }).length;
  }

  function versionsHeld(draft) {
    return draft.checklists.every(function (ref) {
      return state.bundle.checklists.some(function (c) { return c.id === ref.id && c.version === ref.version; });
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
    var n = answeredCount(state.draft);
    if (n && !window.confirm("放弃后，本次检查已填写的 " + n + " 项和照片将从手机上删除，且不会上传。确定放弃吗？")) return;
    discardDraft(state.draft).then(function () { location.href = "/inspect"; },
      function (err) { message("放弃失败：" + err.message, "error"); });
  }

  function newDraft(premises) {
    var draft = {
      uuid: uuid(), user_id: state.user.id, enterprise_id: premises.id, enterprise_name: premises.name,
      checklists: premises.checklists.map(function (c) { return { id: c.id, version: c.version }; }),
      started_at: new Date().toISOString(), answers: {}, section: 0, item_count: 0
    };
    return FA.store.put("drafts", draft).then(function () { return draft; });
  }

  function setDraft(draft) {
    state.draft = draft;
    state.lists = draft.checklists.map(function (ref) {
      return state.bundle.checklists.filter(function (c) { return c.id === ref.id && c.version === ref.version; })[0];
    }).filter(Boolean);
    if (state.lists.length !== draft.checklists.length) {
      message("检查清单已更新，这次未完成的检查缺少旧版本的内容：可以完成剩下的部分，或点“放弃本次检查”后重新开始。", "error");
    }
    state.sections = [];
    state.lists.forEach(function (c) {
      c.sections.forEach(function (s) {
        var items = c.items.filter(function (i) { return i.section === s.key; })
          .map(function (i) { return { list: c, item: i, id: c.id + "/" + i.key }; });
        if (items.length) state.sections.push({ title: c.title + " · " + s.title, items: items });
      });
    });
    state.items = [].concat.apply([], state.sections.map(function (s) { return s.items; }));
    draft.item_count = state.items.length;
    state.section = Math.min(draft.section || 0, state.sections.length - 1);
    history.replaceState(null, "", "?visit=" + draft.uuid);
    return draft;
  }

  function persist() {
    saved("保存中…");
    state.draft.updated_at = Date.now();
    return FA.store.put("drafts", state.draft).then(function () { saved("已保存在手机上"); },
      function (err) { saved("保存失败！" + err.message); });
  }

  // --- rendering ------------------------------------------------------------

  function render() {
    el("[data-premises]").textContent = state.premises.name;
    el("[data-address]").textContent = state.premises.address || "";
    root.hidden = false;
    el("[data-walk-body]").hidden = false;
    var nav = el("[data-section-select]");
    nav.innerHTML = "";
    state.sections.forEach(function (s, i) {
      var o = document.createElement("option");
      o.value = i; o.textContent = (i + 1) + ". " + s.title;
      nav.appendChild(o);
    });
    if (!state.sections.length) {
      el("[data-walk-body]").hidden = true;  // nothing this phone can show: only discarding is left
      return;
    }
    nav.value = state.section;
    showSection(state.section);
    progress();
    renderRechecks();
  }

  // --- rechecks of earlier hazards (queued as hazard events, offline too) ----

  function renderRechecks() {
    var box = el("[data-rechecks]");
    var list = box.querySelector("[data-recheck-list]");
    var mine = (state.bundle.hazards || []).filter(function (h) { return h.enterprise_id === state.premises.id; });
    list.innerHTML = "";
    box.hidden = !mine.length;
    if (!mine.length) return;
    FA.store.byUser("outbox", state.user.id).then(function (items) {
      var queued = {};
      items.forEach(function (i) { if (i.type === "event") queued[i.hazard_uuid] = i; });
      mine.forEach(function (h) { list.appendChild(recheckCard(h, queued[h.uuid])); });
    });
  }

  function recheckCard(h, queued) {
    var card = tpl("tpl-recheck");
    card.querySelector("[data-text]").textContent = h.item_text;
    card.querySelector("[data-meta]").textContent = (h.level === "major" ? "重大隐患 · " : "一般隐患 · ") +
      (h.state === "rectified" ? "企业已提交整改，待复查" : (h.overdue ? "已逾期" : "待整改")) + " · 期限 " + h.deadline;
    var done = card.querySelector("[data-queued]");
    var forms = card.querySelector("[data-recheck-actions]");
    if (queued) {
      done.hidden = false;
      done.textContent = "已记录：" + ({ verify: "复查通过", reject: "复查不通过", submit_rectification: "已整改" }[queued.body.action] || "") +
        "（" + (FA.sync.LABELS[queued.state] || queued.state) + "）";
      forms.hidden = true;
      return card;
    }
    var note = card.querySelector("[data-recheck-note]");
    var zone = card.querySelector("[data-photos='recheck']");
    var shots = [];
    zone.querySelector("input[type=file]").addEventListener("change", function (e) {
      var files = Array.prototype.slice.call(e.target.files || []);
      var chain = Promise.resolve();
      files.forEach(function (file) {
        chain = chain.then(function () { return FA.photo.prepare(file, state.user.id); }).then(function (p) {
          if (shots.indexOf(p.sha) < 0) shots.push(p.sha);
          var fig = tpl("tpl-thumb");
          fig.querySelector("img").src = URL.createObjectURL(p.blob);
          fig.querySelector("button").hidden = true;
          zone.querySelector("[data-thumbs]").appendChild(fig);
        });
      });
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
        var eventId = uuid();
        var item = { uuid: eventId, type: "event", user_id: state.user.id, enterprise_id: state.premises.id,
                     enterprise_name: state.premises.name + " · " + h.item_text, hazard_uuid: h.uuid,
                     body: { uuid: eventId, action: action, version: h.version, note: text, photos: shots.slice() },
                     photos: shots.slice() };
        FA.sync.enqueue(item);
        card.replaceWith(recheckCard(h, item));
      });
    });
    return card;
  }

  function progress() {
    var done = state.items.filter(function (x) { return state.draft.answers[x.id]; }).length;
    var bar = el("[data-progress]");
    bar.max = state.items.length; bar.value = done;
    el("[data-progress-text]").textContent = "已检查 " + done + " / " + state.items.length + " 项";
    var opts = el("[data-section-select]").options;
    state.sections.forEach(function (s, i) {
      var n = s.items.filter(function (x) { return state.draft.answers[x.id]; }).length;
      opts[i].textContent = (i + 1) + ". " + s.title + "（" + n + "/" + s.items.length + "）";
    });
  }

  function showSection(index) {
    state.section = index;
    state.draft.section = index;
    el("[data-section-select]").value = index;
    var list = el("[data-items]");
    list.innerHTML = "";
    state.sections[index].items.forEach(function (x) { list.appendChild(itemCard(x)); });
    el("[data-prev]").disabled = index === 0;
    el("[data-next]").hidden = index === state.sections.length - 1;
    el("[data-finish-open]").hidden = index !== state.sections.length - 1;
    el("[data-finish]").hidden = true;
  }

  function itemCard(x) {
    var card = tpl("tpl-item");
    var a = state.draft.answers[x.id];
    var name = "r-" + x.id.replace(/[^a-z0-9]/gi, "-");
    card.dataset.item = x.id;
    card.querySelector("[data-text]").textContent = x.item.text;
    card.querySelector("[data-major]").hidden = !x.item.major;
    card.querySelector("[data-guidance]").textContent = x.item.guidance;
    card.querySelector("[data-basis]").textContent = "依据：" + x.item.basis + (x.item.major ? "；重大隐患判定：" + x.item.major_basis : "");
    card.querySelectorAll("input[type=radio]").forEach(function (r) {
      r.name = name;
      r.checked = !!a && a.result === r.value;
      r.addEventListener("change", function () { answer(x, card, r.value); });
    });
    var note = card.querySelector("[data-note]");
    note.id = name + "-note";
    card.querySelector("[data-note-label]").htmlFor = note.id;
    note.value = a ? a.note : "";
    note.addEventListener("input", debounce(function () { ensureAnswer(x).note = note.value.slice(0, 2000); persist(); }, 400));
    bindPhotos(card.querySelector("[data-photos='before']"), x, "photos");
    card.querySelector("[data-photo-required]").hidden = !x.item.photo_required;
    setupHazard(card, x);
    renderHazard(card, x);
    return card;
  }

  function ensureAnswer(x) {
    if (!state.draft.answers[x.id]) state.draft.answers[x.id] = { result: null, note: "", photos: [], hazard: null };
    return state.draft.answers[x.id];
  }

  function answer(x, card, result) {
    var a = ensureAnswer(x);
    a.result = result;
    if (result === "fail" && !a.hazard) {
      var today = shanghaiDate(new Date());
      a.hazard = {
        uuid: uuid(), level: x.item.major ? "major" : "general", level_reason: "",
        deadline: addDays(today, x.item.deadline_days), deadline_reason: "", description: "",
        fixed_on_spot: false, after_photos: []
      };
      if (x.item.major) message("这是重大隐患：请当日报告街道安办。", "error");
    }
    if (result !== "fail") a.hazard = null;
    card.querySelector("[data-item-error]").textContent = "";
    renderHazard(card, x);
    persist();
    progress();
  }

  function hazardOf(x) {
    var a = state.draft.answers[x.id];
    return a && a.result === "fail" ? a.hazard : null;
  }

  // Bind the hazard panel's inputs once; handlers read the current hazard when they fire.
  function setupHazard(card, x) {
    var box = card.querySelector("[data-hazard]");
    var uid = x.id.replace(/[^a-z0-9]/gi, "-");
    box.querySelectorAll("[data-for]").forEach(function (label) { label.htmlFor = uid + "-" + label.dataset.for; });
    box.querySelectorAll("[data-name]").forEach(function (input) {
      input.id = uid + "-" + input.dataset.name;
      var key = input.dataset.name;
      input.addEventListener(input.tagName === "TEXTAREA" ? "input" : "change", function () {
        var h = hazardOf(x);
        if (!h) return;
        h[key] = input.type === "checkbox" ? input.checked : input.value;
        if (key === "level" && h.level !== "general") h.fixed_on_spot = false;
        toggles(card, x); persist();
      });
    });
    bindPhotos(box.querySelector("[data-photos='after']"), x, "after_photos");
  }

  function defaults(x) {
    return { deadline: addDays(shanghaiDate(new Date()), x.item.deadline_days), level: x.item.major ? "major" : "general" };
  }

  function toggles(card, x) {
    var box = card.querySelector("[data-hazard]");
    var h = hazardOf(x);
    if (!h) return;
    var d = defaults(x);
    box.querySelector("[data-level-reason-row]").hidden = !(d.level === "major" && h.level === "general");
    box.querySelector("[data-deadline-reason-row]").hidden = !(h.deadline > d.deadline);
    box.querySelector("[data-spot-row]").hidden = h.level !== "general";
    box.querySelector("[data-after]").hidden = !h.fixed_on_spot;
    box.querySelector("[data-spot]").checked = !!h.fixed_on_spot;
  }

  function renderHazard(card, x) {
    var box = card.querySelector("[data-hazard]");
    var h = hazardOf(x);
    box.hidden = !h;
    if (!h) return;
    var d = defaults(x);
    var fields = { level: h.level, deadline: h.deadline, description: h.description, level_reason: h.level_reason,
                   deadline_reason: h.deadline_reason };
    Object.keys(fields).forEach(function (k) { box.querySelector('[data-name="' + k + '"]').value = fields[k]; });
    box.querySelector('[data-name="deadline"]').min = shanghaiDate(new Date());
    box.querySelector("[data-default-deadline]").textContent = x.item.deadline_days === 0
      ? "该项默认当场整改（" + d.deadline + "）" : "默认期限 " + x.item.deadline_days + " 天（" + d.deadline + "）";
    box.querySelector("[data-photos='after']").dispatchEvent(new Event("fa-redraw"));
    toggles(card, x);
  }

  function bindPhotos(zone, x, field) {
    var input = zone.querySelector("input[type=file]");
    var thumbs = zone.querySelector("[data-thumbs]");
    var status = zone.querySelector("[data-photo-status]");
    function list() {
      var a = state.draft.answers[x.id];
      if (!a) return [];
      return field === "photos" ? a.photos : (a.hazard ? a.hazard.after_photos : []);
    }
    function draw() {
      thumbs.innerHTML = "";
      list().forEach(function (sha) {
        var fig = tpl("tpl-thumb");
        var img = fig.querySelector("img");
        FA.store.get("photos", sha).then(function (p) {
          if (!p) { img.alt = "照片已同步"; return; }
          objectUrls[sha] = objectUrls[sha] || URL.createObjectURL(p.blob);
          img.src = objectUrls[sha];
        });
        fig.querySelector("button").addEventListener("click", function () {
          var arr = list(); arr.splice(arr.indexOf(sha), 1); persist(); draw();
        });
        thumbs.appendChild(fig);
      });
    }
    zone.addEventListener("fa-redraw", draw);
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length) return;
      var a = ensureAnswer(x);
      if (field === "after_photos" && !a.hazard) return;
      status.textContent = "正在处理照片…";
      var chain = Promise.resolve();
      files.forEach(function (file, i) {
        chain = chain.then(function () {
          status.textContent = "正在处理第 " + (i + 1) + "/" + files.length + " 张照片…";
          return FA.photo.prepare(file, state.user.id).then(function (p) {
            var arr = field === "photos" ? a.photos : a.hazard.after_photos;
            if (arr.indexOf(p.sha) < 0) arr.push(p.sha);
          });
        });
      });
      chain.then(function () { status.textContent = ""; input.value = ""; persist(); draw(); },
        function (err) { status.textContent = "照片处理失败：" + err.message; });
    });
    draw();
  }

  function debounce(fn, ms) {
    var t;
    return function () { clearTimeout(t); t = setTimeout(fn, ms); };
  }

  // --- finishing ------------------------------------------------------------

  function problems() {
    var out = [];
    var today = shanghaiDate(new Date());
    state.items.forEach(function (x) {
      var a = state.draft.answers[x.id];
      if (!a || !a.result || a.result !== "fail") return;
      var h = a.hazard, msg = null;
      var defaultDeadline = addDays(today, x.item.deadline_days);
      if (x.item.photo_required && !a.photos.length) msg = "该项不符合时须拍照";
      else if (!h.deadline || h.deadline < today) msg = "请填写不早于今天的整改期限";
      else if (h.deadline > defaultDeadline && !h.deadline_reason.trim()) msg = "整改期限长于默认期限，须说明理由";
      else if (x.item.major && h.level === "general" && !h.level_reason.trim()) msg = "该项属重大隐患，定为一般隐患须说明理由";
      else if (h.fixed_on_spot && (!a.photos.length || !h.after_photos.length)) msg = "当场整改须有整改前和整改后照片";
      if (msg) out.push({ x: x, msg: msg });
    });
    return out;
  }

  function openFinish() {
    var bad = problems();
    if (bad.length) {
      var first = bad[0];
      var index = 0;
      state.sections.forEach(function (s, i) { if (s.items.indexOf(first.x) >= 0) index = i; });
      showSection(index);
      bad.forEach(function (b) {
        var card = root.querySelector('[data-item="' + b.x.id + '"]');
        if (card) card.querySelector("[data-item-error]").textContent = b.msg;
      });
      message("有 " + bad.length + " 项需要补充，请按红字提示修改。", "error");
      var firstCard = root.querySelector('[data-item="' + first.x.id + '"]');
      if (firstCard) firstCard.scrollIntoView({ block: "center" });
      return;
    }
    message("");
    var answers = state.items.map(function (x) { return state.draft.answers[x.id]; }).filter(function (a) { return a && a.result; });
    var fails = answers.filter(function (a) { return a.result === "fail"; });
    var summary = el("[data-summary]");
    summary.innerHTML = "";
    [["检查项", state.items.length], ["已检查", answers.length], ["符合", count("pass")], ["不符合", fails.length],
     ["不适用", count("na")], ["未检查", state.items.length - answers.length],
     ["一般隐患", fails.filter(function (a) { return a.hazard.level === "general"; }).length],
     ["重大隐患", fails.filter(function (a) { return a.hazard.level === "major"; }).length],
     ["当场整改", fails.filter(function (a) { return a.hazard.fixed_on_spot; }).length]].forEach(function (pair) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = pair[0]; dd.textContent = pair[1];
      summary.appendChild(dt); summary.appendChild(dd);
    });
    el("[data-unanswered-warning]").hidden = answers.length === state.items.length;
    el("[data-finish]").hidden = false;
    el("[data-finish]").scrollIntoView({ block: "start" });
    locate();
    function count(r) { return answers.filter(function (a) { return a.result === r; }).length; }
  }

  function locate() {
    var out = el("[data-location]");
    out.textContent = "正在获取位置…";
    state.location = null;
    FA.photo.position().then(function (pos) {
      state.location = pos;
      out.textContent = pos.status === "ok" ? "已定位（精度约 " + Math.round(pos.accuracy_m) + " 米）"
        : pos.status === "denied" ? "未授权定位：将记录为“拒绝提供位置”" : pos.status === "timeout" ? "定位超时：将如实记录" : "无法定位：将如实记录";
    });
  }

  function submit() {
    var btn = el("[data-submit]");
    btn.disabled = true;
    var loc = state.location || { status: "timeout" };
    var answers = [], photoSet = [], expected = 0;
    state.items.forEach(function (x) {
      var a = state.draft.answers[x.id];
      if (!a || !a.result) return;
      var hz = null;
      if (a.result === "fail") {
        expected++;
        var h = a.hazard;
        hz = { uuid: h.uuid, description: h.description.trim() || a.note.trim(), level: h.level, level_reason: h.level_reason.trim(),
               deadline: h.deadline, deadline_reason: h.deadline_reason.trim(), fixed_on_spot: !!h.fixed_on_spot,
               after_photos: h.fixed_on_spot ? h.after_photos.slice() : [] };
        hz.after_photos.forEach(function (s) { if (photoSet.indexOf(s) < 0) photoSet.push(s); });
      }
      a.photos.forEach(function (s) { if (photoSet.indexOf(s) < 0) photoSet.push(s); });
      answers.push({ checklist: x.list.id, item: x.item.key, result: a.result, note: a.note.trim(), photos: a.photos.slice(), hazard: hz });
    });
    var body = {
      enterprise_id: state.draft.enterprise_id, checklists: state.draft.checklists,
      started_at: state.draft.started_at, finished_at: new Date().toISOString(),
      location: loc.status === "ok" ? { lat: loc.lat, lng: loc.lng, accuracy_m: loc.accuracy_m } : null,
      location_status: loc.status, answers: answers
    };
    var item = { uuid: state.draft.uuid, type: "visit", user_id: state.user.id, enterprise_id: state.draft.enterprise_id,
                 enterprise_name: state.draft.enterprise_name, body: body, photos: photoSet, expected_hazards: expected };
    var outboxLink = el("[data-outbox-link]");
    var noticeLink = el("[data-notice-link]");
    FA.store.put("outbox", item).then(function () { return FA.store.del("drafts", state.draft.uuid); }).then(function () {
      // The notice can be printed from the phone at once, signal or not.
      noticeLink.href = "/inspect/notice?visit=" + encodeURIComponent(item.uuid); noticeLink.hidden = false;
      message("已完成检查，记录已保存在手机上，正在同步…", "ok");
      var done = false;
      FA.sync.onChange(function (changed, extra) {
        if (!changed || changed.uuid !== item.uuid || done) return;
        if (extra && extra.photos) {
          message("正在上传照片 " + extra.photo + "/" + extra.photos + "（" + Math.round(extra.fraction * 100) + "%）…", "ok");
          return;
        }
        if (changed.state === "synced") { done = true; location.href = "/visits/" + item.uuid; }
        else if (changed.state === "conflict" || changed.state === "failed" || changed.state === "rejected") {
          done = true; message("同步未成功：" + changed.error + "。记录仍保存在手机上。", "error"); outboxLink.hidden = false;
        }
      });
      FA.sync.enqueue(item).then(function () {
        if (!done) { message("已保存在手机上，联网后会自动同步。", "ok"); outboxLink.hidden = false; }
      });
    }, function (err) { btn.disabled = false; message("保存失败：" + err.message, "error"); });
  }

  // --- wiring ---------------------------------------------------------------

  el("[data-section-select]").addEventListener("change", function (e) { showSection(parseInt(e.target.value, 10)); persist(); window.scrollTo(0, 0); });
  el("[data-prev]").addEventListener("click", function () { showSection(state.section - 1); persist(); window.scrollTo(0, 0); });
  el("[data-next]").addEventListener("click", function () { showSection(state.section + 1); persist(); window.scrollTo(0, 0); });
  el("[data-finish-open]").addEventListener("click", openFinish);
  el("[data-submit]").addEventListener("click", submit);
  el("[data-relocate]").addEventListener("click", locate);
  el("[data-discard]").addEventListener("click", discard);
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist();
  start();
})(window.FA = window.FA || {});
