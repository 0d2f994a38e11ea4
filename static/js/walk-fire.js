// GB 35181 combined judgement (多项要素综合判定) on the phone: the same proposal the server
// makes (fieldapp/fire_judgement.py), from the rules the bundle ships (`fire_judgement`),
// so the inspector confirms or declines on site what the server will accept. Pure
// functions (unit-tested in Node against the server's table of cases, tests/data/fire_cases.json).
(function (FA) {
  "use strict";

  function numbers(code) { return code.split(".").map(function (p) { return parseInt(p, 10); }); }

  function compareCodes(a, b) {
    var x = numbers(a), y = numbers(b);
    for (var i = 0; i < Math.max(x.length, y.length); i++) {
      if (x[i] === undefined) return -1;
      if (y[i] === undefined) return 1;
      if (x[i] !== y[i]) return x[i] - y[i];
    }
    return 0;
  }

  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  // The edition in force on a day (YYYY-MM-DD).
  function edition(rules, day) {
    return rules.editions.filter(function (e) {
      return (!e.valid_from || e.valid_from <= day) && (!e.valid_until || day <= e.valid_until);
    })[0] || rules.editions[rules.editions.length - 1];
  }

  // The failed answers whose item counts as an element: [{checklist, item, element, defect}].
  function failedElements(items, answers) {
    var out = [];
    items.forEach(function (x) {
      var a = answers[x.id];
      if (!a || a.result !== "fail" || !x.item.fire_element) return;
      var S = FA.walkAnswers.squash;
      var worded = S(a.hazard && a.hazard.defect) || S(x.item.defect || x.item.text);
      out.push({ checklist: x.list.id, item: x.item.key, element: x.item.fire_element, defect: worded });
    });
    return out;
  }

  // Propose a combined 重大火灾隐患 when the failed elements reach a threshold; else null.
  // Rules are tried in order for the venue kind; each element counts once.
  function propose(rules, failed, venueKind, day) {
    var rows = failed.filter(function (f) { return Object.prototype.hasOwnProperty.call(rules.elements, f.element); });
    var ed = edition(rules, day);
    for (var i = 0; i < rules.rules.length; i++) {
      var r = rules.rules[i];
      if (r.venue_kinds.indexOf(venueKind) < 0) continue;
      var listed = r.elements ? rows.filter(function (f) { return r.elements.indexOf(f.element) >= 0; }) : rows;
      var distinct = {};
      listed.forEach(function (f) { distinct[f.element] = true; });
      if (Object.keys(distinct).length < r.threshold) continue;
      var counted = listed.slice().sort(function (a, b) {
        return compareCodes(a.element, b.element) || cmp(a.checklist, b.checklist) || cmp(a.item, b.item);
      });
      return { edition: ed.edition, venue_kind: venueKind, venue_kind_label: rules.venue_kinds[venueKind], rule: r.rule,
               threshold: r.threshold, counted: counted, unverified: !!ed.unverified,
               elements: Object.keys(distinct).sort(compareCodes) };
    }
    return null;
  }

  // The combined hazard worded as a defect, naming what was counted (as the server words it).
  function defect(p) {
    var listed = p.counted.map(function (f) { return f.defect + "（要素" + f.element + "）"; }).join("；");
    return ("多项消防安全问题并存，综合判定为重大火灾隐患：" + listed).slice(0, 2000);
  }

  // What was counted, as one string: an answer given to one proposal is not carried to another.
  function signature(p) {
    return p ? p.counted.map(function (f) { return f.checklist + "/" + f.item; }).join(",") : "";
  }

  // The body's `fire_combined` for the inspector's answer, or null (no proposal, or not answered).
  function body(p, answer) {
    if (!p || !answer || answer.counted !== signature(p) || !answer.decision) return null;
    if (answer.decision === "decline") return { decision: "decline", reason: FA.walkAnswers.squash(answer.reason) };
    var out = { decision: "confirm", hazard: { uuid: answer.hazard_uuid, deadline: answer.deadline } };
    if ((answer.reason || "").trim()) out.reason = FA.walkAnswers.squash(answer.reason);
    return out;
  }

  // Why the answer cannot be sent yet, or null.
  function problem(p, answer) {
    if (!p) return null;
    if (!answer || answer.counted !== signature(p) || !answer.decision) return "请确认或不予认定综合判定的重大火灾隐患";
    if (answer.decision === "decline" && !(answer.reason || "").trim()) return "不予认定须说明理由";
    return null;
  }

  FA.walkFire = { edition: edition, failedElements: failedElements, propose: propose, defect: defect,
                  signature: signature, body: body, problem: problem, DEFAULT_DEADLINE_DAYS: 30 };
})(window.FA = window.FA || {});
