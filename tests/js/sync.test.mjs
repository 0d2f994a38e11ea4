// The sync engine's state transitions, against a fake server that keeps records as the
// real one does (idempotent replays, 409 on a changed body, receipts naming missing photos).
import { test } from "node:test";
import assert from "node:assert/strict";
import { DAY, FakeServer, FA, HOUR, MINUTE, SECOND, T0, engine, get, photo, queued, sha, visit } from "./harness.mjs";

test("pending → synced: photos once each, then the visit; the receipt is kept and confirmed", async () => {
  const { sync, store, server } = engine();
  const shots = [await photo(store, 1), await photo(store, 2)];
  const [v] = await queued(store, visit({ photos: shots }));
  await sync.run();
  const item = await get(store, v.uuid);
  assert.equal(item.state, "synced");
  assert.equal(item.receipt.uuid, v.uuid);
  assert.equal(item.synced_at, T0);
  assert.equal(item.confirmed_at, T0);
  assert.equal(server.count("PUT /api/v1/photos/"), 2);
  assert.equal(server.count("PUT /api/v1/visits/"), 1);
  assert.deepEqual(server.calls.map((c) => c.csrf).filter(Boolean), ["token-1", "token-1", "token-1", "token-1"]);
  assert.equal(sync.status, "idle");
  await sync.run({ force: true });  // a second run sends nothing again
  assert.equal(server.count("PUT /api/v1/visits/"), 1);
});

test("a receipt naming missing photos sends them again in the same run", async () => {
  const { sync, store, server } = engine();
  const shot = await photo(store, 3, { uploaded: true });  // the phone believed it sent
  const [v] = await queued(store, visit({ photos: [shot] }));
  await sync.run();
  assert.equal((await get(store, v.uuid)).state, "synced");
  assert.equal(server.count("PUT /api/v1/photos/"), 1);
  assert.equal(server.count("PUT /api/v1/visits/"), 2);
});

test("receipt with missing photos twice over: partial, retried later with the photos", async () => {
  const { sync, store, server, clock } = engine();
  const shot = await photo(store, 4);
  const [v] = await queued(store, visit({ photos: [shot] }));
  // The photo upload "succeeds" but the server does not keep it (a lost disk, say).
  const keep = server.route.bind(server);
  server.route = (m, u, b, o) => { const r = keep(m, u, b, o); if (u.startsWith("/api/v1/photos/")) server.photos.clear(); return r; };
  await sync.run();
  const item = await get(store, v.uuid);
  assert.equal(item.state, "partial");
  assert.equal(item.error, "服务器还缺 1 张照片，稍后自动补传");
  assert.equal(item.next_at, T0 + 30 * SECOND);
  assert.equal((await store.get("photos", shot)).uploaded, false);
  assert.equal(FA.outboxView(item, clock.t).label, "已收到，照片补传中");
  server.route = keep;
  clock.t += MINUTE;
  await sync.run();
  assert.equal((await get(store, v.uuid)).state, "synced");
});

test("409: conflict, kept on the phone, never sent again by later runs, and 重试 refuses it", async () => {
  const { sync, store, server } = engine();
  const [v] = await queued(store, visit());
  server.visits.set(v.uuid, { body: {}, text: "other", received_at: "x" });
  await sync.run();
  const item = await get(store, v.uuid);
  assert.equal(item.state, "conflict");
  assert.equal(item.error, "该检查编号已提交过不同的内容；手机上的记录已保留，请联系街道核实。");
  await sync.run({ force: true });
  assert.equal(await sync.retry(v.uuid), null);
  await sync.run({ force: true });
  assert.equal(server.count("PUT /api/v1/visits/"), 1);
  assert.equal(await sync.discard(v.uuid), false, "a visit in conflict is evidence: not dropped");
});

for (const status of [403, 404]) {
  test(`${status}: rejected (outside the user's scope), the rest of the queue goes on`, async () => {
    const { sync, store, server } = engine();
    const [a, b] = await queued(store, visit({ created_at: T0 }), visit({ created_at: T0 + 1 }));
    server.fail("PUT /api/v1/visits/" + a.uuid, { status, data: { error: "找不到该页面或记录，或不在您的管辖范围内。", status }, retryAfterMs: null });
    await sync.run();
    assert.equal((await get(store, a.uuid)).state, "rejected");
    assert.equal((await get(store, b.uuid)).state, "synced");
    assert.equal(await sync.discard(a.uuid), true);
    assert.equal(await get(store, a.uuid), undefined);
    assert.deepEqual(await store.get("kv", "discarded:7"), [a.uuid]);
  });
}

