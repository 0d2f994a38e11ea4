// Forms that upload photos (input[data-downscale]): shrink each picture on the phone
// before it is sent, so a rectification goes up quickly on a weak link. Without this
// script the form still posts the original files, which the server handles too.
(function (FA) {
  "use strict";
  if (typeof DataTransfer === "undefined") return;
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.matches || !input.matches("input[type=file][data-downscale]") || input.dataset.shrunk === "1") return;
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length || !FA.photo) return;
    var form = input.form;
    var button = form && form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; button.dataset.label = button.textContent; button.textContent = "正在处理照片…"; }
    Promise.all(files.map(function (file) {
      return FA.photo.downscale(file).then(function (blob) {
        return new File([blob], file.name.replace(/\.[^.]+$/, "") + ".jpg", { type: "image/jpeg" });
      }, function () { return file; });
    })).then(function (shrunk) {
      var dt = new DataTransfer();
      shrunk.forEach(function (f) { dt.items.add(f); });
      input.dataset.shrunk = "1";
      input.files = dt.files;
      input.dataset.shrunk = "";
      if (form && form.elements.captured_at) form.elements.captured_at.value = new Date().toISOString();
    }).finally(function () {
      if (button) { button.disabled = false; button.textContent = button.dataset.label; }
    });
  });
})(window.FA = window.FA || {});
