// Photos in the walk: take or pick pictures for an answer (before) or a fix on the spot
// (after), shrink and hash them on the phone (photo.js), show thumbnails, remove one.
(function (FA) {
  "use strict";
  var objectUrls = {};

  function tpl(id) { return document.getElementById(id).content.firstElementChild.cloneNode(true); }

  // Bind one photo zone. opts: list() → the current sha list (or []), target() → the list
  // to add to (null: not now), changed() → save the draft, userId, locked() → read-only.
  function bind(zone, opts) {
    var input = zone.querySelector("input[type=file]");
    var thumbs = zone.querySelector("[data-thumbs]");
    var status = zone.querySelector("[data-photo-status]");

    function draw() {
      thumbs.innerHTML = "";
      opts.list().forEach(function (sha) {
        var fig = tpl("tpl-thumb");
        var img = fig.querySelector("img");
        FA.store.get("photos", sha).then(function (p) {
          if (!p) { img.alt = "照片已同步"; return; }
          objectUrls[sha] = objectUrls[sha] || URL.createObjectURL(p.blob);
          img.src = objectUrls[sha];
        });
        var remove = fig.querySelector("button");
        if (opts.locked()) remove.hidden = true;
        remove.addEventListener("click", function () {
          if (opts.locked()) return;
          var arr = opts.list(); arr.splice(arr.indexOf(sha), 1); opts.changed(); draw();
        });
        thumbs.appendChild(fig);
      });
    }

    zone.addEventListener("fa-redraw", draw);
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length || opts.locked()) return;
      var arr = opts.target();
      if (!arr) return;
      if (status) status.textContent = "正在处理照片…";
      var chain = Promise.resolve();
      files.forEach(function (file, i) {
        chain = chain.then(function () {
          if (status) status.textContent = "正在处理第 " + (i + 1) + "/" + files.length + " 张照片…";
          return FA.photo.prepare(file, opts.userId()).then(function (p) {
            if (arr.indexOf(p.sha) < 0) arr.push(p.sha);
          });
        });
      });
      chain.then(function () { if (status) status.textContent = ""; input.value = ""; opts.changed(); draw(); },
        function (err) { if (status) status.textContent = "照片处理失败：" + err.message; });
    });
    draw();
  }

  FA.walkPhotos = { bind: bind };
})(window.FA = window.FA || {});
