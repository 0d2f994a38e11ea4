// The walk's answers without the page: the lists and items a visit offers, hazards raised by
// 不符合 (worded by the item's defect), the next item, the rest of a section, the checks before
// finishing, the body sent to the server, and the amendment of a queued visit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FA } from "./harness.mjs";

const A = FA.walkAnswers;
const TODAY = "2026-12-07";
const LIMITS = { text: 2000, reason: 500, owner: 60, defect: 200, photos_per_answer: 10, max_deadline_days: 365 };

// The rules the server ships with each item (fieldapp/contract/rules.py: ItemRules.of).
function rules(item, over = {}) {
  const days = item.deadline_days;
  return { major: item.major, default_level: item.major ? "major" : "general", default_deadline_days: days,
           deadline_reason_after_days: days, max_deadline_days: 365, photo_required: item.photo_required,
           level_reason_if_lowered: item.major, fix_on_spot_levels: ["general"], fix_on_spot_needs_photos: true,
           required: !item.optional, ...over };
}
function it(key, section, extra) {
  const item = { key, section, text: key + " 的检查内容", defect: key + " 的隐患表述", measure: key + " 的整改措施",
                 major: false, deadline_days: 7, photo_required: false, ...extra };
  item.rules = rules(item, extra.rules);
  return item;
}
const list = {
  id: "general", version: 1, title: "通用",
  sections: [{ key: "fire", title: "消防" }, { key: "dust", title: "粉尘" }],
  items: [
    it("extinguishers", "fire", { photo_required: true }),
    it("exits", "fire", { deadline_days: 0 }),
    it("signs", "fire", { optional: true }),
    it("dust", "dust", { major: true, deadline_days: 30 }),
    it("ducts", "dust", {}),
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
  assert.deepEqual(items.map((i) => i.id), ["general/extinguishers", "general/exits", "general/signs", "general/dust", "general/ducts"]);
});

test("a visit offers the lists in force today and the items listed for the premises", () => {
  const old = { ...list, id: "fire_2017", valid_until: "2025-10-31" };
  const next = { ...list, id: "fire_2025", valid_from: "2025-11-01" };
  const bundle = { checklists: [list, old, next] };
  const premises = { checklists: [{ id: "general", version: 1 }, { id: "fire_2017", version: 1 }, { id: "fire_2025", version: 1 }],
                     checklist_items: { general: ["exits", "dust"] } };
  assert.deepEqual(A.listsFor(bundle, premises, "2025-10-31").map((c) => c.id), ["general", "fire_2017"]);
  assert.deepEqual(A.listsFor(bundle, premises, "2025-11-01").map((c) => c.id), ["general", "fire_2025"]);
  const only = A.sections([list], premises.checklist_items);
  assert.deepEqual(only.flatMap((s) => s.items).map((i) => i.id), ["general/exits", "general/dust"]);
  // A version the bundle no longer holds is simply not offered.
  assert.deepEqual(A.listsFor(bundle, { checklists: [{ id: "general", version: 2 }] }, TODAY), []);
});

test("不符合 raises a hazard worded by the item's defect, with its measure and the rules' defaults", () => {
  const d = draft();
  assert.equal(A.setResult(d, x("dust"), "fail", TODAY, newId), null);
  const h = d.answers["general/dust"].hazard;
  assert.deepEqual([h.defect, h.measure, h.level, h.deadline], ["dust 的隐患表述", "dust 的整改措施", "major", "2027-01-06"]);
  A.setResult(d, x("dust"), "fail", TODAY, newId);
  assert.equal(d.answers["general/dust"].hazard, h, "answering 不符合 again keeps the same hazard");
  h.reported = "alert-1";
  assert.equal(A.setResult(d, x("dust"), "pass", TODAY, newId).reported, "alert-1");
  assert.equal(A.hazardOf(d, "general/dust"), null);
});

