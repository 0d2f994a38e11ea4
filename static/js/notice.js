// The 整改通知书 of a finished visit still on the phone: filled in from the outbox item and
// the offline bundle, so the inspector can hand it over before there is any signal.
(function (FA) {
  "use strict";
  var root = document.querySelector("[data-notice]");
  if (!root) return;
  var LEVELS = { general: "一般隐患", major: "重大隐患" };
  function q(sel) { return root.querySelector(sel); }
  function say(text) {
    var box = document.querySelector("[data-notice-message]");
    box.textContent = text; box.hidden = false;
  }
  function localDate(iso) {
    var parts = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(new Date(iso));
    var get = function (t) { return parts.filter(function (p) { return p.type === t; })[0].value; };
    return get("year") + "-" + get("month") + "-" + get("day");
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
      var premises = (bundle && bundle.enterprises || []).filter(function (e) { return e.id === body.enterprise_id; })[0] || {};
      // A hazard is named by its defect wording, as the inspector confirmed or edited it.
      var texts = {};
      (bundle && bundle.checklists || []).forEach(function (c) {
        c.items.forEach(function (i) { texts[c.id + "/" + c.version + "/" + i.key] = i.defect || i.text; });
      });
      var versions = {};
      body.checklists.forEach(function (c) { versions[c.id] = c.version; });
      var found = body.answers.filter(function (a) { return a.hazard && !a.hazard.fixed_on_spot; });
      var fc = body.fire_combined;
      if (fc && fc.decision === "confirm") {
        // The GB 35181 combined judgement the inspector confirmed: one major hazard naming what was counted.
        found = found.concat([{ hazard: { defect: item.fire_combined_defect || "重大火灾隐患（多项要素综合判定）", description: "",
                                          level: "major", deadline: fc.hazard && fc.hazard.deadline || "" } }]);
      }
      q("[data-no]").textContent = item.uuid.slice(0, 8).toUpperCase();
      q("[data-ent]").textContent = item.enterprise_name || premises.name || "";
      q("[data-address]").textContent = premises.address || "";
      q("[data-date]").textContent = q("[data-date2]").textContent = localDate(body.finished_at);
      q("[data-street]").textContent = premises.street || "街道";
      q("[data-inspector]").textContent = user.name || "";
      var rows = q("[data-rows]");
      found.forEach(function (a, n) {
        var tr = document.createElement("tr");
        [String(n + 1), a.hazard.defect || texts[a.checklist + "/" + versions[a.checklist] + "/" + a.item] || a.item, a.hazard.description || "—",
         LEVELS[a.hazard.level] || a.hazard.level, a.hazard.deadline].forEach(function (v) {
          var td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
        });
        rows.appendChild(tr);
      });
      q("[data-table]").hidden = !found.length;
      q("[data-none]").hidden = !!found.length;
      q("[data-major-note]").hidden = !found.some(function (a) { return a.hazard.level === "major"; });
      signature(body.sign_off);
      document.title = "安全隐患整改通知书 · " + q("[data-ent]").textContent;
      root.hidden = false;
    });
  }).catch(function (err) { say("无法读取手机上的记录：" + err.message); });
})(window.FA = window.FA || {});
