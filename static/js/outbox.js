// The outbox page: every queued item with its state, and a "sync now" button.
(function (FA) {
  "use strict";
  var list = document.querySelector("[data-outbox-list]");
  if (!list) return;
  var status = document.querySelector("[data-sync-status]");
  var progress = {};

  function fmt(ms) {
    return new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).format(new Date(ms));
  }

  function draw() {
    var user = FA.sync.user;
    return (user ? FA.store.byUser("outbox", user.id) : FA.store.get("kv", "last_user").then(function (u) {
      return u ? FA.store.byUser("outbox", u.id) : [];
    })).then(function (items) {
      items.sort(function (a, b) { return b.created_at - a.created_at; });
      list.innerHTML = "";
      document.querySelector("[data-outbox-empty]").hidden = items.length > 0;
      items.forEach(function (item) {
        var li = document.getElementById("tpl-outbox-item").content.firstElementChild.cloneNode(true);
        li.id = "outbox-" + item.uuid;
        li.dataset.state = item.state;
        li.querySelector("[data-name]").textContent = item.enterprise_name || "检查记录";
        var label = FA.sync.LABELS[item.state] || item.state;
        li.querySelector("[data-state]").textContent = item.error && item.state !== "synced" && item.state !== "pending" ? label + "：" + item.error : label;
        li.querySelector("[data-state]").className = "chip sync-" + item.state;
        li.querySelector("[data-when]").textContent = "完成于 " + fmt(item.created_at) + (item.synced_at ? "，同步于 " + fmt(item.synced_at) : "");
        var p = progress[item.uuid];
        li.querySelector("[data-progress]").textContent = item.state === "syncing" && p ? "正在上传照片 " + p.photo + "/" + p.photos + "（" + Math.round(p.fraction * 100) + "%）"
          : (item.photos || []).length + " 张照片";
        li.querySelector("[data-error]").textContent = item.state === "pending" && item.error ? item.error : "";
        if (item.state === "synced") {
          var a = li.querySelector("[data-open]"); a.hidden = false; a.href = "/visits/" + item.uuid;
        }
        if (item.type === "visit" && item.state !== "synced") {
          var n = li.querySelector("[data-notice]"); n.hidden = false; n.href = "/inspect/notice?visit=" + encodeURIComponent(item.uuid);
        }
        if (item.state !== "synced" && item.state !== "syncing") li.querySelector("[data-retry]").hidden = false;
        li.querySelector("[data-retry]").addEventListener("click", function () { FA.sync.retry(item.uuid); });
        if (["conflict", "rejected", "failed"].indexOf(item.state) >= 0) {
          if (item.type === "event" && item.hazard_uuid) {
            // A stale hazard action cannot succeed by resending: look at the hazard as it is now, then redo or drop it.
            var h = li.querySelector("[data-open]"); h.hidden = false; h.textContent = "打开隐患"; h.href = "/hazards/" + item.hazard_uuid;
          }
          var drop = li.querySelector("[data-discard]");
          drop.hidden = false;
          drop.addEventListener("click", function () {
            var what = item.type === "event" ? "这项隐患操作" : "这条检查记录（含照片）";
            if (!window.confirm(what + "将从手机上删除，不再上传。确定放弃吗？")) return;
            FA.sync.discard(item.uuid).then(draw);
          });
        }
        list.appendChild(li);
      });
    });
  }

  FA.sync.onChange(function (item, extra) {
    if (item && extra.photos) progress[item.uuid] = extra;
    // From the sync's status, not this one event: the "run finished" event that follows must not hide it.
    document.querySelector("[data-login-needed]").hidden = FA.sync.status !== "login";
    status.textContent = FA.sync.status === "offline" ? "当前无网络，联网后自动同步" : FA.sync.status === "running" ? "正在同步…" : "";
    draw();
  });
  document.querySelector("[data-sync-now]").addEventListener("click", function () {
    status.textContent = "正在同步…";
    FA.sync.run({ force: true });
  });
  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persist().then(function (granted) {
      document.querySelector("[data-persist]").textContent = granted
        ? "离线数据已设为持久保存，不会被浏览器自动清理。"
        : "浏览器未同意持久保存离线数据：请把本应用添加到主屏幕，并尽快同步。";
    });
  }
  draw().then(function () { FA.sync.run(); });
})(window.FA = window.FA || {});
