// What the outbox shows for every state an item can be in, and which actions it offers:
// never 重试 on a conflict, never 放弃 on a visit the server holds another version of.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FA, HOUR, T0 } from "./harness.mjs";

const base = { uuid: "11111111-1111-4111-8111-000000000001", type: "visit", enterprise_name: "甲一小吃店", created_at: T0, photos: [] };
const view = (extra, now = T0) => FA.outboxView({ ...base, ...extra }, now);

test("pending, offline: why, and when it tries again", () => {
  const v = view({ state: "pending", error: "网络不可用", next_at: T0 + HOUR });
  assert.equal(v.label, "等待同步");
  assert.match(v.detail, /^网络不可用：下次自动重试 12\/07 11:00。$/);
  assert.deepEqual(v.actions, ["notice", "retry"]);
});

test("pending after a 5xx: the server's state and the backoff time", () => {
  const v = view({ state: "pending", error: "服务器暂时不可用（503）", next_at: T0 + 2 * 60 * 1000 });
  assert.equal(v.detail, "服务器暂时不可用（503）：下次自动重试 12/07 10:02。");
});

test("pending after a 401: waiting for the sign-in, no retry button needed", () => {
  const v = view({ state: "pending", login: true, error: "登录已过期：重新登录后自动继续同步" });
  assert.equal(v.label, "等待登录");
  assert.equal(v.tone, "login");
  assert.deepEqual(v.actions, ["notice"]);
});

test("syncing: nothing to do", () => {
  assert.deepEqual(view({ state: "syncing" }).actions, ["notice"]);
  assert.equal(view({ state: "syncing" }).label, "同步中");
});

test("receipt with missing photos", () => {
  const v = view({ state: "partial", error: "服务器还缺 2 张照片，稍后自动补传", next_at: T0 + 60000 });
  assert.equal(v.label, "已收到，照片补传中");
  assert.deepEqual(v.actions, ["notice", "retry"]);
});

test("sent: synced, confirmed by the server, opened from the outbox", () => {
  const v = view({ state: "synced", synced_at: T0, confirmed_at: T0 });
  assert.equal(v.label, "已同步");
  assert.equal(v.detail, "服务器已确认 12/07 10:00");
  assert.deepEqual(v.actions, ["open"]);
});

test("409: look at the server's version, keep the phone's copy, report it — no 重试, no 放弃 for a visit", () => {
  const v = view({ state: "conflict", error: "该检查编号已提交过不同的内容；手机上的记录已保留，请联系街道核实。" });
  assert.equal(v.label, "冲突");
  assert.deepEqual(v.actions, ["notice", "server", "keep", "report"]);
  assert.ok(!v.detail.includes("。。"), v.detail);
  assert.deepEqual(view({ state: "conflict", type: "event", error: "x" }).actions, ["server", "keep", "report", "discard"]);
  assert.deepEqual(view({ state: "conflict", error: "x", reported: "y" }).actions, ["notice", "server", "keep"]);
  assert.match(view({ state: "conflict", error: "x", reported: "y" }).detail, /已报告街道安办。$/);
});

test("403: rejected (outside the user's scope), with its reason", () => {
  const v = view({ state: "rejected", error: "找不到该页面或记录，或不在您的管辖范围内。" });
  assert.equal(v.label, "被拒绝");
  assert.equal(v.detail, "找不到该页面或记录，或不在您的管辖范围内。");
  assert.deepEqual(v.actions, ["notice", "retry", "report", "discard"]);
});

test("failed (422): the server's reasons", () => {
  const v = view({ state: "failed", error: "检查记录有误，未保存：finished_at 早于 started_at" });
  assert.equal(v.label, "失败");
  assert.equal(v.detail, "检查记录有误，未保存：finished_at 早于 started_at。");
});

test("kept on the phone", () => {
  const v = view({ state: "kept", type: "event" });
  assert.equal(v.label, "已保留在手机上");
  assert.deepEqual(v.actions, ["server", "report", "discard"]);
});

test("a report to the street: sent, then acknowledged", () => {
  const sent = view({ type: "alert", state: "synced", receipt: { acknowledged_at: null } });
  assert.equal(sent.label, "已报送街道安办");
  const ack = view({ type: "alert", state: "synced", receipt: { acknowledged_at: "2026-12-07T03:00:00+00:00" } });
  assert.equal(ack.label, "街道安办已接报");
  assert.equal(ack.tone, "acknowledged");
  assert.equal(ack.detail, "接报于 12/07 11:00");
});
