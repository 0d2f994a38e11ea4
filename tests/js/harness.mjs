// Load the phone's classic scripts (static/js) into Node, and fakes to drive them:
// an IndexedDB (fake-indexeddb), a server that keeps records as the real one does,
// a clock that only moves when told, and timers that only record what was scheduled.
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { fileURLToPath } from "node:url";
import { IDBFactory } from "fake-indexeddb";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

// Run scripts as the browser would (each sets window.FA.*); return that FA.
export function load(...files) {
  const FA = {};
  globalThis.window = { FA };
  for (const file of files) {
    const src = fs.readFileSync(path.join(ROOT, "static", "js", file), "utf8");
    vm.runInThisContext(src, { filename: file });
  }
  return FA;
}

const FA = load("store.js", "net.js", "sync.js", "walk-unit.js", "outbox.js", "walk-answers.js", "walk-finish.js");
export { FA };

let dbSeq = 0;
export function freshStore() {
  return FA.makeStore(new IDBFactory(), "fieldapp-test-" + ++dbSeq);
}

export const T0 = Date.UTC(2026, 11, 7, 2, 0, 0);
export const SECOND = 1000, MINUTE = 60 * SECOND, HOUR = 60 * MINUTE, DAY = 24 * HOUR;

class NetError { constructor(kind) { this.kind = kind; this.message = kind; } }

const json = (status, data, extra = {}) => ({ status, data, retryAfterMs: null, ...extra });

// A server with the real one's rules: idempotent replays, 409 on a changed body, receipts
// listing the photos it lacks, a session with a CSRF token.
export class FakeServer {
  constructor() {
    this.user = { id: 7, username: "inspector_a1", name: "甲一网格员" };
    this.csrf = "token-1";
    this.visits = new Map();
    this.photos = new Set();
    this.events = new Map();
    this.alerts = new Map();
    this.units = new Map();
    this.notices = new Map();  // visit uuid → its 整改通知书 number, once the server gives one
    this.reports = [];
    this.calls = [];
    this.faults = [];
    this.clock = () => T0;
  }

  // The next `times` requests matching `match` (a "METHOD /path-prefix" string) get `answer`:
  // a response object, "network", "timeout" (answers after the request's timeout) or "hang"
  // (answers only when the caller aborts).
  fail(match, answer, times = 1) { this.faults.push({ match, answer, times }); }

  count(match) { return this.calls.filter((c) => (c.method + " " + c.url).startsWith(match)).length; }

  // The street office's decision on a unit (what GET /units or /held then answers).
  decide(uuid, status, reason = "") {
    Object.assign(this.units.get(uuid), { status, reason });
  }

  unitReceipt(uuid) {
    const u = this.units.get(uuid);
    return { uuid, received_at: u.received_at, status: u.status, enterprise_id: u.status === "proposed" ? null : 9,
             reason: u.reason, visits: [], missing_photos: u.body.photos.filter((s) => !this.photos.has(s)) };
  }

  receipt(uuid) {
    const v = this.visits.get(uuid);
    const shas = [];
    for (const a of v.body.answers) for (const s of [...a.photos, ...(a.hazard ? a.hazard.after_photos : [])]) if (!shas.includes(s)) shas.push(s);
    return { uuid, received_at: v.received_at, hazards: v.body.answers.filter((a) => a.hazard).map((a) => a.hazard.uuid),
             missing_photos: shas.filter((s) => !this.photos.has(s)), notice_no: this.notices.get(uuid) || null };
  }

  answer(method, url, body, opts) {
    const route = method + " " + url;
    this.calls.push({ method, url, body, csrf: opts.csrf });
    const fault = this.faults.find((f) => route.startsWith(f.match) && f.times > 0);
    if (fault) {
      fault.times -= 1;
      if (fault.answer === "network") return Promise.reject(new NetError("network"));
      if (fault.answer === "timeout" || fault.answer === "hang") {
        return new Promise((resolve, reject) => {
          const stop = () => reject(new NetError(fault.answer === "hang" ? "network" : "timeout"));
          if (opts.signal) opts.signal.addEventListener("abort", stop);
          if (fault.answer === "timeout") setTimeout(stop, Math.min(opts.timeoutMs || 5, 5));
        });
      }
      return Promise.resolve(typeof fault.answer === "function" ? fault.answer(body) : fault.answer);
    }
    return Promise.resolve(this.route(method, url, body, opts));
  }

