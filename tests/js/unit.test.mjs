// A unit found in the field (issue 20): recorded on the phone, queued like a visit, sent with
// PUT /api/v1/units/{uuid}; a visit walked against it waits until the unit is on the server.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FA, T0, engine, get, load, photo, queued, visit } from "./harness.mjs";

const U = load("sync.js", "unit.js");

function unit({ photos = [], uuid = "33333333-3333-4333-8333-000000000001", created_at = T0 } = {}) {
  const body = U.unitBody({ name: "新华路小吃店", no_licence: true, industry: "餐饮", venue_type: "catering", grid: "SA-01" },
                          photos, { status: "ok", lat: 24.9, lng: 118.58, accuracy_m: 9 }, "2026-12-07T09:00:00+08:00");
  return { uuid, type: "unit", user_id: 7, enterprise_name: "新华路小吃店（新发现单位）", body, photos: [...photos],
           state: "pending", attempts: 0, next_at: 0, created_at };
}

test("the body the phone sends: a credit code or 尚未办照, the position as measured", () => {
  const b = U.unitBody({ name: " 甲店 ", credit_code: "91350502 ma2xxxxx1x", industry: "商贸", grid: "" }, ["a"],
                       { status: "denied" }, "2026-12-07T09:00:00+08:00");
  assert.deepEqual(b, { name: "甲店", credit_code: "91350502MA2XXXXX1X", no_licence: false, venue_type: null, industry: "商贸",
                        size_class: null, address: "", grid: null, location: null, location_status: "denied", photos: ["a"],
                        note: "", found_at: "2026-12-07T09:00:00+08:00" });
  assert.deepEqual(U.unitProblems({ ...b, name: "", industry: "", credit_code: null }),
                   ["请填写单位名称", "请选择行业领域", "请填写统一社会信用代码，或勾选“尚未办照”"]);
  assert.deepEqual(U.unitProblems(U.unitBody({ name: "x", no_licence: true, credit_code: "123", industry: "商贸" }, [], null, "t")), []);
});

test("a unit goes to PUT /api/v1/units with its front photo first, and is synced on its receipt", async () => {
  const { sync, store, server } = engine();
  const shot = await photo(store, 5);
  const [item] = await queued(store, unit({ photos: [shot] }));
  await sync.run({ force: true });
  assert.equal((await get(store, item.uuid)).state, "synced");
  assert.deepEqual(server.calls.map((c) => c.method + " " + c.url.split("?")[0]).filter((c) => !c.endsWith("/session")),
                   ["PUT /api/v1/photos/" + shot, "PUT /api/v1/units/" + item.uuid, "POST /api/v1/queue"]);
  assert.equal((await get(store, item.uuid)).receipt.status, "proposed");
});

test("a visit to the unit waits until the unit is on the server", async () => {
  const { sync, store, server } = engine();
  const u = unit();
  const v = visit({ created_at: T0 + 1 });
  delete v.body.enterprise_id;
  v.body.unit = u.uuid;
  await queued(store, u, v);
  server.fail("PUT /api/v1/units", { status: 422, data: { error: "新发现单位记录有误，未保存。", status: 422 } });
  await sync.run({ force: true });
  assert.equal((await get(store, u.uuid)).state, "failed");
  assert.equal((await get(store, v.uuid)).state, "pending");
  assert.equal(server.count("PUT /api/v1/visits"), 0);
  await sync.retry(u.uuid);
  await sync.run({ force: true });
  assert.deepEqual([(await get(store, u.uuid)).state, (await get(store, v.uuid)).state], ["synced", "synced"]);
});

test("the queue report leaves a unit out: it has no premises to report against yet", async () => {
  const { sync, store, server } = engine();
  server.fail("PUT /api/v1/units", { status: 503, data: { error: "x", status: 503 } });
  await queued(store, unit());
  await sync.run({ force: true });
  assert.deepEqual(server.reports.at(-1).items, []);
});

test("the outbox shows a unit's review status, and no report or page link for it", () => {
  const base = { ...unit(), state: "synced", synced_at: T0, confirmed_at: T0 };
  const v = FA.outboxView({ ...base, receipt: { status: "rejected", reason: "居民住宅" } }, T0);
  assert.match(v.detail, /未予入册：居民住宅。$/);
  assert.deepEqual(v.actions, []);
  assert.deepEqual(FA.outboxView({ ...base, state: "failed", error: "x" }, T0).actions, ["retry", "discard"]);
});

test("the outbox shows a visit to a unit as held, with no notice, page or report", () => {
  const v = visit();
  v.body = { ...v.body, enterprise_id: undefined, unit: "33333333-3333-4333-8333-000000000001" };
  assert.deepEqual(FA.outboxView({ ...v, state: "pending" }, T0).actions, ["retry"]);
  assert.deepEqual(FA.outboxView({ ...v, state: "conflict", error: "x" }, T0).actions, ["server", "keep"]);
  const held = FA.outboxView({ ...v, state: "synced", synced_at: T0, confirmed_at: T0, receipt: { status: "held" } }, T0);
  assert.deepEqual(held.actions, []);
  assert.match(held.detail, /等待该单位审核入册后记入/);
});

test("the queue report leaves out a visit to a unit as well", async () => {
  const { sync, store, server } = engine();
  server.fail("PUT /api/v1/units", { status: 503, data: { error: "x", status: 503 } });
  const u = unit();
  const v = visit({ created_at: T0 + 1 });
  delete v.body.enterprise_id;
  v.body.unit = u.uuid;
  const plain = visit({ created_at: T0 + 2 });
  server.fail("PUT /api/v1/visits", { status: 503, data: { error: "x", status: 503 } });
  await queued(store, u, v, plain);
  await sync.run({ force: true });
  assert.deepEqual(server.reports.at(-1).items.map((i) => i.uuid), [plain.uuid]);
});

test("keeping the phone's copy of a visit to a unit keeps it as it is: no amendment is made of it", async () => {
  const { sync, store, server } = engine();
  const v = visit();
  delete v.body.enterprise_id;
  v.body.unit = "33333333-3333-4333-8333-000000000009";
  server.fail("PUT /api/v1/visits", { status: 409, data: { error: "该检查所属的新发现单位尚未同步到服务器", status: 409 } });
  await queued(store, v);
  await sync.run({ force: true });
  assert.equal((await get(store, v.uuid)).state, "conflict");
  await sync.keep(v.uuid);
  assert.equal((await get(store, v.uuid)).state, "kept");
  assert.equal((await store.byUser("outbox", 7)).length, 1);
});

test("each sync run asks for the office's decision on a unit, and the outbox shows it", async () => {
  const { sync, store, server } = engine();
  const [u] = await queued(store, unit());
  await sync.run({ force: true });
  assert.equal((await get(store, u.uuid)).receipt.status, "proposed");
  server.decide(u.uuid, "rejected", "居民住宅，不是经营场所");
  await sync.run({ force: true });
  const after = await get(store, u.uuid);
  assert.deepEqual([after.state, after.receipt.status], ["synced", "rejected"]);
  assert.match(FA.outboxView(after, T0).detail, /未予入册：居民住宅，不是经营场所。$/);
  assert.equal(server.count("PUT /api/v1/units"), 1);  // asked, not sent again
});
