// The walk's answers without the page: hazards raised by 不符合, the checks before
// finishing, the body sent to the server, and the amendment of a queued visit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FA } from "./harness.mjs";

const A = FA.walkAnswers;
const TODAY = "2026-12-07";
const list = {
  id: "general", version: 1, title: "通用",
  sections: [{ key: "fire", title: "消防" }, { key: "dust", title: "粉尘" }],
  items: [
    { key: "extinguishers", section: "fire", text: "灭火器", major: false, deadline_days: 7, photo_required: true },
    { key: "exits", section: "fire", text: "出口", major: false, deadline_days: 0, photo_required: false },
    { key: "dust", section: "dust", text: "积尘", major: true, deadline_days: 30, photo_required: false },
  ],
};
const sections = A.sections([list]);
const items = sections.flatMap((s) => s.items);
const x = (key) => items.find((i) => i.item.key === key);
let n = 0;
const newId = () => `66666666-6666-4666-8666-${String(++n).padStart(12, "0")}`;
const draft = () => ({ uuid: "d1", user_id: 7, enterprise_id: 3, enterprise_name: "甲一", checklists: [{ id: "general", version: 1 }],
                       started_at: "2026-12-07T01:00:00Z", answers: {} });

test("sections and item ids follow the checklist", () => {
  assert.deepEqual(sections.map((s) => s.title), ["通用 · 消防", "通用 · 粉尘"]);
  assert.deepEqual(items.map((i) => i.id), ["general/extinguishers", "general/exits", "general/dust"]);
});

test("不符合 raises a hazard with the item's defaults; another answer drops it", () => {
  const d = draft();
  assert.equal(A.setResult(d, x("dust"), "fail", TODAY, newId), null);
  const h = d.answers["general/dust"].hazard;
  assert.equal(h.level, "major");
  assert.equal(h.deadline, "2027-01-06");
  A.setResult(d, x("dust"), "fail", TODAY, newId);
  assert.equal(d.answers["general/dust"].hazard, h, "answering 不符合 again keeps the same hazard");
  h.reported = "alert-1";
  assert.equal(A.setResult(d, x("dust"), "pass", TODAY, newId).reported, "alert-1");
  assert.equal(A.hazardOf(d, "general/dust"), null);
});

test("the checks before finishing, in the order the inspector fixes them", () => {
  const d = draft();
  A.setResult(d, x("extinguishers"), "fail", TODAY, newId);
  A.setResult(d, x("dust"), "fail", TODAY, newId);
  let bad = A.problems(items, d.answers, TODAY).map((p) => [p.x.item.key, p.msg]);
  assert.deepEqual(bad, [["extinguishers", "该项不符合时须拍照"]]);
  d.answers["general/extinguishers"].photos.push("a".repeat(64));
  d.answers["general/dust"].hazard.level = "general";
  bad = A.problems(items, d.answers, TODAY).map((p) => p.msg);
  assert.deepEqual(bad, ["该项属重大隐患，定为一般隐患须说明理由"]);
  d.answers["general/dust"].hazard.level_reason = "已现场清扫";
  d.answers["general/dust"].hazard.deadline = "2027-03-01";
  assert.deepEqual(A.problems(items, d.answers, TODAY).map((p) => p.msg), ["整改期限长于默认期限，须说明理由"]);
  d.answers["general/dust"].hazard.deadline = "2026-12-01";
  assert.deepEqual(A.problems(items, d.answers, TODAY).map((p) => p.msg), ["请填写不早于今天的整改期限"]);
});

test("the body sent: answered items only, photos once, hazards expected", () => {
  const d = draft();
  A.setResult(d, x("extinguishers"), "fail", TODAY, newId);
  A.setResult(d, x("exits"), "pass", TODAY, newId);
  d.answers["general/extinguishers"].photos.push("b".repeat(64));
  d.answers["general/exits"].photos.push("b".repeat(64));
  d.answers["general/extinguishers"].note = " 压力低 ";
  const item = A.buildVisit(d, items, { status: "denied" }, "2026-12-07T02:00:00Z");
  assert.equal(item.uuid, "d1");
  assert.equal(item.expected_hazards, 1);
  assert.deepEqual(item.photos, ["b".repeat(64)]);
  assert.equal(item.body.location, null);
  assert.equal(item.body.location_status, "denied");
  assert.equal(item.body.answers.length, 2);
  assert.equal(item.body.answers[0].hazard.description, "压力低");
  assert.equal("amends" in item.body, false);
  assert.deepEqual(A.summary(items, d.answers).slice(0, 4), [["检查项", 3], ["已检查", 2], ["符合", 1], ["不符合", 1]]);
});

test("an amendment: its own uuid, naming the queued visit; its hazards are the earlier ones", () => {
  const d = draft();
  A.setResult(d, x("extinguishers"), "fail", TODAY, newId);
  d.answers["general/extinguishers"].photos.push("c".repeat(64));
  const queued = A.buildVisit(d, items, { status: "ok", lat: 24.9, lng: 118.5, accuracy_m: 10 }, "2026-12-07T02:00:00Z");
  const amendment = A.amendmentDraft(queued, "77777777-7777-4777-8777-000000000001", "2026-12-07T03:00:00Z");
  assert.equal(amendment.amends, "d1");
  assert.notEqual(amendment.uuid, queued.uuid);
  const h = amendment.answers["general/extinguishers"].hazard;
  assert.equal(h.uuid, queued.body.answers[0].hazard.uuid);
  assert.equal(h.inherited, true);
  // A missed hazard added in the amendment is new; the inherited one is not expected again.
  A.setResult(amendment, x("dust"), "fail", TODAY, newId);
  const sent = A.buildVisit(amendment, items, { status: "timeout" }, "2026-12-07T03:10:00Z");
  assert.equal(sent.body.amends, "d1");
  assert.equal(sent.expected_hazards, 1);
  assert.equal(sent.body.answers.length, 2);
  // The read-only view of the queued visit shows what was sent.
  const view = A.lockedView(queued);
  assert.equal(view.answers["general/extinguishers"].result, "fail");
  assert.equal(view.answers["general/extinguishers"].hazard.inherited, false);
});

test("the hazard fields are one list (the defect and measure fields join it later)", () => {
  assert.deepEqual(A.HAZARD_FIELDS, ["level", "level_reason", "deadline", "deadline_reason", "description"]);
});
