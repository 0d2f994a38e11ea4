// Photos in the walk: take or pick pictures for an answer (before) or a fix on the spot
// (after), shrink and hash them on the phone (photo.js), show thumbnails, remove one (and undo that).
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
    // A removed photo can be put back until the next change here: one stray tap on ✕
    // must not lose the evidence (the picture itself stays in the phone's store).
    var undo = document.createElement("p");
    undo.className = "photo-undo";
    undo.setAttribute("role", "status");
    undo.hidden = true;
    var undoText = document.createElement("span");
    var undoButton = document.createElement("button");
    undoButton.type = "button";
    undoButton.className = "small";
    undoButton.textContent = "撤销";
    undo.appendChild(undoText);
    undo.appendChild(undoButton);
    thumbs.parentNode.insertBefore(undo, thumbs.nextSibling);
    var removed = null;  // {sha, at}
    function clearUndo() { removed = null; undo.hidden = true; }
    undoButton.addEventListener("click", function () {
      if (!removed || opts.locked()) return;
      var arr = opts.list();
      if (arr.indexOf(removed.sha) < 0) arr.splice(Math.min(removed.at, arr.length), 0, removed.sha);
      clearUndo();
      opts.changed();
      draw();
    });

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
          var arr = opts.list(), at = arr.indexOf(sha);
          if (at < 0) return;
          arr.splice(at, 1);
          removed = { sha: sha, at: at };
          undoText.textContent = "已删除 1 张照片。";
          undo.hidden = false;
          opts.changed();
          draw();
          undoButton.focus();
        });
        thumbs.appendChild(fig);
      });
    }

    zone.addEventListener("fa-redraw", draw);
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length || opts.locked()) return;
      clearUndo();
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