test("422: failed with the server's reasons; not retried by itself (no 'retryable' flag)", async () => {
  const { sync, store, server, clock } = engine();
  const [v] = await queued(store, visit());
  server.fail("PUT /api/v1/visits/", { status: 422, data: { error: "检查记录有误，未保存。", errors: ["finished_at 早于 started_at"], status: 422 } });
  await sync.run();
  const item = await get(store, v.uuid);
  assert.equal(item.state, "failed");
  assert.equal(item.error, "检查记录有误，未保存：finished_at 早于 started_at。");
  clock.t += DAY;
  await sync.run({ force: true });
  assert.equal(server.count("PUT /api/v1/visits/"), 1);
  await sync.retry(v.uuid);  // a person asked: it goes again
  assert.equal((await get(store, v.uuid)).state, "synced");
});

test("401 on the PUT: back to pending (not stuck 同步中), and signing in sends it at once", async () => {
  const { sync, store, server, clock } = engine();
  const [v] = await queued(store, visit());
  server.fail("PUT /api/v1/visits/", { status: 401, data: { error: "请先登录。", status: 401 } });
  await sync.run();
  let item = await get(store, v.uuid);
  assert.equal(item.state, "pending");
  assert.equal(item.login, true);
  assert.equal(item.next_at, 0);
  assert.equal(sync.status, "login");
  assert.equal(await store.get("kv", "resume"), true);
  assert.equal(FA.outboxView(item, clock.t).label, "等待登录");
  assert.equal(sync.nextRunAt, null, "no timer: signing in starts the run");
  // An old backoff does not hold it back once signed in.
  item.next_at = T0 + HOUR; await store.put("outbox", item);
  await sync.run();  // the first page after signing in: not forced
  item = await get(store, v.uuid);
  assert.equal(item.state, "synced");
  assert.equal(item.login, false);
  assert.equal(await store.get("kv", "resume"), undefined);
});

test("signed out at the session check: nothing is sent, the run says 'login'", async () => {
  const { sync, store, server } = engine();
  await queued(store, visit());
  server.user = null;
  await sync.run();
  assert.equal(sync.status, "login");
  assert.equal(server.count("PUT"), 0);
});

test("503 with Retry-After: pending with the later of backoff and Retry-After; the run stops there", async () => {
  const { sync, store, server, scheduled } = engine();
  const [a, b] = await queued(store, visit({ created_at: T0 }), visit({ created_at: T0 + 1 }));
  server.fail("PUT /api/v1/visits/", { status: 503, data: null, retryAfterMs: 120 * SECOND });
  await sync.run();
  const item = await get(store, a.uuid);
  assert.equal(item.state, "pending");
  assert.equal(item.attempts, 1);
  assert.equal(item.next_at, T0 + 120 * SECOND);
  assert.equal(item.error, "服务器暂时不可用（503）");
  assert.equal((await get(store, b.uuid)).attempts, 0, "the second record was not tried against a failing server");
  assert.equal(sync.nextRunAt, T0 + 120 * SECOND, "the server asked for two minutes: nothing is sent before");
  assert.equal(scheduled.at(-1).ms, 120 * SECOND);
});

test("a retry weeks away is not a timer that fires at once: the engine wakes within the hour to re-plan", async () => {
  const { sync, store, server, scheduled } = engine();
  const [a] = await queued(store, visit({ created_at: T0 }));
  server.fail("PUT /api/v1/visits/", { status: 503, data: null, retryAfterMs: 40 * DAY });
  await sync.run();
  assert.equal((await get(store, a.uuid)).next_at, T0 + 40 * DAY);
  assert.equal(sync.nextRunAt, T0 + 40 * DAY);
  assert.equal(scheduled.at(-1).ms, HOUR, "2^31 ms and more would fire at once in a browser");
});

test("5xx backoff grows exponentially, with jitter, up to an hour", () => {
  const { sync } = engine();
  assert.deepEqual([1, 2, 3, 4].map(sync.backoff), [30, 60, 120, 240].map((s) => s * SECOND));
  assert.equal(sync.backoff(30), HOUR);
  const jitter = FA.makeSync({ store: null, net: null, random: () => 0 }).backoff(1);
  assert.equal(jitter, 22500);
});

test("offline: a network error leaves the item pending with its next retry time", async () => {
  const { sync, store, server, clock } = engine({ online: true });  // navigator.onLine may lag: no answer is enough
  const [v] = await queued(store, visit());
  server.fail("PUT /api/v1/visits/", "network");
  await sync.run();
  const item = await get(store, v.uuid);
  assert.equal(item.state, "pending");
  assert.equal(item.error, "网络不可用");
  assert.equal(sync.status, "offline");
  assert.equal(sync.lastError, "当前无网络");
  assert.match(FA.outboxView(item, clock.t).detail, /^网络不可用：下次自动重试 .+。$/);
});

