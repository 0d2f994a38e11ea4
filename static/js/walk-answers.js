// The walk's answers, without the page: the checklists and items a visit offers, what a
// draft holds, the hazard a 不符合 raises (its defect wording pre-filled from the item), the
// next item to answer, the rest of a section passed at once, the items still open, and the
// amendment of a visit already queued. The checks before finishing and the visit body sent
// to the server are in walk-finish.js (loaded with the finishing step, not on first load).
// Pure functions over plain objects (unit-tested in Node). The rules each item is held to
// come from the server's bundle (`items[].rules`, `limits`): the phone keeps no copy.
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

  // Collapse runs of white space, as the server stores a defect wording.
  function squash(text) { return String(text || "").split(/\s+/).filter(Boolean).join(" "); }

  // The hazard panel's editable fields, in order (walk-render binds one input per name).
  var HAZARD_FIELDS = ["defect", "level", "level_reason", "deadline", "deadline_reason", "measure", "description"];

  // --- what a visit offers ----------------------------------------------------------

  function inForce(c, day) {
    return (!c.valid_from || c.valid_from <= day) && (!c.valid_until || day <= c.valid_until);
  }

  // The checklists a premises is walked on today: the bundle also carries editions coming
  // into force within its offline window, and a visit on an edition not in force is refused.
  function listsFor(bundle, premises, day) {
    return premises.checklists.map(function (ref) {
      return bundle.checklists.filter(function (c) { return c.id === ref.id && c.version === ref.version; })[0];
    }).filter(function (c) { return c && inForce(c, day); });
  }

  // Sections of the checklists a draft answers, each item with its answer key "checklist/item"
  // and its rules; only the items listed for the premises (an item may narrow its list's scope).
  function sections(lists, itemsFor) {
    var out = [];
    lists.forEach(function (c) {
      var keys = itemsFor && itemsFor[c.id];
      c.sections.forEach(function (s) {
        var items = c.items.filter(function (i) { return i.section === s.key && (!keys || keys.indexOf(i.key) >= 0); })
          .map(function (i) { return { list: c, item: i, id: c.id + "/" + i.key, rules: i.rules, section: out.length }; });
        if (items.length) out.push({ title: c.title + " · " + s.title, items: items });
      });
    });
    return out;
  }

  // --- answers and hazards ------------------------------------------------------------

  function hazardDefaults(x, today) {
    return { level: x.rules.default_level, deadline: addDays(today, x.rules.default_deadline_days) };
  }

  function newHazard(x, today, id) {
    var d = hazardDefaults(x, today);
    return { uuid: id, defect: x.item.defect || x.item.text, level: d.level, level_reason: "", deadline: d.deadline,
             deadline_reason: "", measure: x.item.measure || "", description: "", fixed_on_spot: false, after_photos: [] };
  }

  function ensureAnswer(draft, id) {
    if (!draft.answers[id]) draft.answers[id] = { result: null, note: "", photos: [], hazard: null };
    return draft.answers[id];
  }

  function resultOf(draft, id) { return draft.answers[id] && draft.answers[id].result || null; }

  function answeredCount(draft) {
    return Object.keys(draft.answers || {}).filter(function (k) { return draft.answers[k].result; }).length;
  }

  // Record an answer. A 不符合 raises a hazard with the item's defaults (kept if already
  // raised); any other answer drops it. An answer clears a 未检查 reason. Returns the hazard dropped, if any.
  function setResult(draft, x, result, today, newId) {
    var a = ensureAnswer(draft, x.id);
    var dropped = null;
    a.result = result;
    if (draft.unchecked) delete draft.unchecked[x.id];
    if (result === "fail" && !a.hazard) a.hazard = newHazard(x, today, newId());
    if (result !== "fail" && a.hazard) { dropped = a.hazard; a.hazard = null; }
    return dropped;
  }

  function hazardOf(draft, id) {
    var a = draft.answers[id];
    return a && a.result === "fail" ? a.hazard : null;
  }

  // 未检查 with a reason (an empty reason withdraws it). Only for an item not answered.
  function setUnchecked(draft, x, reason) {
    draft.unchecked = draft.unchecked || {};
    if (reason === null || reason === undefined) delete draft.unchecked[x.id];
    else draft.unchecked[x.id] = String(reason);
  }

  function uncheckedOf(draft, id) {
    return draft.unchecked && Object.prototype.hasOwnProperty.call(draft.unchecked, id) ? draft.unchecked[id] : null;
  }

  // Still open: no answer, and not set aside as 未检查.
  function open(draft, x) { return !resultOf(draft, x.id) && uncheckedOf(draft, x.id) === null; }

  // The item to answer after `fromId`: the next open one in walk order, else the first open
  // one before it; null when every item is answered or set aside.
  function nextUnanswered(items, draft, fromId) {
    var at = -1;
    for (var i = 0; i < items.length; i++) if (items[i].id === fromId) at = i;
    for (var k = 1; k <= items.length; k++) {
      var x = items[(at + k + items.length) % items.length];
      if (x.id !== fromId && open(draft, x)) return x;
    }
    return null;
  }

  // Where the walk goes after an answer: the next open item of the same section (after this
  // one, then before it), else the next open item of the walk; null when none is left.
  function nextToAnswer(sectionList, draft, fromId) {
    var all = [].concat.apply([], sectionList.map(function (s) { return s.items; }));
    var x = all.filter(function (i) { return i.id === fromId; })[0];
    return (x && nextUnanswered(sectionList[x.section].items, draft, fromId)) || nextUnanswered(all, draft, fromId);
  }

  // The items of a section still open: what 本部分其余全部符合 would answer.
  function restOfSection(section, draft) {
    return section.items.filter(function (x) { return open(draft, x); });
  }

  // Answer them all 符合 (after the inspector confirmed the list). Returns how many.
  function passRest(draft, xs, today, newId) {
    xs.forEach(function (x) { setResult(draft, x, "pass", today, newId); });
    return xs.length;
  }

  // Items without an answer: each with whether the checklist requires it and the 未检查 reason given.
  function unanswered(items, draft) {
    return items.filter(function (x) { return !resultOf(draft, x.id); }).map(function (x) {
      return { x: x, required: x.rules.required !== false, reason: uncheckedOf(draft, x.id) };
    });
  }

  // Required items neither answered nor set aside with a reason.
  function missingRequired(items, draft) {
    return unanswered(items, draft).filter(function (u) { return u.required && !(u.reason || "").trim(); });
  }

  // The answers of a queued visit, as a draft holds them (to show it, read-only, or amend it).
  function answersFromBody(body, inherited) {
    var out = {};
    (body.answers || []).forEach(function (a) {
      var h = a.hazard;
      out[a.checklist + "/" + a.item] = {
        result: a.result, note: a.note || "", photos: (a.photos || []).slice(),
        hazard: h ? { uuid: h.uuid, defect: h.defect || "", level: h.level, level_reason: h.level_reason || "", deadline: h.deadline,
                      deadline_reason: h.deadline_reason || "", measure: h.measure || "", description: h.description || "",
                      fixed_on_spot: !!h.fixed_on_spot, after_photos: (h.after_photos || []).slice(), inherited: !!inherited } : null
      };
    });
    return out;
  }

  function uncheckedFromBody(body) {
    var out = {};
    (body.unchecked || []).forEach(function (u) { out[u.checklist + "/" + u.item] = u.reason; });
    return out;
  }

  function lockedView(item) {
    return { uuid: item.uuid, user_id: item.user_id, enterprise_id: item.enterprise_id, enterprise_name: item.enterprise_name,
             checklists: item.body.checklists, started_at: item.body.started_at, answers: answersFromBody(item.body, false),
             unchecked: uncheckedFromBody(item.body), section: 0, amends: item.body.amends || null };
  }

  // A change after submission: a new visit (its own uuid) naming the queued one. Its
  // hazards keep their uuids, so the server keeps them rather than raising them twice.
  // The sign-off is asked for again: the person signed what was first submitted.
  function amendmentDraft(item, id, startedAt) {
    return { uuid: id, user_id: item.user_id, enterprise_id: item.enterprise_id, enterprise_name: item.enterprise_name,
             checklists: item.body.checklists, started_at: startedAt, answers: answersFromBody(item.body, true),
             unchecked: uncheckedFromBody(item.body), section: 0, item_count: 0, amends: item.uuid };
  }

  FA.walkAnswers = {
    HAZARD_FIELDS: HAZARD_FIELDS, shanghaiDate: shanghaiDate, addDays: addDays, squash: squash, inForce: inForce,
    listsFor: listsFor, sections: sections, hazardDefaults: hazardDefaults, newHazard: newHazard, ensureAnswer: ensureAnswer,
    resultOf: resultOf, answeredCount: answeredCount, setResult: setResult, hazardOf: hazardOf, setUnchecked: setUnchecked,
    uncheckedOf: uncheckedOf, nextUnanswered: nextUnanswered, nextToAnswer: nextToAnswer, restOfSection: restOfSection, passRest: passRest,
    unanswered: unanswered, missingRequired: missingRequired, lockedView: lockedView, amendmentDraft: amendmentDraft
  };
})(window.FA = window.FA || {});
