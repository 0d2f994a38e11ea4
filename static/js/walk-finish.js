// The finishing step's rules, without the page: the checks before finishing, the summary,
// the hazards it lists, the responsible person's sign-off, and the visit body sent to the
// server. Loaded with the finishing step (not on the walk's first load); it adds to
// FA.walkAnswers, whose helpers it uses. Pure functions (unit-tested in Node).
(function (FA) {
  "use strict";
  var A = FA.walkAnswers;
  var addDays = A.addDays, squash = A.squash, hazardOf = A.hazardOf, uncheckedOf = A.uncheckedOf;

  // What must be fixed before the visit can be finished, item by item.
  function problems(items, draft, today, limits) {
    var out = [];
    items.forEach(function (x) {
      var a = draft.answers[x.id], r = x.rules, msg = null;
      var reason = uncheckedOf(draft, x.id);
      if ((!a || !a.result) && reason !== null && !reason.trim()) msg = "选择“未检查”须说明原因";
      if (!a || a.result !== "fail") { if (msg) out.push({ x: x, msg: msg }); return; }
      var h = a.hazard;
      var latest = addDays(today, r.max_deadline_days), reasonAfter = addDays(today, r.deadline_reason_after_days);
      if (r.photo_required && !a.photos.length) msg = "该项不符合时须拍照";
      else if (h.inherited) msg = null;  // the earlier visit's hazard: kept as it was
      else if (!squash(h.defect)) msg = "请填写隐患表述";
      else if (squash(h.defect).length > limits.defect) msg = "隐患表述不能超过 " + limits.defect + " 字";
      else if (!h.deadline || h.deadline < today) msg = "请填写不早于今天的整改期限";
      else if (h.deadline > latest) msg = "整改期限不能超过 " + r.max_deadline_days + " 天";
      else if (h.deadline > reasonAfter && !h.deadline_reason.trim()) msg = "整改期限长于默认期限，须说明理由";
      else if (r.level_reason_if_lowered && h.level === "general" && !h.level_reason.trim()) msg = "该项属重大隐患，定为一般隐患须说明理由";
      else if (h.fixed_on_spot && r.fix_on_spot_levels.indexOf(h.level) < 0) msg = "重大隐患不能当场整改销号";
      else if (h.fixed_on_spot && r.fix_on_spot_needs_photos && (!a.photos.length || !h.after_photos.length)) msg = "当场整改须有整改前和整改后照片";
      if (msg) out.push({ x: x, msg: msg });
    });
    return out;
  }

  function summary(items, answers) {
    var given = items.map(function (x) { return answers[x.id]; }).filter(function (a) { return a && a.result; });
    var fails = given.filter(function (a) { return a.result === "fail"; });
    var count = function (r) { return given.filter(function (a) { return a.result === r; }).length; };
    return [["检查项", items.length], ["已检查", given.length], ["符合", count("pass")], ["不符合", fails.length],
            ["不适用", count("na")], ["未检查", items.length - given.length],
            ["一般隐患", fails.filter(function (a) { return a.hazard.level === "general"; }).length],
            ["重大隐患", fails.filter(function (a) { return a.hazard.level === "major"; }).length],
            ["当场整改", fails.filter(function (a) { return a.hazard.fixed_on_spot; }).length]];
  }

  // The hazards found, in walk order: what the finish step lists (level, deadline, photos).
  function hazards(items, draft) {
    return items.filter(function (x) { return hazardOf(draft, x.id); }).map(function (x) {
      var a = draft.answers[x.id];
      return { x: x, hazard: a.hazard, photos: a.photos };
    });
  }

  // The responsible person's sign-off: a signature image, or a refusal with its reason.
  function signOffProblem(signOff) {
    if (!signOff || !signOff.status) return "请被检查单位负责人签名，或记录拒绝签名的原因";
    if (signOff.status === "signed" && !signOff.signature) return "请被检查单位负责人在签名框内签名";
    if (signOff.status === "refused" && !(signOff.reason || "").trim()) return "请说明负责人拒绝签名或无法签名的原因";
    return null;
  }

  function signOffBody(signOff) {
    if (!signOff || !signOff.status) return null;
    var out = { status: signOff.status, signer: squash(signOff.signer) };
    if (signOff.status === "signed") out.signature = signOff.signature;
    else out.reason = squash(signOff.reason);
    if (signOff.signed_at) out.signed_at = signOff.signed_at;
    return out;
  }

  // The outbox item for a finished draft: the PUT body, its photos (the signature too), the hazards to expect.
  // `combined` is the inspector's answer to a GB 35181 combined-judgement proposal, as the body carries it.
  function buildVisit(draft, items, loc, finishedAt, combined) {
    var answers = [], photos = [], expected = 0, unchecked = [];
    var add = function (s) { if (photos.indexOf(s) < 0) photos.push(s); };
    items.forEach(function (x) {
      var a = draft.answers[x.id];
      if (!a || !a.result) {
        var reason = uncheckedOf(draft, x.id);
        if (reason !== null && reason.trim()) unchecked.push({ checklist: x.list.id, item: x.item.key, reason: squash(reason) });
        return;
      }
      var hz = null;
      if (a.result === "fail") {
        var h = a.hazard;
        if (!h.inherited) expected++;  // an amendment's inherited hazard is the earlier visit's
        hz = { uuid: h.uuid, defect: squash(h.defect) || squash(x.item.defect || x.item.text),
               description: h.description.trim() || a.note.trim(), level: h.level, level_reason: h.level_reason.trim(),
               deadline: h.deadline, deadline_reason: h.deadline_reason.trim(), measure: (h.measure || "").trim(),
               fixed_on_spot: !!h.fixed_on_spot, after_photos: h.fixed_on_spot ? h.after_photos.slice() : [] };
        hz.after_photos.forEach(add);
      }
      a.photos.forEach(add);
      answers.push({ checklist: x.list.id, item: x.item.key, result: a.result, note: a.note.trim(), photos: a.photos.slice(), hazard: hz });
    });
    var body = {
      enterprise_id: draft.unit ? undefined : draft.enterprise_id, unit: draft.unit || undefined, checklists: draft.checklists,
      started_at: draft.started_at, finished_at: finishedAt,
      location: loc.status === "ok" ? { lat: loc.lat, lng: loc.lng, accuracy_m: loc.accuracy_m } : null,
      location_status: loc.status, answers: answers
    };
    if (unchecked.length) body.unchecked = unchecked;
    var sign = signOffBody(draft.sign_off);
    if (sign) {
      body.sign_off = sign;
      if (sign.signature) add(sign.signature);
    }
    if (combined) {
      body.fire_combined = combined;
      if (combined.decision === "confirm") expected++;
    }
    if (draft.amends) body.amends = draft.amends;
    return { uuid: draft.uuid, type: "visit", user_id: draft.user_id, enterprise_id: draft.enterprise_id,
             enterprise_name: draft.enterprise_name, body: body, photos: photos, expected_hazards: expected };
  }

  A.problems = problems; A.summary = summary; A.hazards = hazards; A.signOffProblem = signOffProblem;
  A.buildVisit = buildVisit;
})(window.FA = window.FA || {});