test("a hung session check ends the run as failed, with the next retry time; later runs are not blocked", async () => {
  const { sync, store, server } = engine();
  await store.put("kv", server.user, "last_user");
  await queued(store, visit());
  server.fail("GET /api/v1/session", "timeout");
  await sync.run();
  assert.equal(sync.status, "failed");
  assert.equal(sync.lastError, "连接超时");
  assert.equal(sync.nextRunAt, T0 + 30 * SECOND);
  await sync.run({ force: true });
  assert.equal(sync.status, "idle");
});

test("a stalled run does not block a new one: it is aborted and the new run sends", async () => {
  const { sync, store, server, clock } = engine({ config: { runStallMs: 2 * MINUTE } });
  const [v] = await queued(store, visit());
  server.fail("PUT /api/v1/visits/", "hang");
  const first = sync.run();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(sync.running(), true);
  assert.equal(sync.run({ force: true }), first, "while it still moves, a tap joins it");
  clock.t += 3 * MINUTE;
  await sync.run({ force: true });
  await first;
  assert.equal((await get(store, v.uuid)).state, "synced");
});

test("a tap during a run is not lost: one more forced run follows", async () => {
  const { sync, store, server } = engine();
  const [a] = await queued(store, visit());
  const running = sync.run();
  const b = visit({ created_at: T0 + 5 });
  await store.put("outbox", b);
  sync.run({ force: true });
  await running;
  assert.equal((await get(store, a.uuid)).state, "synced");
  assert.equal((await get(store, b.uuid)).state, "synced");
  assert.equal(server.count("GET /api/v1/session"), 2);
});

test("an expired CSRF token is fetched again and the item sent once more", async () => {
  const { sync, store, server } = engine();
  const [v] = await queued(store, visit());
  server.fail("PUT /api/v1/visits/", () => { server.csrf = "token-2"; return { status: 400, data: { reason: "csrf", error: "x" } }; });
  await sync.run();
  assert.equal((await get(store, v.uuid)).state, "synced");
  assert.equal(server.calls.filter((c) => c.url.startsWith("/api/v1/visits/")).at(-1).csrf, "token-2");
});

test("a 200 that is not a receipt (a portal's page) is not 'synced'", async () => {
  const { sync, store, server } = engine();
  const [v] = await queued(store, visit());
  server.fail("PUT /api/v1/visits/", { status: 200, data: null });
  await sync.run();
  const item = await get(store, v.uuid);
  assert.equal(item.state, "pending");
  assert.match(item.error, /回执无效/);
});

test("re-check: a record the server lost (restored from an older backup) goes again, with its photos", async () => {
  const { sync, store, server, clock } = engine();
  const shot = await photo(store, 5);
  const [v] = await queued(store, visit({ photos: [shot] }));
  await sync.run();
  server.visits.clear(); server.photos.clear();  // the restore
  clock.t += HOUR;
  await sync.run({ force: true });
  const item = await get(store, v.uuid);
  assert.equal(item.state, "synced");
  assert.equal(item.confirmed_at, T0 + HOUR);
  assert.equal(server.visits.size, 1);
  assert.ok(server.photos.has(shot));
  assert.equal(server.count("POST /api/v1/held"), 1);
});

test("re-check: held but missing a photo → partial, and the photo is sent again", async () => {
  const { sync, store, server, clock } = engine();
  const shot = await photo(store, 6);
  const [v] = await queued(store, visit({ photos: [shot] }));
  await sync.run();
  server.photos.clear();
  clock.t += HOUR;
  await sync.run({ force: true });
  assert.equal((await get(store, v.uuid)).state, "synced");
  assert.ok(server.photos.has(shot));
  assert.equal(server.count("PUT /api/v1/photos/"), 2);
});

test("re-check: a notice number the server gives later (an amendment synced before it kept one) reaches the phone", async () => {
  const { sync, store, server, clock } = engine();
  const first = visit({ created_at: T0 });
  const amendment = visit({ created_at: T0 + 1, amends: first.uuid });
  await queued(store, first, amendment);
  server.notices.set(first.uuid, "甲安整〔2026〕第0001号");
  await sync.run();
  assert.equal((await get(store, amendment.uuid)).receipt.notice_no, null);  // 待编号 on the phone's copy
  server.notices.set(amendment.uuid, "甲安整〔2026〕第0001号");  // the same notice, corrected
  clock.t += HOUR;
  await sync.run({ force: true });
  const item = await get(store, amendment.uuid);
  assert.equal(item.state, "synced");
  assert.equal(item.receipt.notice_no, "甲安整〔2026〕第0001号");
  assert.equal(item.receipt.uuid, amendment.uuid);
});

