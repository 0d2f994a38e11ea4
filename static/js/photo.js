// Photos on the phone: downscale before upload (long side 1600 px), hash, keep as a Blob.
(function (FA) {
  "use strict";
  var LONG_SIDE = 1600;
  var QUALITY = 0.85;

  function hex(buffer) {
    var bytes = new Uint8Array(buffer), out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  function downscale(file) {
    // Decode with the EXIF orientation applied, draw smaller, re-encode as JPEG:
    // the upload is small and carries no metadata from the phone.
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
      var scale = Math.min(1, LONG_SIDE / Math.max(bmp.width, bmp.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bmp.width * scale));
      canvas.height = Math.max(1, Math.round(bmp.height * scale));
      canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
      if (bmp.close) bmp.close();
      return new Promise(function (resolve, reject) {
        canvas.toBlob(function (blob) { blob ? resolve(blob) : reject(new Error("encode failed")); }, "image/jpeg", QUALITY);
      });
    });
  }

  // Ask for the phone's position at capture time; never block the photo on it.
  function position() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) return resolve({ status: "unavailable" });
      navigator.geolocation.getCurrentPosition(function (p) {
        resolve({ status: "ok", lat: p.coords.latitude, lng: p.coords.longitude, accuracy_m: p.coords.accuracy });
      }, function (err) {
        resolve({ status: err.code === 1 ? "denied" : err.code === 3 ? "timeout" : "unavailable" });
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  // Prepare one picked file: returns the stored record {sha, blob, ...}.
  function prepare(file, userId) {
    var capturedAt = new Date().toISOString();
    return downscale(file).catch(function () {
      // This browser cannot decode it (HEIC in Chrome, say): send the original; the server decodes.
      return file;
    }).then(function (blob) {
      return blob.arrayBuffer().then(function (buf) {
        return crypto.subtle.digest("SHA-256", buf);
      }).then(function (digest) {
        var record = { sha: hex(digest), blob: blob, type: blob.type || "application/octet-stream", captured_at: capturedAt,
                       user_id: userId, uploaded: false, size: blob.size };
        return FA.store.put("photos", record).then(function () {
          position().then(function (pos) {
            if (pos.status !== "ok") return;
            // Re-read: the upload may have finished meanwhile; never overwrite its state.
            return FA.store.get("photos", record.sha).then(function (stored) {
              if (!stored || stored.uploaded) return;
              stored.lat = pos.lat; stored.lng = pos.lng; stored.accuracy_m = pos.accuracy_m;
              return FA.store.put("photos", stored);
            });
          });
          return record;
        });
      });
    });
  }

  FA.photo = { prepare: prepare, position: position, downscale: downscale, LONG_SIDE: LONG_SIDE };
})(window.FA = window.FA || {});
