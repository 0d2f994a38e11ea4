// The phone's GB 35181 combined judgement (static/js/walk-fire.js) against the server's table:
// tests/data/fire_cases.json holds what fieldapp/fire_judgement.py proposes for each case
// (tests/unit/test_fire_phone_parity.py checks the server side of the same table), and
// tests/data/fire_rules.json the rules the bundle ships.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { load } from "./harness.mjs";

const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "data");
const cases = JSON.parse(fs.readFileSync(path.join(DATA, "fire_cases.json"), "utf8"));
const rules = JSON.parse(fs.readFileSync(path.join(DATA, "fire_rules.json"), "utf8"));
const FA = load("walk-answers.js", "walk-fire.js");
const F = FA.walkFire;

for (const c of cases) {
  test(`the phone proposes what the server does: ${c.name}`, () => {
    const failed = c.failed.map(([checklist, item, element]) => ({ checklist, item, element, defect: `${item} 的隐患表述` }));
    const p = F.propose(rules, failed, c.venue_kind, c.day);
    if (c.expect === null) {
      assert.equal(p, null);
      return;
    }
    assert.ok(p, "a proposal");
    assert.deepEqual({ edition: p.edition, rule: p.rule, threshold: p.threshold, unverified: p.unverified, elements: p.elements,
                       counted: p.counted.map((f) => [f.checklist, f.item, f.element]), defect: F.defect(p) }, c.expect);
  });
}

test("the failed items of a walk that count, named by the defect as edited on site", () => {
  const list = { id: "general", items: [] };
  const x = (key, element, defect) => ({ id: `general/${key}`, list, item: { key, fire_element: element, defect, text: key + "（检查内容）" } });
  const items = [x("exits", "7.3.3", "安全出口堵塞"), x("lighting", "7.3.6", "应急照明损坏"), x("extinguisher", "", "灭火器失压"),
                 x("gas", "7.9.3", "")];
  const answers = {
    "general/exits": { result: "fail", hazard: { defect: "  后门  上锁 " } },
    "general/lighting": { result: "pass", hazard: null },
    "general/extinguisher": { result: "fail", hazard: { defect: "灭火器失压" } },
    "general/gas": { result: "fail", hazard: { defect: "" } },
  };
  assert.deepEqual(F.failedElements(items, answers), [
    { checklist: "general", item: "exits", element: "7.3.3", defect: "后门 上锁" },
    { checklist: "general", item: "gas", element: "7.9.3", defect: "gas（检查内容）" },
  ]);
});

test("an answer is sent only for the proposal it was given to; declining needs a reason", () => {
  const failed = [["a", "exits", "7.3.3"], ["a", "lighting", "7.3.6"], ["a", "gas", "7.9.3"]]
    .map(([checklist, item, element]) => ({ checklist, item, element, defect: item }));
  const p = F.propose(rules, failed, "crowded", "2025-06-01");
  assert.equal(F.problem(p, null), "请确认或不予认定综合判定的重大火灾隐患");
  const declined = { decision: "decline", reason: " ", counted: F.signature(p) };
  assert.equal(F.problem(p, declined), "不予认定须说明理由");
  declined.reason = "出口已当场打开";
  assert.equal(F.problem(p, declined), null);
  assert.deepEqual(F.body(p, declined), { decision: "decline", reason: "出口已当场打开" });
  const confirmed = { decision: "confirm", reason: "", counted: F.signature(p), hazard_uuid: "u-1", deadline: "2025-07-01" };
  assert.deepEqual(F.body(p, confirmed), { decision: "confirm", hazard: { uuid: "u-1", deadline: "2025-07-01" } });
  // One more failed element changes what was counted: the earlier answer no longer applies.
  const more = F.propose(rules, failed.concat([{ checklist: "a", item: "stairs", element: "7.3.2", defect: "stairs" }]), "crowded", "2025-06-01");
  assert.equal(F.body(more, confirmed), null);
  assert.equal(F.problem(more, confirmed), "请确认或不予认定综合判定的重大火灾隐患");
  assert.equal(F.problem(null, null), null);
});