test("re-check on page loads at most every few minutes; every run asked for re-checks", async () => {
  const { sync, store, server, clock } = engine();
  await queued(store, visit());
  await sync.run();
  clock.t += MINUTE;
  await sync.run();
  assert.equal(server.count("POST /api/v1/held"), 0);
  await sync.run({ force: true });
  assert.equal(server.count("POST /api/v1/held"), 1);
  clock.t += 6 * MINUTE;
  await sync.run();
  assert.equal(server.count("POST /api/v1/held"), 2);
});

test("nothing is deleted unless the server confirmed holding it within the last day", async () => {
  const { sync, store, server, clock } = engine();
  const shot = await photo(store, 7);
  const [v] = await queued(store, visit({ photos: [shot] }));
  await sync.run();
  clock.t += 8 * DAY;  // past the keeping period, but the server cannot be asked
  server.fail("POST /api/v1/held", "network");
  await sync.run({ force: true });
  assert.equal((await get(store, v.uuid)).state, "synced", "kept: no recent confirmation");
  await sync.run({ force: true });  // asked again, confirmed now: it may go
  assert.equal(await get(store, v.uuid), undefined);
  assert.equal(await store.get("photos", shot), undefined);
});

test("a photo another queued record still needs is not deleted with the first", async () => {
  const { sync, store, clock } = engine();
  const shot = await photo(store, 8);
  const [a] = await queued(store, visit({ photos: [shot] }));
  await sync.run();
  const b = visit({ photos: [shot], created_at: T0 + 1 });
  b.state = "conflict";
  await store.put("outbox", b);
  clock.t += 8 * DAY;
  await sync.run({ force: true });
  assert.equal(await get(store, a.uuid), undefined);
  assert.ok(await store.get("photos", shot));
});

test("an amendment waits until the visit it corrects is on the server", async () => {
  const { sync, store, server } = engine();
  const first = visit({ created_at: T0 });
  const amendment = visit({ created_at: T0 + 1, amends: first.uuid });
  await queued(store, first, amendment);
  server.fail("PUT /api/v1/visits/" + first.uuid, { status: 503, data: null });
  await sync.run();
  assert.equal(server.count("PUT /api/v1/visits/" + amendment.uuid), 0);
  await sync.run({ force: true });
  assert.deepEqual(server.calls.filter((c) => c.url.startsWith("/api/v1/visits/")).map((c) => c.url.slice(-12)),
                   [first.uuid, first.uuid, amendment.uuid].map((u) => u.slice(-12)));
  assert.equal((await get(store, amendment.uuid)).state, "synced");
});

test("keep the phone's copy of a conflict: it goes again as an amendment of the server's version", async () => {
  const { sync, store, server } = engine();
  const [v] = await queued(store, visit());
  server.visits.set(v.uuid, { body: {}, text: "other", received_at: "x" });
  await sync.run();
  const copy = await sync.keep(v.uuid);
  await sync.run({ force: true });
  assert.equal(await get(store, v.uuid), undefined);
  const sent = await get(store, copy.uuid);
  assert.equal(sent.state, "synced");
  assert.equal(server.visits.get(copy.uuid).body.amends, v.uuid);
  assert.equal(sent.kept_from, v.uuid);
});

test("report a conflict to the street: a report with the phone's copy is queued and sent", async () => {
  const { sync, store, server } = engine();
  const [v] = await queued(store, visit());
  server.visits.set(v.uuid, { body: {}, text: "other", received_at: "x" });
  await sync.run();
  const alert = await sync.report(v.uuid);
  await sync.run({ force: true });
  const sent = server.alerts.get(alert.uuid).body;
  assert.equal(sent.kind, "sync_conflict");
  assert.equal(sent.record_uuid, v.uuid);
  assert.deepEqual(sent.payload.body, v.body);
  assert.equal((await get(store, v.uuid)).reported, alert.uuid);
  assert.equal(await sync.report(v.uuid), null, "once");
  assert.deepEqual(FA.outboxView(await get(store, v.uuid), T0).actions, ["notice", "server", "keep"]);
});

