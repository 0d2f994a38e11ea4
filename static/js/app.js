// fieldapp page behaviour shared by every page. No inline scripts (CSP).
(function (FA) {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var skip = document.querySelector(".skip-link");
    if (skip) skip.addEventListener("click", function () { document.getElementById("main").focus(); });
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
      // Installed for offline work: ask the browser to keep our storage (the answer shows on the home page).
      if (FA.persist) FA.persist();
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      // Fill in shell pages the worker lacks (after a logout, or for another user); not every load.
      var user = document.body.dataset.user || "";
      if (navigator.onLine && reg.active) reg.active.postMessage({ type: "refresh-shell", user: user });
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
})(window.FA = window.FA || {});
