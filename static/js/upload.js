// Forms that upload photos (input[data-downscale]): shrink each picture on the phone
// before it is sent, so a rectification goes up quickly on a weak link. Without this
// script the form still posts the original files, which the server handles too.
(function (FA) {
  "use strict";
  if (typeof DataTransfer === "undefined") return;
  document.addEventListener("change", function (e) { shrink(e.target); });
  // A picture chosen before this script arrived (a slow link, a busy phone) sent no change
  // event we could hear: shrink what the form already holds.
  Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-downscale]"), function (input) {
    if (input.files && input.files.length && input.dataset.shrunk === undefined) shrink(input);
  });

  function shrink(input) {
    if (!input.matches || !input.matches("input[type=file][data-downscale]") || input.dataset.shrunk === "1") return;
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length || !FA.photo) return;
    var form = input.form;
    var button = form && form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; button.dataset.label = button.textContent; button.textContent = "正在处理照片…"; }
    // The camera stamps each file when it is taken; that is the capture time the reviewer checks.
    var taken = files.map(function (f) { return f.lastModified; }).filter(function (t) { return t && t <= Date.now(); });
    var capturedAt = new Date(taken.length ? Math.min.apply(null, taken) : Date.now()).toISOString();
    // Where the evidence was taken, if the phone will say within a few seconds; never block the upload on it.
    var where = form && form.elements.lat && FA.photo.position ? Promise.race([
      FA.photo.position(),
      new Promise(function (resolve) { setTimeout(function () { resolve({ status: "timeout" }); }, 6000); })
    ]) : Promise.resolve({ status: "unavailable" });
    var shrinking = Promise.all(files.map(function (file) {
      return FA.photo.downscale(file).then(function (blob) {
        return new File([blob], file.name.replace(/\.[^.]+$/, "") + ".jpg", { type: "image/jpeg" });
      }, function () { return file; });
    }));
    Promise.all([shrinking, where]).then(function (done) {
      var shrunk = done[0], pos = done[1];
      var dt = new DataTransfer();
      shrunk.forEach(function (f) { dt.items.add(f); });
      input.dataset.shrunk = "1";
      input.files = dt.files;
      if (form && form.elements.captured_at) form.elements.captured_at.value = capturedAt;
      if (form && form.elements.lat) {
        var ok = pos.status === "ok";
        form.elements.lat.value = ok ? pos.lat : "";
        form.elements.lng.value = ok ? pos.lng : "";
        form.elements.accuracy_m.value = ok ? pos.accuracy_m : "";
      }
      input.dataset.shrunk = "";
    }).finally(function () {
      if (button) { button.disabled = false; button.textContent = button.dataset.label; }
    });
  }
  // Show how far a photo form's upload has got on its submit button (htmx sends it with XHR).
  document.addEventListener("htmx:xhr:progress", function (e) {
    var form = e.target && e.target.closest && e.target.closest("form");
    if (!form || !form.querySelector("input[type=file][data-downscale]") || !e.detail.lengthComputable) return;
    var button = form.querySelector("button[type=submit]");
    if (!button) return;
    if (!button.dataset.idle) button.dataset.idle = button.textContent;
    var pct = Math.round(e.detail.loaded / e.detail.total * 100);
    button.textContent = pct < 100 ? "正在上传 " + pct + "%" : "正在保存…";
    button.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.target && e.target.closest && e.target.closest("form");
    var button = form && form.querySelector("button[type=submit][data-idle]");
    if (button && document.contains(button)) {
      button.textContent = button.dataset.idle; delete button.dataset.idle; button.removeAttribute("aria-busy");
    }
  });
})(window.FA = window.FA || {});