test("the rules come from the bundle, not from the item's own fields", () => {
  const odd = it("odd", "fire", { deadline_days: 7, rules: { default_deadline_days: 14, deadline_reason_after_days: 20,
                                                             max_deadline_days: 30, default_level: "major", level_reason_if_lowered: false } });
  const [s] = A.sections([{ ...list, items: [odd] }]);
  const y = s.items[0];
  const d = draft();
  A.setResult(d, y, "fail", TODAY, newId);
  const h = d.answers["general/odd"].hazard;
  assert.deepEqual([h.level, h.deadline], ["major", "2026-12-21"]);
  h.level = "general";  // lowering needs no reason under these rules
  h.deadline = "2026-12-27";  // 20 days: no reason needed yet
  assert.deepEqual(A.problems([y], d, TODAY, LIMITS), []);
  h.deadline = "2026-12-28";
  assert.deepEqual(A.problems([y], d, TODAY, LIMITS).map((p) => p.msg), ["整改期限长于默认期限，须说明理由"]);
  h.deadline_reason = "需采购设备";
  h.deadline = "2027-01-07";
  assert.deepEqual(A.problems([y], d, TODAY, LIMITS).map((p) => p.msg), ["整改期限不能超过 30 天"]);
});

test("the checks before finishing, in the order the inspector fixes them", () => {
  const d = draft();
  A.setResult(d, x("extinguishers"), "fail", TODAY, newId);
  A.setResult(d, x("dust"), "fail", TODAY, newId);
  let bad = A.problems(items, d, TODAY, LIMITS).map((p) => [p.x.item.key, p.msg]);
  assert.deepEqual(bad, [["extinguishers", "该项不符合时须拍照"]]);
  d.answers["general/extinguishers"].photos.push("a".repeat(64));
  d.answers["general/dust"].hazard.level = "general";
  bad = A.problems(items, d, TODAY, LIMITS).map((p) => p.msg);
  assert.deepEqual(bad, ["该项属重大隐患，定为一般隐患须说明理由"]);
  d.answers["general/dust"].hazard.level_reason = "已现场清扫";
  d.answers["general/dust"].hazard.deadline = "2027-03-01";
  assert.deepEqual(A.problems(items, d, TODAY, LIMITS).map((p) => p.msg), ["整改期限长于默认期限，须说明理由"]);
  d.answers["general/dust"].hazard.deadline = "2026-12-01";
  assert.deepEqual(A.problems(items, d, TODAY, LIMITS).map((p) => p.msg), ["请填写不早于今天的整改期限"]);
  d.answers["general/dust"].hazard.deadline = "2026-12-08";
  d.answers["general/dust"].hazard.defect = "  ";
  assert.deepEqual(A.problems(items, d, TODAY, LIMITS).map((p) => p.msg), ["请填写隐患表述"]);
  d.answers["general/dust"].hazard.defect = "积".repeat(201);
  assert.deepEqual(A.problems(items, d, TODAY, LIMITS).map((p) => p.msg), ["隐患表述不能超过 200 字"]);
  d.answers["general/dust"].hazard.defect = "除尘器积尘";
  d.answers["general/dust"].hazard.fixed_on_spot = true;
  assert.deepEqual(A.problems(items, d, TODAY, LIMITS).map((p) => p.msg), ["当场整改须有整改前和整改后照片"]);
});

test("after an answer the walk moves to the next open item, skipping answered and 未检查 ones", () => {
  const d = draft();
  assert.equal(A.nextUnanswered(items, d, "general/extinguishers").id, "general/exits");
  A.setResult(d, x("exits"), "pass", TODAY, newId);
  A.setUnchecked(d, x("signs"), "标识牌被货架遮挡");
  assert.equal(A.nextUnanswered(items, d, "general/extinguishers").id, "general/dust", "across the section's end");
  A.setResult(d, x("dust"), "na", TODAY, newId);
  A.setResult(d, x("ducts"), "pass", TODAY, newId);
  assert.equal(A.nextUnanswered(items, d, "general/ducts").id, "general/extinguishers", "back to one left open earlier");
  A.setResult(d, x("extinguishers"), "pass", TODAY, newId);
  assert.equal(A.nextUnanswered(items, d, "general/extinguishers"), null);
});

test("the walk stays in the section while it has open items, then goes on to the next section", () => {
  const d = draft();
  A.setResult(d, x("exits"), "pass", TODAY, newId);
  assert.equal(A.nextToAnswer(sections, d, "general/exits").id, "general/signs");
  A.setResult(d, x("signs"), "pass", TODAY, newId);
  assert.equal(A.nextToAnswer(sections, d, "general/signs").id, "general/extinguishers", "one left open earlier in the section");
  A.setResult(d, x("extinguishers"), "na", TODAY, newId);
  assert.equal(A.nextToAnswer(sections, d, "general/extinguishers").id, "general/dust");
  A.setResult(d, x("ducts"), "pass", TODAY, newId);
  A.setResult(d, x("dust"), "pass", TODAY, newId);
  assert.equal(A.nextToAnswer(sections, d, "general/dust"), null);
});

