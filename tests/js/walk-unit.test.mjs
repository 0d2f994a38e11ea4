// A draft or queued visit to a unit found in the field, after the street office decided the
// unit (it left bundle.units): it falls back to the premises the unit became, or says why
// there is none — and is never hidden. What the walk, the outbox and the notice rely on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FA, T0 } from "./harness.mjs";

const U = FA.walkUnit;
const A = FA.walkAnswers;
const UNIT = "33333333-3333-4333-8333-000000000001";

function decided(status, extra = {}) {
  return { unit: UNIT, id: null, name: "新华路阿明小吃店", address: "新华路 18 号", street: "甲街道",
           checklists: [{ id: "general", version: 1 }], checklist_items: {}, status,
           enterprise_id: null, enterprise_name: null, reason: "", decided_at: "2026-12-07T01:00:00+00:00", ...extra };
}
const premises = { id: 42, name: "阿明小吃店", address: "新华路 18 号", checklists: [{ id: "general", version: 1 }],
                   checklist_items: { general: ["exits"] }, public_url: "http://x/q/t" };
const bundle = (...fates) => ({ enterprises: [premises], units: [], decided_units: fates });
const draft = () => ({ uuid: "d1", user_id: 7, enterprise_id: null, unit: UNIT, enterprise_name: "新华路阿明小吃店",
                       checklists: [{ id: "general", version: 1 }], started_at: "2026-12-07T01:30:00Z",
                       answers: { "general/exits": { result: "fail", note: "后门上锁", photos: [], hazard: null } },
                       unchecked: {}, section: 0, item_count: 1 });

test("approved into a premises this phone holds: the draft moves to it, answers kept", () => {
  const f = U.fallback(bundle(decided("approved", { enterprise_id: 42, enterprise_name: "阿明小吃店" })), UNIT, draft());
  assert.equal(f.premises, premises);
  assert.equal(f.moves, true);
  assert.equal(f.text, "街道安办已审核该单位入册，现为在册场所「阿明小吃店」：本次检查记入该场所，已填写的内容不变。");
  const d = U.move(draft(), f.premises);
  assert.deepEqual([d.enterprise_id, d.enterprise_name, d.unit, d.from_unit], [42, "阿明小吃店", undefined, UNIT]);
  assert.equal(d.answers["general/exits"].note, "后门上锁");
  // Sent as that premises' visit: the server takes one or the other.
  const x = { id: "general/exits", list: { id: "general" }, item: { key: "exits", text: "出口" } };
  d.answers["general/exits"].result = "pass";
  const body = JSON.parse(JSON.stringify(A.buildVisit(d, [x], { status: "timeout" }, "2026-12-07T02:00:00Z", null).body));
  assert.equal(body.enterprise_id, 42);
  assert.equal("unit" in body, false);
});

test("merged into a registered premises: the same, worded as a merge", () => {
  const f = U.fallback(bundle(decided("merged", { enterprise_id: 42, enterprise_name: "阿明小吃店" })), UNIT, draft());
  assert.equal(f.moves, true);
  assert.match(f.text, /^街道安办已将该单位与在册场所「阿明小吃店」合并：/);
});

test("approved into a premises outside this inspector's grids: kept as the unit; the server files it there", () => {
  const fate = decided("approved", { enterprise_id: 99, enterprise_name: "阿明餐饮" });
  const f = U.fallback(bundle(fate), UNIT, draft());
  assert.equal(f.premises, fate);
  assert.equal(f.moves, false);
  assert.equal(f.text, "街道安办已审核该单位入册，现为在册场所「阿明餐饮」（不在您负责的网格内，检查仍按该单位提交）：检查记录同步后记入该场所。");
});

test("rejected: shown with the reason and what the server does with the visit (kept on file, no premises)", () => {
  const fate = decided("rejected", { reason: "该处为居民住宅，非经营场所" });
  const f = U.fallback(bundle(fate), UNIT, draft());
  assert.equal(f.premises, fate);
  assert.equal(f.moves, false);
  assert.equal(f.text, "街道安办未予入册该单位（理由：该处为居民住宅，非经营场所）：检查记录照常同步，服务器存档，但不记入任何在册场所，也不产生待整改隐患。");
  assert.ok(f.premises.checklists.length, "the walk still has the lists it was walked on");
});

test("no word of the unit in the bundle at all: what the phone holds is enough to open it", () => {
  const f = U.fallback({ enterprises: [], units: [] }, UNIT, draft());
  assert.equal(f.fate, null);
  assert.deepEqual([f.premises.unit, f.premises.name, f.premises.checklists], [UNIT, "新华路阿明小吃店", [{ id: "general", version: 1 }]]);
  assert.match(f.text, /可以完成并同步/);
});

test("the outbox says what became of a queued visit's unit, and offers its notice once it is a premises", () => {
  const item = { uuid: "v1", type: "visit", state: "pending", created_at: T0, photos: [], enterprise_name: "新华路阿明小吃店",
                 body: { unit: UNIT, answers: [] } };
  const plain = FA.outboxView(item, T0);
  assert.deepEqual(plain.actions, ["retry"]);
  const approved = FA.outboxView(item, T0, decided("approved", { enterprise_id: 42, enterprise_name: "阿明小吃店" }));
  assert.deepEqual(approved.actions, ["notice", "retry"]);
  assert.equal(approved.detail, "街道安办已审核该单位入册，现为在册场所「阿明小吃店」：检查记录同步后记入该场所。");
  const rejected = FA.outboxView(item, T0, decided("rejected", { reason: "重复登记" }));
  assert.deepEqual(rejected.actions, ["retry"]);
  assert.match(rejected.detail, /^街道安办未予入册该单位（理由：重复登记）：检查记录照常同步，服务器存档/);
});
