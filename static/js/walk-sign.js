// The responsible person's signature on the phone: a canvas drawn with pointer events (finger,
// stylus or mouse; the page does not scroll while signing), kept as a PNG evidence image —
// hashed (SHA-256) and stored with the photos, so it syncs exactly like them.
// The image is always 800×320 px whatever the screen: its short side meets the server's
// evidence floor for pictures (PHOTO_MIN_SHORT_SIDE, 320 px) and it prints sharp at 5 cm.
(function (FA) {
  "use strict";
  var MIN_INK = 60;  // bitmap pixels of stroke: a stray tap is not a signature

  function hex(buffer) {
    var bytes = new Uint8Array(buffer), out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  // Bind a canvas. opts: locked() → read-only; changed(blob|null) after each stroke (debounced) or a clear.
  function bind(canvas, opts) {
    var ctx = canvas.getContext("2d");
    var width = canvas.width, height = canvas.height;
    var pen = null, last = null, ink = 0, timer = null;

    function blank() {
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, width, height);
      ctx.strokeStyle = "#111"; ctx.lineWidth = 5; ctx.lineCap = "round"; ctx.lineJoin = "round";
    }
    function at(e) {
      var r = canvas.getBoundingClientRect();
      return [(e.clientX - r.left) * width / r.width, (e.clientY - r.top) * height / r.height];
    }
    function line(p) {
      ctx.beginPath(); ctx.moveTo(last[0], last[1]); ctx.lineTo(p[0], p[1]); ctx.stroke();
      ink += Math.hypot(p[0] - last[0], p[1] - last[1]);
      last = p;
    }
    blank();

    canvas.addEventListener("pointerdown", function (e) {
      if (opts.locked() || pen !== null) return;
      e.preventDefault();
      pen = e.pointerId;
      if (canvas.setPointerCapture) canvas.setPointerCapture(e.pointerId);
      last = at(e);
      line([last[0] + 0.5, last[1] + 0.5]);
    });
    canvas.addEventListener("pointermove", function (e) {
      if (pen !== e.pointerId) return;
      e.preventDefault();
      var points = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
      (points.length ? points : [e]).forEach(function (ev) { line(at(ev)); });
    });
    function end(e) {
      if (pen !== e.pointerId) return;
      pen = null;
      clearTimeout(timer);
      timer = setTimeout(emit, 250);
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);

    function emit() {
      if (ink < MIN_INK) return opts.changed(null);
      canvas.toBlob(function (blob) { opts.changed(blob); }, "image/png");
    }

    return {
      clear: function () { clearTimeout(timer); blank(); ink = 0; opts.changed(null); },
      signed: function () { return ink >= MIN_INK; },
      // Draw a kept signature again (a reloaded page).
      restore: function (blob) {
        return createImageBitmap(blob).then(function (bmp) { ctx.drawImage(bmp, 0, 0, width, height); ink = MIN_INK; });
      }
    };
  }

  // Keep a signature image on the phone as evidence, like a photo: returns its SHA-256.
  function keep(blob, userId) {
    return blob.arrayBuffer().then(function (buf) { return crypto.subtle.digest("SHA-256", buf); }).then(function (digest) {
      var record = { sha: hex(digest), blob: blob, type: "image/png", captured_at: new Date().toISOString(), user_id: userId,
                     uploaded: false, size: blob.size, kind: "signature" };
      return FA.store.put("photos", record).then(function () { return record.sha; });
    });
  }

  FA.signPad = { bind: bind, keep: keep };
})(window.FA = window.FA || {});