test("本部分其余全部符合 answers only the section's open items", () => {
  const d = draft();
  A.setResult(d, x("extinguishers"), "fail", TODAY, newId);
  A.setUnchecked(d, x("signs"), "未营业，无法查看");
  const rest = A.restOfSection(sections[0], d);
  assert.deepEqual(rest.map((r) => r.id), ["general/exits"]);
  assert.equal(A.passRest(d, rest, TODAY, newId), 1);
  assert.equal(A.resultOf(d, "general/extinguishers"), "fail", "the hazard stays");
  assert.equal(A.resultOf(d, "general/signs"), null, "未检查 stays 未检查");
  assert.equal(A.resultOf(d, "general/exits"), "pass");
  assert.deepEqual(A.restOfSection(sections[0], d), []);
  assert.deepEqual(A.restOfSection(sections[1], d).map((r) => r.id), ["general/dust", "general/ducts"]);
});

test("required items need an answer or 未检查 with a reason; optional ones need neither", () => {
  const d = draft();
  assert.deepEqual(A.missingRequired(items, d).map((u) => u.x.item.key), ["extinguishers", "exits", "dust", "ducts"]);
  A.setUnchecked(d, x("dust"), "");
  assert.deepEqual(A.problems(items, d, TODAY, LIMITS).map((p) => [p.x.item.key, p.msg]), [["dust", "选择“未检查”须说明原因"]]);
  assert.ok(A.missingRequired(items, d).some((u) => u.x.item.key === "dust"));
  A.setUnchecked(d, x("dust"), "除尘间上锁，负责人不在");
  assert.deepEqual(A.missingRequired(items, d).map((u) => u.x.item.key), ["extinguishers", "exits", "ducts"]);
  A.setResult(d, x("dust"), "pass", TODAY, newId);
  assert.equal(A.uncheckedOf(d, "general/dust"), null, "an answer withdraws 未检查");
  const listed = A.unanswered(items, d);
  assert.deepEqual(listed.find((u) => u.x.item.key === "signs"), { x: x("signs"), required: false, reason: null });
});

test("the sign-off: a signature, or a refusal with its reason", () => {
  assert.equal(A.signOffProblem(null), "请被检查单位负责人签名，或记录拒绝签名的原因");
  assert.equal(A.signOffProblem({ status: "signed" }), "请被检查单位负责人在签名框内签名");
  assert.equal(A.signOffProblem({ status: "refused", reason: " " }), "请说明负责人拒绝签名或无法签名的原因");
  assert.equal(A.signOffProblem({ status: "refused", reason: "负责人外出" }), null);
  assert.equal(A.signOffProblem({ status: "signed", signature: "f".repeat(64) }), null);
});

test("the body sent: answers, 未检查 with reasons, the defect edited, the sign-off and its image, the combined judgement", () => {
  const d = draft();
  A.setResult(d, x("extinguishers"), "fail", TODAY, newId);
  A.setResult(d, x("exits"), "pass", TODAY, newId);
  d.answers["general/extinguishers"].photos.push("b".repeat(64));
  d.answers["general/exits"].photos.push("b".repeat(64));
  d.answers["general/extinguishers"].note = " 压力低 ";
  d.answers["general/extinguishers"].hazard.defect = " 前台灭火器  失压 ";
  A.setUnchecked(d, x("dust"), " 除尘间 上锁 ");
  A.setUnchecked(d, x("ducts"), "");  // withdrawn by an empty reason: not sent
  d.sign_off = { status: "signed", signature: "e".repeat(64), signer: " 张三 ", signed_at: "2026-12-07T01:55:00Z" };
  const combined = { decision: "confirm", hazard: { uuid: "u-1", deadline: "2027-01-06" } };
  const item = A.buildVisit(d, items, { status: "denied" }, "2026-12-07T02:00:00Z", combined);
  assert.equal(item.uuid, "d1");
  assert.equal(item.expected_hazards, 2, "the item's hazard and the combined one");
  assert.deepEqual(item.photos, ["b".repeat(64), "e".repeat(64)], "the signature goes up like a photo");
  assert.equal(item.body.location, null);
  assert.equal(item.body.location_status, "denied");
  assert.equal(item.body.answers.length, 2);
  const hz = item.body.answers[0].hazard;
  assert.deepEqual([hz.defect, hz.description, hz.measure], ["前台灭火器 失压", "压力低", "extinguishers 的整改措施"]);
  assert.deepEqual(item.body.unchecked, [{ checklist: "general", item: "dust", reason: "除尘间 上锁" }]);
  assert.deepEqual(item.body.sign_off, { status: "signed", signer: "张三", signature: "e".repeat(64), signed_at: "2026-12-07T01:55:00Z" });
  assert.deepEqual(item.body.fire_combined, combined);
  assert.equal("amends" in item.body, false);
  assert.deepEqual(A.summary(items, d.answers).slice(0, 4), [["检查项", 5], ["已检查", 2], ["符合", 1], ["不符合", 1]]);
  assert.deepEqual(A.hazards(items, d).map((h) => [h.x.item.key, h.hazard.level, h.photos.length]), [["extinguishers", "general", 1]]);
  d.sign_off = { status: "refused", reason: "负责人外出", signer: "" };
  assert.deepEqual(A.buildVisit(d, items, { status: "denied" }, "2026-12-07T02:00:00Z", null).body.sign_off,
                   { status: "refused", signer: "", reason: "负责人外出" });
});

