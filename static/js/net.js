// Requests to the server that always end: each has a timeout (AbortController for fetch,
// a stall timer for uploads) and follows the sync run's own abort signal. Answers come
// back as {status, data, retryAfterMs}; a request that never got an answer throws a
// NetError ("timeout" or "network"), which the sync engine treats as "no signal".
(function (FA) {
  "use strict";

  function NetError(kind) { this.kind = kind; this.message = kind; }

  // Retry-After is either seconds or an HTTP date (RFC 9110 §10.2.3).
  function retryAfterMs(value, nowMs) {
    if (value === null || value === undefined || value === "") return null;
    if (/^\s*\d+\s*$/.test(value)) return parseInt(value, 10) * 1000;
    var at = Date.parse(value);
    return isNaN(at) ? null : Math.max(0, at - nowMs);
  }

  function link(signal, controller) {
    if (!signal) return function () {};
    if (signal.aborted) controller.abort();
    var stop = function () { controller.abort(); };
    signal.addEventListener("abort", stop);
    return function () { signal.removeEventListener("abort", stop); };
  }

  function parse(text) {
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  // A JSON request (or a plain GET when body is undefined).
  function json(method, url, body, opts) {
    opts = opts || {};
    var controller = new AbortController();
    var timedOut = false;
    var timer = setTimeout(function () { timedOut = true; controller.abort(); }, opts.timeoutMs || 15000);
    var unlink = link(opts.signal, controller);
    var headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (opts.csrf) headers["X-CSRFToken"] = opts.csrf;
    return fetch(url, {
      method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin", cache: "no-store", redirect: "manual", signal: controller.signal
    }).then(function (r) {
      return r.text().then(function (text) {
        var type = r.headers.get("Content-Type") || "";
        return { status: r.status, data: type.indexOf("application/json") === 0 ? parse(text) : null,
                 retryAfterMs: retryAfterMs(r.headers.get("Retry-After"), Date.now()) };
      });
    }, function () {
      throw new NetError(timedOut ? "timeout" : "network");
    }).then(function (res) { clearTimeout(timer); unlink(); return res; },
      function (err) { clearTimeout(timer); unlink(); throw err instanceof NetError ? err : new NetError(timedOut ? "timeout" : "network"); });
  }

  // A photo upload, with progress; it ends when nothing moved for stallMs.
  function upload(url, blob, opts) {
    opts = opts || {};
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      var timedOut = false, timer = null;
      var controller = new AbortController();
      var unlink = link(opts.signal, controller);
      controller.signal.addEventListener("abort", function () { xhr.abort(); });
      function stall() {
        clearTimeout(timer);
        timer = setTimeout(function () { timedOut = true; xhr.abort(); }, opts.stallMs || 30000);
      }
      function done() { clearTimeout(timer); unlink(); }
      xhr.open("PUT", url);
      xhr.setRequestHeader("Content-Type", opts.type || "application/octet-stream");
      if (opts.csrf) xhr.setRequestHeader("X-CSRFToken", opts.csrf);
      if (xhr.upload) xhr.upload.onprogress = function (e) {
        stall();
        if (opts.onProgress && e.lengthComputable) opts.onProgress(e.loaded / e.total);
      };
      xhr.onprogress = stall;
      xhr.onload = function () {
        done();
        var type = xhr.getResponseHeader("Content-Type") || "";
        resolve({ status: xhr.status, data: type.indexOf("application/json") === 0 ? parse(xhr.responseText) : null,
                  retryAfterMs: retryAfterMs(xhr.getResponseHeader("Retry-After"), Date.now()) });
      };
      xhr.onerror = function () { done(); reject(new NetError("network")); };
      xhr.onabort = function () { done(); reject(new NetError(timedOut ? "timeout" : "network")); };
      stall();
      xhr.send(blob);
    });
  }

  FA.net = { json: json, upload: upload, NetError: NetError, retryAfterMs: retryAfterMs };
})(window.FA = window.FA || {});