  route(method, url, body, opts) {
    const path = url.split("?")[0];
    if (method === "GET" && path === "/api/v1/session") return json(200, { user: this.user, csrf_token: this.csrf });
    if (!this.user) return json(401, { error: "请先登录。", status: 401 });
    if (opts.csrf !== this.csrf) return json(400, { error: "页面已过期，请刷新页面后重试。", status: 400, reason: "csrf" });
    let m;
    if (method === "PUT" && (m = path.match(/^\/api\/v1\/photos\/([0-9a-f]+)$/))) {
      const held = this.photos.has(m[1]);
      this.photos.add(m[1]);
      return json(held ? 200 : 201, { sha256: m[1] });
    }
    if (method === "PUT" && (m = path.match(/^\/api\/v1\/visits\/(.+)$/))) {
      const uuid = m[1], text = JSON.stringify(body);
      if (this.visits.has(uuid)) {
        if (this.visits.get(uuid).text !== text) return json(409, { error: "该检查编号已提交过不同的内容；手机上的记录已保留，请联系街道核实。", status: 409 });
        return json(200, this.receipt(uuid));
      }
      this.visits.set(uuid, { body, text, received_at: new Date(this.clock()).toISOString() });
      return json(201, this.receipt(uuid));
    }
    if (method === "PUT" && (m = path.match(/^\/api\/v1\/units\/(.+)$/))) {
      const uuid = m[1], text = JSON.stringify(body);
      if (this.units.has(uuid) && this.units.get(uuid).text !== text) {
        return json(409, { error: "该单位编号已提交过不同的内容；手机上的记录已保留，请联系街道核实。", status: 409 });
      }
      const created = !this.units.has(uuid);
      if (created) this.units.set(uuid, { body, text, received_at: new Date(this.clock()).toISOString(), status: "proposed", reason: "" });
      return json(created ? 201 : 200, this.unitReceipt(uuid));
    }
    if (method === "POST" && (m = path.match(/^\/api\/v1\/hazards\/(.+)\/events$/))) {
      if (!this.events.has(body.uuid)) this.events.set(body.uuid, { hazard: m[1], version: body.version + 1, action: body.action });
      const e = this.events.get(body.uuid);
      return json(200, { uuid: e.hazard, event: body.uuid, action: e.action, state: "closed", version: e.version });
    }
    if (method === "PUT" && (m = path.match(/^\/api\/v1\/alerts\/(.+)$/))) {
      if (!this.alerts.has(m[1])) this.alerts.set(m[1], { body, received_at: new Date(this.clock()).toISOString(), acknowledged_at: null });
      const a = this.alerts.get(m[1]);
      return json(201, { uuid: m[1], kind: body.kind, received_at: a.received_at, acknowledged_at: a.acknowledged_at });
    }
    if (method === "POST" && path === "/api/v1/held") {
      const out = { visits: {}, events: {}, alerts: {}, units: {} };
      for (const u of body.units || []) out.units[u] = this.units.has(u) ? this.unitReceipt(u) : null;
      for (const u of body.visits) out.visits[u] = this.visits.has(u) ? this.receipt(u) : null;
      for (const u of body.events) out.events[u] = this.events.has(u) ? { uuid: this.events.get(u).hazard, event: u, version: this.events.get(u).version } : null;
      for (const u of body.alerts) {
        const a = this.alerts.get(u);
        out.alerts[u] = a ? { uuid: u, kind: a.body.kind, received_at: a.received_at, acknowledged_at: a.acknowledged_at } : null;
      }
      return json(200, out);
    }
    if (method === "POST" && path === "/api/v1/queue") {
      this.reports.push(body);
      return json(200, { queued: body.items.length, reported_at: new Date(this.clock()).toISOString(), lost: 0 });
    }
    return json(404, { error: "找不到", status: 404 });
  }

  net() {
    return {
      json: (method, url, body, opts = {}) => this.answer(method, url, body, opts),
      upload: (url, blob, opts = {}) => this.answer("PUT", url, blob, opts),
    };
  }
}

// An engine on a fresh store, a fake server and a clock at T0 (tests move `clock.t`).
export function engine({ server = new FakeServer(), config = {}, online = true } = {}) {
  const store = freshStore();
  const clock = { t: T0 };
  server.clock = () => clock.t;
  const scheduled = [];
  let seq = 0;
  const sync = FA.makeSync({
    store, net: server.net(), now: () => clock.t, random: () => 0.5,
    timers: { set: (fn, ms) => { scheduled.push({ fn, ms }); return scheduled.length; }, clear: () => {} },
    uuid: () => `00000000-0000-4000-8000-${String(++seq).padStart(12, "0")}`,
    online: () => online,
    config: { sessionTimeoutMs: 5, requestTimeoutMs: 5, ...config },
  });
  return { sync, store, server, clock, scheduled };
}

export const sha = (n) => String(n).repeat(64).slice(0, 64);

export async function photo(store, n, extra = {}) {
  const rec = { sha: sha(n), blob: "bytes-" + n, type: "image/jpeg", captured_at: new Date(T0).toISOString(),
                user_id: 7, uploaded: false, ...extra };
  await store.put("photos", rec);
  return rec.sha;
}

let visitSeq = 0;
// A finished visit as the walk queues it: `fails` hazards, each with one photo.
export function visit({ photos = [], fails = photos.length, uuid, user_id = 7, created_at = T0, amends } = {}) {
  const id = uuid || `11111111-1111-4111-8111-${String(++visitSeq).padStart(12, "0")}`;
  const answers = [];
  for (let i = 0; i < Math.max(fails, photos.length); i++) {
    answers.push({ checklist: "general", item: "item" + i, result: "fail", note: "", photos: photos[i] ? [photos[i]] : [],
                   hazard: { uuid: `22222222-2222-4222-8222-${id.slice(-6)}${String(i).padStart(6, "0")}`, description: "",
                             level: "general", level_reason: "", deadline: "2026-12-14", deadline_reason: "",
                             fixed_on_spot: false, after_photos: [] } });
  }
  const body = { enterprise_id: 3, checklists: [{ id: "general", version: 1 }], started_at: "2026-12-07T09:00:00+08:00",
                 finished_at: "2026-12-07T09:30:00+08:00", location: null, location_status: "denied", answers };
  if (amends) body.amends = amends;
  return { uuid: id, type: "visit", user_id, enterprise_id: 3, enterprise_name: "甲一小吃店", body,
           photos: [...photos], expected_hazards: answers.length, state: "pending", attempts: 0, next_at: 0, created_at };
}

export async function queued(store, ...items) {
  for (const item of items) await store.put("outbox", item);
  return items;
}

export const get = (store, uuid) => store.get("outbox", uuid);