test("an amendment: its own uuid, naming the queued visit; its hazards are the earlier ones; the sign-off is asked again", () => {
  const d = draft();
  A.setResult(d, x("extinguishers"), "fail", TODAY, newId);
  d.answers["general/extinguishers"].photos.push("c".repeat(64));
  A.setUnchecked(d, x("dust"), "除尘间上锁");
  d.sign_off = { status: "refused", reason: "负责人外出" };
  const queued = A.buildVisit(d, items, { status: "ok", lat: 24.9, lng: 118.5, accuracy_m: 10 }, "2026-12-07T02:00:00Z", null);
  const amendment = A.amendmentDraft(queued, "77777777-7777-4777-8777-000000000001", "2026-12-07T03:00:00Z");
  assert.equal(amendment.amends, "d1");
  assert.notEqual(amendment.uuid, queued.uuid);
  const h = amendment.answers["general/extinguishers"].hazard;
  assert.equal(h.uuid, queued.body.answers[0].hazard.uuid);
  assert.equal(h.defect, "extinguishers 的隐患表述");
  assert.equal(h.inherited, true);
  assert.equal(A.uncheckedOf(amendment, "general/dust"), "除尘间上锁");
  assert.equal(amendment.sign_off, undefined);
  // A missed hazard added in the amendment is new; the inherited one is not expected again.
  A.setResult(amendment, x("dust"), "fail", TODAY, newId);
  const sent = A.buildVisit(amendment, items, { status: "timeout" }, "2026-12-07T03:10:00Z", null);
  assert.equal(sent.body.amends, "d1");
  assert.equal(sent.expected_hazards, 1);
  assert.equal(sent.body.answers.length, 2);
  assert.equal("unchecked" in sent.body, false, "dust is answered now");
  // The read-only view of the queued visit shows what was sent.
  const view = A.lockedView(queued);
  assert.equal(view.answers["general/extinguishers"].result, "fail");
  assert.equal(view.answers["general/extinguishers"].hazard.inherited, false);
});

test("the hazard fields are one list: the defect wording first, the measure with them", () => {
  assert.deepEqual(A.HAZARD_FIELDS, ["defect", "level", "level_reason", "deadline", "deadline_reason", "measure", "description"]);
});

test("a visit to a unit found in the field names the unit, not a premises id", () => {
  const d = { ...draft(), enterprise_id: null, unit: "33333333-3333-4333-8333-000000000001" };
  A.setResult(d, x("exits"), "pass", TODAY, newId);
  const sent = JSON.parse(JSON.stringify(A.buildVisit(d, items, { status: "timeout" }, "2026-12-07T02:00:00Z", null).body));
  assert.equal(sent.unit, "33333333-3333-4333-8333-000000000001");
  assert.equal("enterprise_id" in sent, false, "the server takes one or the other");
  const registered = JSON.parse(JSON.stringify(A.buildVisit(draft(), items, { status: "timeout" }, "2026-12-07T02:00:00Z", null).body));
  assert.equal("unit" in registered, false);
  assert.equal(typeof registered.enterprise_id, "number");
});
