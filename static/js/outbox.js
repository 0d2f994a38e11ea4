// The outbox page: every queued record with its state, what happens next, and only the
// actions that can help. outboxView (no DOM) decides what each state shows; the unit
// tests cover every state through it.
(function (FA) {
  "use strict";

  function fmt(ms) {
    return new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).format(new Date(ms));
  }

  var UNIT_STATUS = { proposed: "等待街道安办审核入册", approved: "已审核入册", merged: "已与在册单位合并", rejected: "未予入册" };

  var HELD_STATUS = { held: "等待该单位审核入册后记入", attached: "已记入入册单位", unit_rejected: "该单位未予入册，检查记录存档" };

  function unitStatus(receipt) {
    if (!receipt || !receipt.status) return "";
    return UNIT_STATUS[receipt.status] + (receipt.status === "rejected" && receipt.reason ? "：" + receipt.reason : "");
  }

  // What one item shows: chip label and tone, a line of detail, and its actions. `fate`: what
  // the office made of the unit a visit names, once decided (the bundle's decided_units).
  function outboxView(item, now, fate) {
    var sentence = FA.sentence;
    var type = item.type || "visit";
    var label = FA.syncLabels[item.state] || item.state;
    var tone = item.state;
    var detail = "";
    var actions = [];
    if (type === "visit" && item.state !== "synced") actions.push("notice");
    switch (item.state) {
      case "pending":
        if (item.login) { label = "等待登录"; tone = "login"; detail = sentence(item.error || "登录已过期：重新登录后自动继续同步"); break; }
        detail = sentence(item.error, item.next_at > now ? "下次自动重试 " + fmt(item.next_at) : "");
        actions.push("retry");
        break;
      case "syncing":
        detail = "";
        break;
      case "partial":
        label = "已收到，照片补传中";
        detail = sentence(item.error, item.next_at > now ? "下次自动重试 " + fmt(item.next_at) : "");
        actions.push("retry");
        break;
      case "synced":
        if (type === "alert") {
          var ack = item.receipt && item.receipt.acknowledged_at;
          label = ack ? "街道安办已接报" : "已报送街道安办";
          tone = ack ? "acknowledged" : "synced";
          detail = ack ? "接报于 " + fmt(Date.parse(ack)) : "等待街道安办接报";
        } else {
          detail = item.confirmed_at ? "服务器已确认 " + fmt(item.confirmed_at) : "";
        }
        actions.push("open");
        break;
      case "conflict":
        // Sending the same again cannot help: look, keep the phone's copy, or tell the street.
        detail = /已保留/.test(item.error || "") ? sentence(item.error) : sentence(item.error, "手机上的记录已保留");
        actions.push("server", "keep");
        if (!item.reported) actions.push("report");
        if (type === "event") actions.push("discard");
        break;
      case "kept":
        detail = "手机上的版本已保留，不再自动上传。";
        actions.push("server");
        if (!item.reported) actions.push("report");
        if (type === "event") actions.push("discard");
        break;
      case "rejected":
      case "failed":
        detail = sentence(item.error);
        actions.push("retry");
        if (!item.reported) actions.push("report");
        actions.push("discard");
        if (type === "event") actions.push("server");
        break;
    }
    if (item.reported && ["conflict", "kept", "rejected", "failed"].indexOf(item.state) >= 0) detail = sentence(detail, "已报告街道安办");
    var toUnit = type === "visit" && !!(item.body && item.body.unit);
    // Decided into a premises: the notice can be printed for it.
    var premises = toUnit && fate && fate.enterprise_id != null;
    if (type === "unit" || toUnit) {
      // A unit found in the field, or a visit to one: no premises yet to report against or
      // to print a notice for, and no page of its own for the inspector.
      actions = actions.filter(function (a) { return a !== "report" && a !== "open" && (a !== "notice" || premises); });
      if (toUnit && fate && item.state !== "synced" && FA.walkUnit) detail = sentence(detail, FA.walkUnit.fateText(fate), FA.walkUnit.syncText(fate));
      if (item.state === "synced" && type === "unit") detail = sentence(detail, unitStatus(item.receipt));
      if (item.state === "synced" && toUnit) detail = sentence(detail, HELD_STATUS[item.receipt && item.receipt.status] || "");
    }
    return { label: label, tone: tone, detail: detail, actions: actions };
  }

  FA.outboxView = outboxView;
  FA.fmtTime = fmt;
  if (typeof document === "undefined") return;

  var list = document.querySelector("[data-outbox-list]");
  if (!list || !FA.sync) return;
  var status = document.querySelector("[data-sync-status]");
  var waitingNote = document.querySelector("[data-outbox-waiting]");
  var progress = {};
  var me = null;
  var ACTION_TEXT = { open: "查看记录", notice: "整改通知书", retry: "重试", server: "查看服务器上的版本",
                      keep: "保留手机上的版本", report: "报告街道安办", discard: "放弃此项" };

  function serverUrl(item) {
    if (item.type === "event") return "/hazards/" + item.hazard_uuid;
    if (item.type === "alert" || item.type === "unit" || (item.body && item.body.unit)) return null;
    return "/visits/" + item.uuid;
  }

  function act(item, action) {
    if (action === "retry") return FA.sync.retry(item.uuid);
    if (action === "keep") {
      var what = item.type === "visit" && !(item.body && item.body.unit) ? "手机上的版本将作为对服务器上那份记录的更正重新提交（新的编号，与原记录关联）。继续吗？"
        : "这项操作将保留在手机上，不再自动上传。继续吗？";
      if (!window.confirm(what)) return;
      return FA.sync.keep(item.uuid).then(draw);
    }
    if (action === "report") return FA.sync.report(item.uuid).then(draw);
    if (action === "discard") {
      var text = item.type === "event" ? "这项隐患操作" : "这条记录（含照片）";
      if (!window.confirm(text + "将从手机上删除，不再上传。确定放弃吗？")) return;
      return FA.sync.discard(item.uuid).then(draw);
    }
  }

  function itemRow(item, now, fates) {
    var view = outboxView(item, now, item.body && item.body.unit && fates[item.body.unit]);
    var li = document.getElementById("tpl-outbox-item").content.firstElementChild.cloneNode(true);
    li.id = "outbox-" + item.uuid;
    li.dataset.state = item.state;
    li.querySelector("[data-name]").textContent = item.enterprise_name || "检查记录";
    var chip = li.querySelector("[data-state]");
    chip.textContent = view.label;
    chip.className = "chip sync-" + view.tone;
    li.querySelector("[data-when]").textContent = (item.type === "alert" ? "报告于 " : item.type === "unit" ? "登记于 " : "完成于 ") + fmt(item.created_at) +
      (item.synced_at ? "，同步于 " + fmt(item.synced_at) : "");
    var p = progress[item.uuid];
    li.querySelector("[data-progress]").textContent = item.state === "syncing" && p
      ? "正在上传照片 " + p.photo + "/" + p.photos + "（" + Math.round(p.fraction * 100) + "%）"
      : (item.photos || []).length ? (item.photos || []).length + " 张照片" : "";
    li.querySelector("[data-error]").textContent = view.detail;
    var box = li.querySelector("[data-actions]");
    view.actions.forEach(function (action) {
      var el;
      if (action === "open" || action === "notice" || action === "server") {
        var href = action === "notice" ? "/inspect/notice?visit=" + encodeURIComponent(item.uuid) : serverUrl(item);
        if (!href) return;
        el = document.createElement("a");
        el.href = href;
        el.textContent = action === "open" && item.type === "event" ? "查看隐患" : ACTION_TEXT[action];
      } else {
        el = document.createElement("button");
        el.type = "button";
        el.className = "small" + (action === "discard" ? " danger" : "");
        el.textContent = ACTION_TEXT[action];
        el.addEventListener("click", function () { act(item, action); });
      }
      el.dataset.action = action;
      box.appendChild(el);
    });
    return li;
  }

  // Draw only once the session check said whose phone this is (or, offline, the last user):
  // another user's queue is never shown, not even for a moment.
  function draw() {
    if (!me) return Promise.resolve();
    return Promise.all([FA.store.byUser("outbox", me.id), FA.store.get("kv", "bundle:" + me.id)]).then(function (got) {
      var items = got[0], now = Date.now(), fates = {};
      ((got[1] || {}).decided_units || []).forEach(function (u) { fates[u.unit] = u; });
      items.sort(function (a, b) { return b.created_at - a.created_at; });
      document.querySelector("[data-outbox-empty]").hidden = items.length > 0;
      // Sync status changes redraw often; a row that reads the same stays the same node, so
      // a finger already on its button is not lost to a rebuilt list.
      var old = {};
      Array.prototype.forEach.call(list.children, function (li) { old[li.id] = li; });
      var prev = null;
      items.forEach(function (item) {
        var fresh = itemRow(item, now, fates);
        var cur = old[fresh.id];
        delete old[fresh.id];
        var li = cur && cur.outerHTML === fresh.outerHTML ? cur : fresh;
        var at = prev ? prev.nextSibling : list.firstChild;
        if (li !== at) list.insertBefore(li, at);
        if (cur && cur !== li) cur.remove();
        prev = li;
      });
      Object.keys(old).forEach(function (id) { old[id].remove(); });
    });
  }

  function showStatus() {
    var s = FA.sync.status;
    document.querySelector("[data-login-needed]").hidden = s !== "login";
    var next = FA.sync.nextRunAt && FA.sync.nextRunAt > Date.now() ? "下次自动重试 " + fmt(FA.sync.nextRunAt) : "";
    status.textContent = s === "running" ? "正在同步…"
      : s === "offline" ? FA.sentence("当前无网络，联网后自动同步", next)
      : s === "failed" ? FA.sentence("同步未完成", FA.sync.lastError, next)
      : "";
    status.dataset.status = s;
  }

  FA.sync.onChange(function (item, extra) {
    if (item && extra.photos) progress[item.uuid] = extra;
    showStatus();
    draw();
  });
  document.querySelector("[data-sync-now]").addEventListener("click", function () {
    status.textContent = "正在同步…";
    FA.sync.run({ force: true });
  });
  FA.sync.whoami().then(function (user) {
    me = user;
    if (waitingNote) waitingNote.hidden = true;
    if (!user) { document.querySelector("[data-login-needed]").hidden = false; return; }
    return draw();
  });
  showStatus();
})(window.FA = window.FA || {});
