// A unit found in the field (排查摸底): recorded on the phone, queued like a visit and sent
// with PUT /api/v1/units/{uuid} once there is signal. unitBody (no DOM) builds what is sent;
// the unit tests cover it. The street office approves, merges or rejects it on the server.
(function (FA) {
  "use strict";

  // The request body from the form's values, the photos' hashes and the phone's position.
  function unitBody(values, photos, pos, foundAt) {
    var code = (values.credit_code || "").replace(/\s+/g, "").toUpperCase();
    var noLicence = !!values.no_licence;
    var ok = pos && pos.status === "ok";
    return {
      name: (values.name || "").trim(), credit_code: noLicence || !code ? null : code, no_licence: noLicence,
      venue_type: values.venue_type || null, industry: values.industry || "", size_class: values.size_class || null,
      address: (values.address || "").trim(), grid: values.grid || null,
      location: ok ? { lat: pos.lat, lng: pos.lng, accuracy_m: pos.accuracy_m } : null,
      location_status: pos ? pos.status : "none", photos: photos.slice(), note: (values.note || "").trim(),
      found_at: foundAt
    };
  }

  // What the phone checks before queueing (the server checks it all again).
  function problems(body) {
    var out = [];
    if (!body.name) out.push("请填写单位名称");
    if (!body.industry) out.push("请选择行业领域");
    if (!body.credit_code && !body.no_licence) out.push("请填写统一社会信用代码，或勾选“尚未办照”");
    if (body.credit_code && body.credit_code.length !== 18) out.push("统一社会信用代码应为 18 位");
    return out;
  }

  FA.unitBody = unitBody;
  FA.unitProblems = problems;
  if (typeof document === "undefined") return;

  var form = document.querySelector("[data-unit-form]");
  if (!form || !FA.sync) return;
  var message = form.querySelector("[data-unit-message]");
  var locOut = form.querySelector("[data-location]");
  var photos = [];
  var position = null;
  var user = null;

  function say(text, tone) {
    message.textContent = text;
    message.className = "alert" + (tone ? " " + tone : "");
    message.hidden = !text;
  }

  function locate() {
    locOut.textContent = "正在获取位置…";
    FA.photo.position().then(function (pos) {
      position = pos;
      locOut.textContent = pos.status === "ok" ? "已定位（精度约 " + Math.round(pos.accuracy_m) + " 米）"
        : pos.status === "denied" ? "未授权定位：将记录为“拒绝提供位置”" : "无法定位：将如实记录";
    });
  }

  FA.sync.whoami().then(function (u) {
    user = u;
    if (!u) { say("请先登录。", "error"); form.querySelector("[data-unit-submit]").disabled = true; return; }
    FA.walkPhotos.bind(form.querySelector("[data-unit-photos]"), {
      list: function () { return photos; }, target: function () { return photos; }, changed: function () {},
      userId: function () { return user.id; }, locked: function () { return false; }
    });
    locate();
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name) return;
      values[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    var body = unitBody(values, photos, position || { status: "timeout" }, new Date().toISOString());
    var wrong = problems(body);
    // Several grids: the server cannot tell which one, so the phone asks now rather than sync a refusal.
    if (form.elements.grid && form.elements.grid.tagName === "SELECT" && !body.grid) wrong.push("请选择所在网格");
    if (wrong.length) { say(FA.sentence.apply(null, ["未保存"].concat(wrong.join("；"))), "error"); return; }
    var btn = form.querySelector("[data-unit-submit]");
    btn.disabled = true;
    var item = { uuid: FA.uuid(), type: "unit", user_id: user.id, enterprise_name: body.name + "（新发现单位）",
                 photos: body.photos, body: body };
    FA.sync.queue(item).then(function () {
      say("已登记，记录保存在手机上，正在同步…", "ok");
      form.querySelector("[data-unit-next]").hidden = false;
      FA.sync.onChange(function (changed) {
        if (!changed || changed.uuid !== item.uuid) return;
        if (changed.state === "synced") {
          say("已同步到服务器，等待街道安办审核入册。可以现在检查这家单位：检查记录先保存，单位入册后记入。", "ok");
          // The first visit, walked before the office decides (the server holds it until then).
          var walk = form.querySelector("[data-unit-walk]");
          walk.href = "/inspect/walk?unit=" + encodeURIComponent(item.uuid);
          walk.hidden = false;
        }
        else if (["conflict", "failed", "rejected"].indexOf(changed.state) >= 0) {
          say(FA.sentence("同步未成功", changed.error, "记录仍保存在手机上，请到待同步记录处理"), "error");
        }
      });
      return FA.sync.run({ force: true });
    }).then(function () {
      if (!navigator.onLine) say("已登记，记录保存在手机上，联网后会自动同步。", "ok");
    }, function (err) { btn.disabled = false; say("保存失败：" + err.message, "error"); });
  });
})(window.FA = window.FA || {});
