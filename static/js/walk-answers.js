// The walk's answers, without the page: what a draft holds, the hazard a 不符合 raises,
// the checks before finishing, the visit body sent to the server, and the amendment of
// a visit already queued. Pure functions over plain objects (unit-tested in Node).
(function (FA) {
  "use strict";

  function shanghaiDate(date) {
    // en-CA formats as YYYY-MM-DD; deadlines count in Asia/Shanghai like the server.
    return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
  }

  function addDays(isoDate, days) {
    var d = new Date(isoDate + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  // The hazard panel's editable fields, in order. A checklist item's `defect` (the finding
  // worded as a defect) and `measure` (the standard corrective action) go here when the
  // bundle carries them: add the names, their defaults in hazardDefaults, and a field in
  // the template's hazard panel (walk-render reads this list).
  var HAZARD_FIELDS = ["level", "level_reason", "deadline", "deadline_reason", "description"];

  function hazardDefaults(item, today) {
    return { level: item.major ? "major" : "general", deadline: addDays(today, item.deadline_days || 0) };
  }

  function newHazard(item, today, id) {
    var d = hazardDefaults(item, today);
    return { uuid: id, level: d.level, level_reason: "", deadline: d.deadline, deadline_reason: "", description: "",
             fixed_on_spot: false, after_photos: [] };
  }

  // Sections of the checklists a draft answers, each item with its answer key "checklist/item".
  function sections(lists) {
    var out = [];
    lists.forEach(function (c) {
      c.sections.forEach(function (s) {
        var items = c.items.filter(function (i) { return i.section === s.key; })
          .map(function (i) { return { list: c, item: i, id: c.id + "/" + i.key }; });
        if (items.length) out.push({ title: c.title + " · " + s.title, items: items });
      });
    });
    return out;
  }

  function ensureAnswer(draft, id) {
    if (!draft.answers[id]) draft.answers[id] = { result: null, note: "", photos: [], hazard: null };
    return draft.answers[id];
  }

  function answeredCount(draft) {
    return Object.keys(draft.answers || {}).filter(function (k) { return draft.answers[k].result; }).length;
  }

  // Record an answer. A 不符合 raises a hazard with the item's defaults (kept if already
  // raised); any other answer drops it. Returns the hazard dropped, if any.
  function setResult(draft, x, result, today, newId) {
    var a = ensureAnswer(draft, x.id);
    var dropped = null;
    a.result = result;
    if (result === "fail" && !a.hazard) a.hazard = newHazard(x.item, today, newId());
    if (result !== "fail" && a.hazard) { dropped = a.hazard; a.hazard = null; }
    return dropped;
  }

  function hazardOf(draft, id) {
    var a = draft.answers[id];
    return a && a.result === "fail" ? a.hazard : null;
  }

  // What must be fixed before the visit can be finished, item by item.
  function problems(items, answers, today) {
    var out = [];
    items.forEach(function (x) {
      var a = answers[x.id];
      if (!a || a.result !== "fail") return;
      var h = a.hazard, msg = null;
      var defaultDeadline = addDays(today, x.item.deadline_days || 0);
      if (x.item.photo_required && !a.photos.length) msg = "该项不符合时须拍照";
      else if (h.inherited) msg = null;  // the earlier visit's hazard: kept as it was
      else if (!h.deadline || h.deadline < today) msg = "请填写不早于今天的整改期限";
      else if (h.deadline > defaultDeadline && !h.deadline_reason.trim()) msg = "整改期限长于默认期限，须说明理由";
      else if (x.item.major && h.level === "general" && !h.level_reason.trim()) msg = "该项属重大隐患，定为一般隐患须说明理由";
      else if (h.fixed_on_spot && (!a.photos.length || !h.after_photos.length)) msg = "当场整改须有整改前和整改后照片";
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

  // The outbox item for a finished draft: the PUT body, its photos, the hazards to expect.
  function buildVisit(draft, items, loc, finishedAt) {
    var answers = [], photos = [], expected = 0;
    var add = function (s) { if (photos.indexOf(s) < 0) photos.push(s); };
    items.forEach(function (x) {
      var a = draft.answers[x.id];
      if (!a || !a.result) return;
      var hz = null;
      if (a.result === "fail") {
        var h = a.hazard;
        if (!h.inherited) expected++;  // an amendment's inherited hazard is the earlier visit's
        hz = { uuid: h.uuid, description: h.description.trim() || a.note.trim(), level: h.level, level_reason: h.level_reason.trim(),
               deadline: h.deadline, deadline_reason: h.deadline_reason.trim(), fixed_on_spot: !!h.fixed_on_spot,
               after_photos: h.fixed_on_spot ? h.after_photos.slice() : [] };
        hz.after_photos.forEach(add);
      }
      a.photos.forEach(add);
      answers.push({ checklist: x.list.id, item: x.item.key, result: a.result, note: a.note.trim(), photos: a.photos.slice(), hazard: hz });
    });
    var body = {
      enterprise_id: draft.enterprise_id, checklists: draft.checklists,
      started_at: draft.started_at, finished_at: finishedAt,
      location: loc.status === "ok" ? { lat: loc.lat, lng: loc.lng, accuracy_m: loc.accuracy_m } : null,
      location_status: loc.status, answers: answers
    };
    if (draft.amends) body.amends = draft.amends;
    return { uuid: draft.uuid, type: "visit", user_id: draft.user_id, enterprise_id: draft.enterprise_id,
             enterprise_name: draft.enterprise_name, body: body, photos: photos, expected_hazards: expected };
  }

  // The answers of a queued visit, as a draft holds them (to show it, read-only, or amend it).
  function answersFromBody(body, inherited) {
    var out = {};
    (body.answers || []).forEach(function (a) {
      var h = a.hazard;
      out[a.checklist + "/" + a.item] = {
        result: a.result, note: a.note || "", photos: (a.photos || []).slice(),
        hazard: h ? { uuid: h.uuid, level: h.level, level_reason: h.level_reason || "", deadline: h.deadline,
                      deadline_reason: h.deadline_reason || "", description: h.description || "",
                      fixed_on_spot: !!h.fixed_on_spot, after_photos: (h.after_photos || []).slice(), inherited: !!inherited } : null
      };
    });
    return out;
  }

  function lockedView(item) {
    return { uuid: item.uuid, user_id: item.user_id, enterprise_id: item.enterprise_id, enterprise_name: item.enterprise_name,
             checklists: item.body.checklists, started_at: item.body.started_at, answers: answersFromBody(item.body, false),
             section: 0, amends: item.body.amends || null };
  }

  // A change after submission: a new visit (its own uuid) naming the queued one. Its
  // hazards keep their uuids, so the server keeps them rather than raising them twice.
  function amendmentDraft(item, id, startedAt) {
    return { uuid: id, user_id: item.user_id, enterprise_id: item.enterprise_id, enterprise_name: item.enterprise_name,
             checklists: item.body.checklists, started_at: startedAt, answers: answersFromBody(item.body, true),
             section: 0, item_count: 0, amends: item.uuid };
  }

  FA.walkAnswers = {
    HAZARD_FIELDS: HAZARD_FIELDS, shanghaiDate: shanghaiDate, addDays: addDays, hazardDefaults: hazardDefaults,
    newHazard: newHazard, sections: sections, ensureAnswer: ensureAnswer, answeredCount: answeredCount,
    setResult: setResult, hazardOf: hazardOf, problems: problems, summary: summary, buildVisit: buildVisit,
    lockedView: lockedView, amendmentDraft: amendmentDraft
  };
})(window.FA = window.FA || {});
