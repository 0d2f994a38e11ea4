// fieldapp service worker {{ version }} — rendered by the server with versioned asset URLs.
// It caches the app shell and static files only. Queued work lives in IndexedDB,
// which an update of this worker never touches (sync rule R10).
"use strict";
const VERSION = "{{ version }}";
const STATIC_CACHE = "fieldapp-static-" + VERSION;
const PAGE_CACHE = "fieldapp-pages";
const ASSETS = {{ assets|tojson }};
const SHELL_PAGES = {{ pages|tojson }};
// Pages that may be read offline from the copy last seen online.
const REMEMBERED = ["/inspect"];
const NETWORK_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(STATIC_CACHE);
    await cache.addAll(ASSETS);
    const pages = await caches.open(PAGE_CACHE);
    await Promise.all(SHELL_PAGES.map(async (url) => {
      try {
        const resp = await fetch(url, { credentials: "same-origin", redirect: "manual" });
        if (resp.ok) await pages.put(url, resp);
      } catch (e) { /* offline during install: the old copy stays */ }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("fieldapp-static-") && n !== STATIC_CACHE).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  // Logout: forget cached pages (they show the last user's premises); keep IndexedDB.
  if (event.data && event.data.type === "logout") event.waitUntil(caches.delete(PAGE_CACHE));
  if (event.data && event.data.type === "refresh-shell") {
    event.waitUntil(caches.open(PAGE_CACHE).then((pages) => Promise.all(SHELL_PAGES.map((url) =>
      fetch(url, { credentials: "same-origin", redirect: "manual" }).then((r) => r.ok ? pages.put(url, r) : null, () => null)))));
  }
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}

async function fromCache(request, options) {
  const hit = await caches.match(request, options);
  return hit || null;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.headers.get("HX-Request")) return;  // never cache htmx fragments
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(fromCache(request).then((hit) => hit || fetch(request)));
    return;
  }
  if (request.mode !== "navigate") return;  // API calls and photos go to the network
  const shell = SHELL_PAGES.find((p) => url.pathname === p);
  if (shell) {
    // The walk and the outbox work from the shell whatever the query; refresh the copy when online.
    event.respondWith((async () => {
      try {
        const resp = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
        if (resp.ok && !resp.redirected) (await caches.open(PAGE_CACHE)).put(shell, resp.clone());
        return resp;
      } catch (e) {
        return (await fromCache(shell)) || (await fromCache("/offline")) || Response.error();
      }
    })());
    return;
  }
  event.respondWith((async () => {
    try {
      const resp = await withTimeout(fetch(request), NETWORK_TIMEOUT_MS);
      if (resp.ok && !resp.redirected && REMEMBERED.includes(url.pathname) && !url.search) {
        (await caches.open(PAGE_CACHE)).put(url.pathname, resp.clone());
      }
      return resp;
    } catch (e) {
      return (REMEMBERED.includes(url.pathname) && (await fromCache(url.pathname))) ||
        (await fromCache("/offline")) || Response.error();
    }
  })());
});
