// The phone's store (IndexedDB through fake-indexeddb): what the queue and drafts rely on.
import { test } from "node:test";
import assert from "node:assert/strict";
import { IDBFactory } from "fake-indexeddb";
import { FA, freshStore } from "./harness.mjs";

test("put, get, all and delete by key; kv takes an explicit key", async () => {
  const store = freshStore();
  await store.put("outbox", { uuid: "a", user_id: 1, state: "pending" });
  await store.put("outbox", { uuid: "a", user_id: 1, state: "synced" });  // put replaces
  assert.deepEqual(await store.get("outbox", "a"), { uuid: "a", user_id: 1, state: "synced" });
  await store.put("kv", { id: 1 }, "last_user");
  assert.deepEqual(await store.get("kv", "last_user"), { id: 1 });
  assert.equal((await store.all("outbox")).length, 1);
  await store.del("outbox", "a");
  assert.equal(await store.get("outbox", "a"), undefined);
});

test("byUser keeps each user's queue and drafts apart", async () => {
  const store = freshStore();
  await store.put("outbox", { uuid: "a", user_id: 1 });
  await store.put("outbox", { uuid: "b", user_id: 2 });
  await store.put("drafts", { uuid: "c", user_id: 2 });
  assert.deepEqual((await store.byUser("outbox", 1)).map((i) => i.uuid), ["a"]);
  assert.deepEqual((await store.byUser("outbox", 2)).map((i) => i.uuid), ["b"]);
  assert.deepEqual((await store.byUser("drafts", 1)), []);
});

test("photos are keyed by their SHA-256 and keep their bytes", async () => {
  const store = freshStore();
  const sha = "ab".repeat(32);
  await store.put("photos", { sha, blob: new Uint8Array([1, 2, 3]), uploaded: false });
  const p = await store.get("photos", sha);
  assert.deepEqual(Array.from(p.blob), [1, 2, 3]);
});

test("a failed write rejects (the walk says 保存失败), it does not pass silently", async () => {
  const store = freshStore();
  await assert.rejects(store.put("outbox", { no_uuid: true }));
});

test("opened once; after another tab deletes the database, the next call opens it again", async () => {
  const idb = new IDBFactory();
  const store = FA.makeStore(idb, "fieldapp");
  await store.put("kv", 1, "x");
  await new Promise((resolve, reject) => {
    const req = idb.deleteDatabase("fieldapp");  // the browser evicting our storage, say
    req.onsuccess = resolve; req.onerror = () => reject(req.error);
  });
  assert.equal(await store.get("kv", "x"), undefined);
  assert.deepEqual(await store.all("outbox"), []);
});

test("the upgrade only adds stores: data of version 1 survives opening again", async () => {
  const idb = new IDBFactory();
  await FA.makeStore(idb, "keep").put("outbox", { uuid: "q", user_id: 1 });
  assert.deepEqual(await FA.makeStore(idb, "keep").get("outbox", "q"), { uuid: "q", user_id: 1 });
});
