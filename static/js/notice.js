// The 整改通知书 of a finished visit still on the phone: filled in from the outbox item and
// the offline bundle, so the inspector can hand it over before there is any signal.
(function (FA) {
  "use strict";
  var root = document.querySelector("[data-notice]");
  if (!root) return;
  var LEVELS = { general: "一般隐患", major: "重大隐患" };
  // As fieldapp/notices.py: an item naming no basis, and the GB 35181 combined judgement.
  var FALLBACK_BASIS = "《中华人民共和国安全生产法》第四十一条";
  var COMBINED_BASIS = "《重大火灾隐患判定规则》（GB 35181）";
  function q(sel) { return root.querySelector(sel); }
  function say(text) {
    var box = document.querySelector("[data-notice-message]");
    box.textContent = text; box.hidden = false;
  }
  // Dates as a document writes them: 2026年12月4日 (Beijing time for a moment, as is for a day).
  function cnDate(value) {
    if (!value) return "";
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      var d = value.split("-");
      return Number(d[0]) + "年" + Number(d[1]) + "月" + Number(d[2]) + "日";
    }
    var parts = new Intl.DateTimeFormat("en-US", { timeZone: "Asia/Shanghai", year: "numeric", month: "numeric", day: "numeric" })
      .formatToParts(new Date(value));
    var get = function (t) { return parts.filter(function (p) { return p.type === t; })[0].value; };
    return get("year") + "年" + get("month") + "月" + get("day") + "日";
  }
  // The premises' placard QR code, drawn on the phone (qrcode-generator, vendored): the same
  // link the server's copy prints.
  function drawQr(url) {
    if (!url || !window.qrcode) return;
    var qr = window.qrcode(0, "M");
    qr.addData(url);
    qr.make();
    var n = qr.getModuleCount(), border = 2, ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + (n + 2 * border) + " " + (n + 2 * border));
    svg.setAttribute("width", "100%");
    var d = "";
    for (var r = 0; r < n; r++) {
      for (var c = 0; c < n; c++) if (qr.isDark(r, c)) d += "M" + (c + border) + " " + (r + border) + "h1v1h-1z";
    }
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
    q("[data-qr]").appendChild(svg);
    q("[data-url]").textContent = url;
    q("[data-qr-box]").hidden = false;
  }
  // ---- signature block: the responsible person's signature (kept on the phone until it syncs) or refusal ----
  function signature(sign) {
    if (!sign) return;
    var img = q("[data-sign-img]"), text = q("[data-sign-text]");
    if (sign.status === "refused") {
      q("[data-sign-blank]").hidden = true;
      text.textContent = "未签名。原因：" + sign.reason + (sign.signer ? "（" + sign.signer + "）" : "");
      return;
    }
    FA.store.get("photos", sign.signature).then(function (p) {
      if (!p) { text.textContent = "（已在检查手机上签名）"; return; }
      img.src = URL.createObjectURL(p.blob);
      img.hidden = false;
      q("[data-sign-blank]").hidden = true;
      if (sign.signer) text.textContent = "　" + sign.signer;
    });
  }

  var id = new URLSearchParams(location.search).get("visit") || "";
  // Whose phone this is: the session check, or offline the last user seen (never another user's notice).
  (FA.sync ? FA.sync.whoami() : FA.store.get("kv", "last_user")).then(function (user) {
    if (!user) { say("手机上没有登录记录：请联网登录一次。"); return; }
    return Promise.all([FA.store.get("outbox", id), FA.store.get("kv", "bundle:" + user.id)]).then(function (got) {
      var item = got[0], bundle = got[1];
      if (!item || item.type !== "visit" || item.user_id !== user.id) {
        say("手机上没有这条检查记录。已同步的检查请在检查记录页面打印通知书。");
        return;
      }
      var body = item.body;
      var premises = (bundle && (body.unit ? bundle.units : bundle.enterprises) || []).filter(function (e) {
        return body.unit ? e.unit === body.unit : e.id === body.enterprise_id;
      })[0];
      // A unit the office has decided since: the premises it became (walk-unit.js).
      if (!premises && body.unit && FA.walkUnit) premises = FA.walkUnit.fallback(bundle, body.unit, null).premises;
      premises = premises || {};
      // A hazard is named by its defect wording, as the inspector confirmed or edited it.
      var texts = {}, bases = {};
      (bundle && bundle.checklists || []).forEach(function (c) {
        c.items.forEach(function (i) {
          texts[c.id + "/" + c.version + "/" + i.key] = i.defect || i.text;
          bases[c.id + "/" + c.version + "/" + i.key] = i.basis;
        });
      });
      var versions = {};
      body.checklists.forEach(function (c) { versions[c.id] = c.version; });
      var found = body.answers.filter(function (a) { return a.hazard && !a.hazard.fixed_on_spot; });
      var fc = body.fire_combined;
      if (fc && fc.decision === "confirm") {
        // The GB 35181 combined judgement the inspector confirmed: one major hazard naming what was counted.
        found = found.concat([{ basis: COMBINED_BASIS,
                                hazard: { defect: item.fire_combined_defect || "重大火灾隐患（多项要素综合判定）", description: "",
                                          level: "major", deadline: fc.hazard && fc.hazard.deadline || "" } }]);
      }
      // The number is the street's, given when the visit reaches the server: until then 待编号.
      var number = item.receipt && item.receipt.notice_no;
      q("[data-no]").textContent = number || (found.length ? "待编号" : "—");
      q("[data-offline-note]").hidden = !!number || !found.length;
      q("[data-ent]").textContent = (body.unit && premises.id != null && premises.name) || item.enterprise_name || premises.name || "";
      q("[data-address]").textContent = premises.address || "";
      q("[data-date]").textContent = q("[data-date2]").textContent = cnDate(body.finished_at);
      q("[data-street]").textContent = premises.street || "街道";
      if (premises.street_phone) {
        q("[data-phone]").textContent = premises.street_phone;
        q("[data-phone-line]").hidden = false;
      }
      // The inspector's name as the account holds it; never the account id (an unnamed account prints none).
      q("[data-inspector]").textContent = user.name && user.name !== user.username ? user.name : "";
      drawQr(premises.public_url);
      var rows = q("[data-rows]");
      found.forEach(function (a, n) {
        var key = a.checklist + "/" + versions[a.checklist] + "/" + a.item;
        var tr = document.createElement("tr");
        [String(n + 1), a.hazard.defect || texts[key] || a.item, a.hazard.description || "—",
         LEVELS[a.hazard.level] || a.hazard.level, cnDate(a.hazard.deadline), a.basis || bases[key] || FALLBACK_BASIS].forEach(function (v) {
          var td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
        });
        rows.appendChild(tr);
      });
      q("[data-table]").hidden = !found.length;
      q("[data-none]").hidden = !!found.length;
      q("[data-major-note]").hidden = !found.some(function (a) { return a.hazard.level === "major"; });
      signature(body.sign_off);
      document.title = q("[data-title]").textContent + " · " + q("[data-ent]").textContent;
      root.hidden = false;
    });
  }).catch(function (err) { say("无法读取手机上的记录：" + err.message); });
})(window.FA = window.FA || {});
