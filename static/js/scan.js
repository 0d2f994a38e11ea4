// Scan a placard's QR with the camera where the browser can (BarcodeDetector);
// otherwise the typed form below still works.
(function () {
  "use strict";
  var start = document.querySelector("[data-scan-start]");
  if (!start || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var box = document.querySelector("[data-scanner]");
  var video = document.querySelector("[data-scan-video]");
  var status = document.querySelector("[data-scan-status]");
  var form = document.querySelector("[data-scan-form]");
  start.hidden = false;
  start.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      box.hidden = false; start.hidden = true;
      video.srcObject = stream;
      video.play();
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); };
      var tick = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stop();
            status.textContent = "已识别，正在查找…";
            form.querySelector("[name=code]").value = codes[0].rawValue;
            form.submit();
            return;
          }
          requestAnimationFrame(tick);
        }, function () { requestAnimationFrame(tick); });
      };
      tick();
    }, function () {
      status.textContent = "无法打开摄像头，请在下方输入。";
      box.hidden = false;
    });
  });
})();
