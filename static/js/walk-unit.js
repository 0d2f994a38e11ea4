// A visit to a unit found in the field that the street office has decided since (the unit
// left bundle.units): never hidden, never dropped. The bundle's `decided_units` say what the
// unit became. Approved or merged into a premises this phone holds: a draft moves to that
// premises (its answers kept) and a queued visit shows it — the server receives a visit
// naming the unit as that premises' visit. Rejected: the draft still opens and syncs (the
// server keeps it on file, against no premises, raising nothing to rectify, as it does for
// any visit to a rejected unit), or the inspector moves it to the right premises.
// Loaded by the walk only in that case; the outbox and the notice use its words.
// fallback, fateText and move need no DOM (unit-tested in Node).
(function (FA) {
  "use strict";

  function fateOf(bundle, unit) {
    return (bundle && bundle.decided_units || []).filter(function (u) { return u.unit === unit; })[0] || null;
  }

  function premisesById(bundle, id) {
    return id == null ? null : (bundle && bundle.enterprises || []).filter(function (e) { return e.id === id; })[0] || null;
  }

  // What the office decided, in a sentence.
  function fateText(fate) {
    if (!fate) return "";
    if (fate.status === "approved") return "街道安办已审核该单位入册，现为在册场所「" + (fate.enterprise_name || fate.name) + "」";
    if (fate.status === "merged") return "街道安办已将该单位与在册场所「" + (fate.enterprise_name || "") + "」合并";
    return "街道安办未予入册该单位" + (fate.reason ? "（理由：" + fate.reason + "）" : "");
  }

  // What becomes of a visit to it once it syncs (as the server does).
  function syncText(fate) {
    if (!fate) return "";
    return fate.status === "rejected"
      ? "检查记录照常同步，服务器存档，但不记入任何在册场所，也不产生待整改隐患"
      : "检查记录同步后记入该场所";
  }

  // What a visit to `unit` falls back to: the premises to show, the office's decision, whether
  // a draft moves to that premises, and what to tell the inspector. `held` is what the phone
  // holds of it (a draft or a queued visit: its name and lists) for a unit the bundle no longer names.
  function fallback(bundle, unit, held) {
    var fate = fateOf(bundle, unit);
    var ent = fate && premisesById(bundle, fate.enterprise_id);
    if (ent) {
      return { premises: ent, fate: fate, moves: true,
               text: FA.sentence(fateText(fate), "本次检查记入该场所，已填写的内容不变") };
    }
    if (fate) {
      var where = fate.status === "rejected" ? "" : "（不在您负责的网格内，检查仍按该单位提交）";
      return { premises: fate, fate: fate, moves: false, text: FA.sentence(fateText(fate) + where, syncText(fate)) };
    }
    // Decided long ago, or a bundle not refreshed since: what the phone holds is enough to finish and sync.
    return {
      premises: { unit: unit, id: null, name: held && held.enterprise_name || "新发现单位", address: "",
                  checklists: held && held.checklists || [], checklist_items: null },
      fate: null, moves: false,
      text: "离线数据中没有这家新发现单位的审核结果：检查记录仍保存在手机上，可以完成并同步；联网后重新打开可查看审核结果。"
    };
  }

  // The draft, moved to a registered premises: the same answers, now that premises' visit.
  function move(draft, premises) {
    draft.from_unit = draft.unit || draft.from_unit;
    delete draft.unit;
    draft.enterprise_id = premises.id;
    draft.enterprise_name = premises.name;
    return draft;
  }

  FA.walkUnit = { fateOf: fateOf, fateText: fateText, syncText: syncText, fallback: fallback, move: move };
  if (typeof document === "undefined") return;

  // The walk's part: say what became of the unit, move a draft where it belongs, and for a
  // rejected unit offer the premises this phone holds. Resolves to the premises to open, or null.
  FA.walkUnit.open = function (W, bundle, unit, draft, queued) {
    var R = FA.walkRender;
    var f = fallback(bundle, unit, queued ? { enterprise_name: queued.enterprise_name, checklists: queued.body.checklists } : draft);
    if (!draft && !queued) {
      // A new visit asked for by the unit's link: to the premises it became, or none.
      if (f.moves) { location.replace("/inspect/walk?enterprise=" + f.premises.id); return Promise.resolve(null); }
      R.message(f.fate ? FA.sentence(fateText(f.fate), "不能再对它开始新的检查")
        : "在离线数据中找不到这家新发现单位：单位登记须先同步到服务器，请联网后再打开。", "error");
      return Promise.resolve(null);
    }
    var box = document.createElement("div");
    box.className = "alert" + (f.fate && f.fate.status !== "rejected" ? " ok" : "");
    box.id = "unit-fate";
    box.setAttribute("role", "status");
    var p = document.createElement("p");
    p.textContent = queued ? FA.sentence(fateText(f.fate) || f.text, f.fate ? syncText(f.fate) : "") : f.text;
    box.appendChild(p);
    document.querySelector("[data-walk-message]").after(box);
    if (draft && f.moves) return FA.store.put("drafts", move(draft, f.premises)).then(function () { return f.premises; });
    if (draft && f.fate && f.fate.status === "rejected" && (bundle.enterprises || []).length) picker(W, box, bundle, draft);
    return Promise.resolve(f.premises);
  };

  // A rejected unit may be a premises already on the register: the inspector moves the draft to it.
  function picker(W, box, bundle, draft) {
    var label = document.createElement("label");
    label.textContent = "如这其实是某个在册场所，请改选：";
    var select = document.createElement("select");
    select.setAttribute("data-unit-pick", "");
    select.appendChild(new Option("（选择在册场所）", ""));
    bundle.enterprises.forEach(function (e) { select.appendChild(new Option(e.name + (e.address ? "，" + e.address : ""), e.id)); });
    label.appendChild(select);
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "改记到所选场所";
    button.addEventListener("click", function () {
      var ent = premisesById(bundle, parseInt(select.value, 10));
      if (!ent) { select.focus(); return; }
      if (!window.confirm("本次检查将改为对「" + ent.name + "」的检查，已填写的内容不变。继续吗？")) return;
      FA.store.put("drafts", move(draft, ent)).then(function () { location.reload(); });
    });
    box.appendChild(label);
    box.appendChild(button);
  }
})(window.FA = window.FA || {});
