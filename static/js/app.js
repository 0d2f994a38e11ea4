// fieldapp page behaviour shared by every page. No inline scripts (CSP).
(function (FA) {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var skip = document.querySelector(".skip-link");
    if (skip) skip.addEventListener("click", function () { document.getElementById("main").focus(); });
    if (FA.store) inspectorHome();
    offlineSearch();
    serviceWorker();
    iosHint();
  });

  var FIELD_ROLES = ["inspector", "street", "district"];

  // The due list's search asks the server; with no signal, search the list this page holds instead.
  function offlineSearch() {
    var list = document.getElementById("due-list");
    var input = document.querySelector("input[type=search][name=q]");
    if (!list || !input) return;
    var note = document.createElement("p");
    note.className = "meta";
    note.id = "offline-search-note";
    note.hidden = true;
    note.setAttribute("aria-live", "polite");
    list.parentNode.insertBefore(note, list);
    function filter() {
      var q = input.value.trim().toLowerCase();
      var shown = 0, rows = document.querySelectorAll("#due-list > li:not(.empty)");
      rows.forEach(function (li) {
        var hit = !q || li.textContent.toLowerCase().indexOf(q) >= 0;
        li.hidden = !hit;
        if (hit) shown++;
      });
      note.hidden = false;
      note.textContent = "当前无网络：在手机上保存的 " + rows.length + " 个场所中找到 " + shown + " 个。";
    }
    document.body.addEventListener("htmx:beforeRequest", function (e) {
      if (navigator.onLine || e.detail.elt !== input) return;
      e.preventDefault();
      filter();
    });
    if (input.form) input.form.addEventListener("submit", function (e) {
      if (navigator.onLine) return;
      e.preventDefault();
      filter();
    });
    window.addEventListener("online", function () { note.hidden = true; });
  }

  function serviceWorker() {
    if (!("serviceWorker" in navigator)) return;
    var role = document.body.dataset.role || "";
    if (!role) {
      // Signed out (or the session ended): cached pages show the last user's premises.
      if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage({ type: "logout" });
      return;
    }
    if (FIELD_ROLES.indexOf(role) < 0) return;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      // Keep the walk's shell current while there is signal.
      if (navigator.onLine && reg.active) reg.active.postMessage({ type: "refresh-shell" });
    }).catch(function () { /* no worker: the app still works online */ });
  }

  function iosHint() {
    var hint = document.querySelector("[data-ios-hint]");
    if (!hint) return;
    var ios = /iPad|iPhone|iPod/.test(navigator.userAgent);
    var installed = window.navigator.standalone === true || window.matchMedia("(display-mode: standalone)").matches;
    if (!ios || installed || localStorage.getItem("fieldapp.iosHintDismissed")) return;
    hint.hidden = false;
    hint.querySelector("button").addEventListener("click", function () {
      localStorage.setItem("fieldapp.iosHintDismissed", "1");
      hint.hidden = true;
    });
  }

  // On the inspector's home: unfinished drafts, the outbox count, and a sync on load.
  function inspectorHome() {
    var drafts = document.querySelector("[data-drafts]");
    var count = document.querySelector("[data-outbox-count]");
    if (!drafts && !count) return;
    FA.store.get("kv", "last_user").then(function (user) {
      return FA.sync.session().then(function (s) { return s.user || user; }, function () { return user; });
    }).then(function (user) {
      if (!user) return;
      FA.store.byUser("drafts", user.id).then(function (items) {
        if (!drafts || !items.length) return;
        drafts.innerHTML = "";
        items.forEach(function (d) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = "/inspect/walk?visit=" + encodeURIComponent(d.uuid);
          a.textContent = "继续检查：" + d.enterprise_name;
          var n = Object.keys(d.answers).filter(function (k) { return d.answers[k].result; }).length;
          var meta = document.createElement("span");
          meta.className = "meta";
          meta.textContent = "已检查 " + n + " / " + (d.item_count || "?") + " 项";
          li.appendChild(a); li.appendChild(meta);
          drafts.appendChild(li);
        });
        document.getElementById("drafts").hidden = false;
      });
      function refresh() {
        FA.store.byUser("outbox", user.id).then(function (items) {
          var n = items.filter(function (i) { return i.state !== "synced"; }).length;
          if (count) { count.textContent = n; if (n) delete count.dataset.zero; else count.dataset.zero = ""; }
        });
      }
      refresh();
      if (FA.sync) {
        FA.sync.onChange(refresh);
        FA.sync.run();
        if (navigator.onLine) FA.sync.bundle(user.id, true);  // ready for a day without signal
        // Back in signal after a day out: fetch the fresh bundle too, not only push the queue.
        window.addEventListener("online", function () { FA.sync.bundle(user.id, true); });
      }
    });
  }
})(window.FA = window.FA || {});
