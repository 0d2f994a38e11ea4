// On every page of a field user: the connection and queue indicator, a sync run on load,
// the home page's drafts and outbox count, the storage warning, and a warning before
// logging out with records still queued. Nothing of a queue is drawn before the session
// check says whose phone this is (offline: the last user seen).
(function (FA) {
  "use strict";
  if (!FA.sync || !FA.store) return;
  var indicator = document.querySelector("[data-net-status]");
  var me = null, queued = 0;

  function paint() {
    if (!indicator) return;
    var s = FA.sync.status;
    var state = !navigator.onLine || s === "offline" ? "offline" : s === "running" ? "syncing"
      : s === "login" ? "login" : s === "failed" ? "failed" : "online";
    var text = { offline: "离线", syncing: "同步中", login: "需重新登录", failed: "同步未完成", online: "在线" }[state];
    if (queued) text += " · 待同步 " + queued;
    indicator.textContent = text;
    indicator.dataset.state = state;
    indicator.dataset.queued = queued;
    indicator.hidden = false;
  }

  function count() {
    if (!me) return Promise.resolve();
    return FA.store.byUser("outbox", me.id).then(function (items) {
      queued = items.filter(function (i) { return i.state !== "synced"; }).length;
      var badge = document.querySelector("[data-outbox-count]");
      if (badge) { badge.textContent = queued; if (queued) delete badge.dataset.zero; else badge.dataset.zero = ""; }
      paint();
    });
  }

  function drafts() {
    var box = document.querySelector("[data-drafts]");
    if (!box || !me) return;
    FA.store.byUser("drafts", me.id).then(function (items) {
      if (!items.length) return;
      box.innerHTML = "";
      items.forEach(function (d) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "/inspect/walk?visit=" + encodeURIComponent(d.uuid);
        a.textContent = (d.amends ? "继续更正：" : "继续检查：") + d.enterprise_name;
        var n = Object.keys(d.answers).filter(function (k) { return d.answers[k].result; }).length;
        var meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = "已检查 " + n + " / " + (d.item_count || "?") + " 项";
        li.appendChild(a); li.appendChild(meta);
        box.appendChild(li);
      });
      document.getElementById("drafts").hidden = false;
    });
  }

  // A refusal to keep our storage shows where the inspector starts, with what to do.
  function storageWarning() {
    var box = document.querySelector("[data-persist-warning]");
    if (!box || !navigator.storage || !navigator.storage.persisted) return;
    navigator.storage.persisted().then(function (ok) { box.hidden = !!ok; });
  }

  // Logging out keeps the queue on this phone for this user only: say so before it happens.
  function logoutWarning() {
    var form = document.querySelector("form.logout");
    if (!form) return;
    form.addEventListener("submit", function (e) {
      if (!queued || !me) return;
      var ok = window.confirm("手机上还有 " + queued + " 条记录未同步。退出后它们仍保存在这部手机上，" +
        "只有 " + (me.name || me.username) + " 再次登录后才会继续同步，其他人看不到。确定退出吗？");
      if (!ok) e.preventDefault();
    });
  }

  FA.sync.onChange(function () { paint(); count(); });
  window.addEventListener("online", paint);
  window.addEventListener("offline", paint);
  logoutWarning();
  storageWarning();
  paint();
  FA.sync.whoami().then(function (user) {
    me = user;
    if (!user) return;
    count();
    drafts();
    // Ready for a day without signal; back in signal, fetch the fresh bundle too.
    if (FA.sync.bundle && navigator.onLine && document.querySelector("[data-drafts]")) FA.sync.bundle(user.id, true);
    window.addEventListener("online", function () { if (FA.sync.bundle) FA.sync.bundle(user.id, true); });
  });
  FA.sync.run();
})(window.FA = window.FA || {});
