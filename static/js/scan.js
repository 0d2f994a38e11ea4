// Scan a placard's QR with the camera: with BarcodeDetector where the browser has one, else
// with the vendored jsQR decoder (iPhone Safari, desktop Chromium), loaded only then, only
// on this page, reading camera frames through a canvas. The typed form below works everywhere.
(function () {
  "use strict";
  var start = document.querySelector("[data-scan-start]");
  var box = document.querySelector("[data-scanner]");
  if (!start || !box || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  var video = box.querySelector("[data-scan-video]");
  var status = box.querySelector("[data-scan-status]");
  var form = document.querySelector("[data-scan-form]");

  // Each decoder resolves to decode(video) -> Promise of the QR's text, or null for none yet.
  function nativeDecoder() {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    return Promise.resolve(function (frame) {
      return detector.detect(frame).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
    });
  }

  function loadJsQR() {
    if (window.jsQR) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = box.getAttribute("data-decoder");
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function jsqrDecoder() {
    return loadJsQR().then(function () {
      var canvas = document.createElement("canvas");
      var ctx = canvas.getContext("2d", { willReadFrequently: true });
      return function (frame) {
        var w = frame.videoWidth, h = frame.videoHeight;
        if (!w || !h) return Promise.resolve(null);
        // 640 px across is plenty for a placard held up to the phone, and far cheaper than 1080p.
        var scale = Math.min(1, 640 / w);
        canvas.width = Math.round(w * scale);
        canvas.height = Math.round(h * scale);
        ctx.drawImage(frame, 0, 0, canvas.width, canvas.height);
        var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var code = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "dontInvert" });
        return Promise.resolve(code && code.data ? code.data : null);
      };
    });
  }

  var native = "BarcodeDetector" in window;
  start.hidden = false;
  start.addEventListener("click", function () {
    start.disabled = true;
    var stream = null;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      box.hidden = false; start.hidden = true;
      video.srcObject = stream;
      video.play();
      return native ? nativeDecoder() : jsqrDecoder();
    }).then(function (decode) {
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); };
      // The native detector keeps up with every frame; jsQR on a phone's CPU takes ~10 a second.
      var next = function () { if (native) requestAnimationFrame(tick); else setTimeout(tick, 100); };
      var tick = function () {
        decode(video).then(function (text) {
          if (!text) return next();
          stop();
          status.textContent = "已识别，正在查找…";
          form.querySelector("[name=code]").value = text;
          form.submit();
        }, next);
      };
      tick();
    }).catch(function () {
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      status.textContent = "无法打开摄像头，请在下方输入。";
      box.hidden = false; start.hidden = true;
    });
  });
})();