test("a hazard action in conflict: kept or dropped by the user", async () => {
  const { sync, store, server } = engine();
  const event = { uuid: "33333333-3333-4333-8333-000000000001", type: "event", user_id: 7, enterprise_id: 3, hazard_uuid: "44444444-4444-4444-8444-000000000001",
                  body: { uuid: "33333333-3333-4333-8333-000000000001", action: "verify", version: 1, note: "", photos: [] },
                  photos: [], state: "pending", created_at: T0 };
  await queued(store, event);
  server.fail("POST /api/v1/hazards/", { status: 409, data: { error: "该隐患已被他人更新，请刷新后重试。" } });
  await sync.run();
  assert.equal((await get(store, event.uuid)).state, "conflict");
  await sync.keep(event.uuid);
  assert.equal((await get(store, event.uuid)).state, "kept");
  assert.equal(await sync.discard(event.uuid), true);
});

test("a major-hazard report: sent, then the street's acknowledgement comes back with the re-check", async () => {
  const { sync, store, server, clock } = engine();
  const alert = { uuid: "55555555-5555-4555-8555-000000000001", type: "alert", user_id: 7, enterprise_id: 3, enterprise_name: "重大隐患报告：甲一",
                  body: { kind: "major_hazard", enterprise_id: 3, hazard_uuid: "44444444-4444-4444-8444-000000000002", subject: "粉尘", occurred_at: "2026-12-07T10:00:00+08:00" } };
  await sync.enqueue(alert);
  let item = await get(store, alert.uuid);
  assert.equal(item.state, "synced");
  assert.equal(FA.outboxView(item, clock.t).label, "已报送街道安办");
  server.alerts.get(alert.uuid).acknowledged_at = "2026-12-07T03:00:00+00:00";
  clock.t += HOUR;
  await sync.run({ force: true });
  item = await get(store, alert.uuid);
  assert.equal(FA.outboxView(item, clock.t).label, "街道安办已接报");
});

test("a report not yet sent is withdrawn with its hazard, and told to the server as discarded", async () => {
  const { sync, store, server } = engine();
  const alert = { uuid: "55555555-5555-4555-8555-000000000002", type: "alert", user_id: 7, enterprise_id: 3, body: { kind: "major_hazard" } };
  server.fail("GET /api/v1/session", "network");
  await sync.enqueue(alert);
  assert.equal(await sync.withdraw(alert.uuid), true);
  await sync.run();
  assert.deepEqual(server.reports.at(-1), { items: [], discarded: [alert.uuid] });
  assert.equal(await store.get("kv", "discarded:7"), undefined);
});

test("the queue is reported when it changes (or hourly), so a vanished queue is noticed", async () => {
  const { sync, store, server, clock } = engine();
  const [v] = await queued(store, visit());
  server.fail("PUT /api/v1/visits/", { status: 503, data: null });
  await sync.run();
  assert.deepEqual(server.reports.at(-1), { items: [{ uuid: v.uuid, type: "visit", enterprise_id: 3 }], discarded: [] });
  clock.t += MINUTE;
  server.fail("PUT /api/v1/visits/", { status: 503, data: null });
  await sync.run({ force: true });
  assert.equal(server.reports.length, 1, "unchanged: not reported again");
  clock.t += HOUR;
  await sync.run({ force: true });
  assert.deepEqual(server.reports.at(-1).items, []);
});

test("enqueue asks the browser to keep our storage", async () => {
  let asked = 0;
  const server = new FakeServer();
  const { store } = engine({ server });
  const sync = FA.makeSync({ store, net: server.net(), persist: () => { asked += 1; return Promise.resolve(false); },
                             config: { sessionTimeoutMs: 5 } });
  await sync.enqueue(visit());
  assert.equal(asked, 1);
});

test("sentence(): one full stop, whatever the parts end with", () => {
  assert.equal(FA.sentence("同步未成功", "该检查编号已提交过不同的内容。", "记录仍保存在手机上。"),
               "同步未成功：该检查编号已提交过不同的内容：记录仍保存在手机上。");
  assert.equal(FA.sentence("", null, "好"), "好。");
  assert.equal(FA.sentence(), "");
  assert.ok(!/。。/.test(FA.sentence("a。", "。b。")));
});

test("Retry-After: seconds or an HTTP date", () => {
  assert.equal(FA.net.retryAfterMs("120", T0), 120 * SECOND);
  assert.equal(FA.net.retryAfterMs(new Date(T0 + 90 * SECOND).toUTCString(), T0), 90 * SECOND);
  assert.equal(FA.net.retryAfterMs("soon", T0), null);
  assert.equal(FA.net.retryAfterMs(null, T0), null);
});
