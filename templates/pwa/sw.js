// fieldapp service worker {{ version }} — rendered by the server with versioned asset URLs.
// It caches the app shell and static files only. Queued work lives in IndexedDB,
// which an update of this worker never touches (sync rule R10).
//
// Pages and assets are cached as one set per version: a new worker installs only when
// every shell page and asset of its version is stored, and activating it drops the
// older sets; until then the old set stays whole. A page is cached only when the server
// marked it as this version's own (X-Fieldapp-Shell): a captive portal's page or a page
// of another release never enters the cache.
"use strict";
const VERSION = "{{ version }}";
const STATIC_CACHE = "fieldapp-static-" + VERSION;
const PAGE_CACHE = "fieldapp-pages-" + VERSION;
const ASSETS = {{ assets|tojson }};
const SHELL_PAGES = {{ pages|tojson }};
const SHELL_HEADER = {{ header|tojson }};
// Pages that may be read offline from the copy last seen online.
const REMEMBERED = ["/inspect"];
const NETWORK_TIMEOUT_MS = 4000;
const INSTALL_TIMEOUT_MS = 30000;
const USER_KEY = "/__shell-user";

function timed(url, options, ms) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  return fetch(url, Object.assign({}, options, { signal: controller.signal })).finally(() => clearTimeout(timer));
}

function ownPage(resp) {
  return !!resp && resp.ok && !resp.redirected && resp.type === "basic" && resp.headers.get(SHELL_HEADER) === VERSION;
}

function appPage(resp) {
  return !!resp && resp.ok && !resp.redirected && resp.type === "basic" && !!resp.headers.get(SHELL_HEADER);
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    try {
      const [statics, pages] = await Promise.all([caches.open(STATIC_CACHE), caches.open(PAGE_CACHE)]);
      await Promise.all(ASSETS.map(async (url) => {
        const resp = await timed(url, { credentials: "same-origin", cache: "no-cache" }, INSTALL_TIMEOUT_MS);
        if (!resp.ok) throw new Error("asset " + resp.status + " " + url);
        await statics.put(url, resp);
      }));
      await Promise.all(SHELL_PAGES.map(async (url) => {
        const resp = await timed(url, { credentials: "same-origin", redirect: "manual", cache: "no-store" }, INSTALL_TIMEOUT_MS);
        if (!ownPage(resp)) throw new Error("shell page " + url);
        await pages.put(url, resp);
      }));
    } catch (err) {
      // Incomplete: this version does not install, and the running one keeps its whole set.
      await Promise.all([caches.delete(STATIC_CACHE), caches.delete(PAGE_CACHE)]);
      throw err;
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("fieldapp-") && n !== STATIC_CACHE && n !== PAGE_CACHE)
      .map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

// Fetch the shell pages this version lacks (all of them for another user): not on every load.
async function refreshShell(user) {
  const pages = await caches.open(PAGE_CACHE);
  const held = await pages.match(USER_KEY);
  // No mark yet: the pages were stored at install, for the user who is signed in now.
  const sameUser = !held || (await held.text()) === String(user);
  await Promise.all(SHELL_PAGES.map(async (url) => {
    if (sameUser && (await pages.match(url))) return;
    try {
      const resp = await timed(url, { credentials: "same-origin", redirect: "manual", cache: "no-store" }, INSTALL_TIMEOUT_MS);
      if (ownPage(resp)) await pages.put(url, resp);
      else if (appPage(resp)) self.registration.update();  // the server runs a newer release
    } catch (e) { /* no signal: next time */ }
  }));
  await pages.put(USER_KEY, new Response(String(user)));
}

self.addEventListener("message", (event) => {
  // Logout: forget cached pages (they show the last user's premises); keep IndexedDB.
  if (event.data && event.data.type === "logout") event.waitUntil(caches.delete(PAGE_CACHE));
  if (event.data && event.data.type === "refresh-shell") event.waitUntil(refreshShell(event.data.user || ""));
});

async function cachedPage(path) {
  const pages = await caches.open(PAGE_CACHE);
  return (await pages.match(path)) || null;
}

// Network first (briefly), then this version's copy. Only this version's own pages are
// stored; anything else that answers 200 (a portal) is shown only when no copy exists.
async function page(request, key) {
  let resp = null;
  try {
    resp = await timed(request, {}, NETWORK_TIMEOUT_MS);
  } catch (e) {
    return (await cachedPage(key)) || (await cachedPage("/offline")) || Response.error();
  }
  if (ownPage(resp)) {
    (await caches.open(PAGE_CACHE)).put(key, resp.clone());
    return resp;
  }
  if (appPage(resp)) {
    self.registration.update();  // a newer release answered: fetch its worker
    return resp;
  }
  if (resp.type === "opaqueredirect" || resp.redirected || (resp.status >= 300 && resp.status < 400)) return resp;
  // A portal's page, or a server error: the app as last stored, when there is one.
  return (await cachedPage(key)) || resp;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.headers.get("HX-Request")) return;  // never cache htmx fragments
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.open(STATIC_CACHE).then((c) => c.match(request)).then((hit) => hit || fetch(request)));
    return;
  }
  if (request.mode !== "navigate") return;  // API calls and photos go to the network
  const shell = SHELL_PAGES.find((p) => url.pathname === p);
  if (shell) {
    // The walk and the outbox work from the shell whatever the query.
    event.respondWith(page(request, shell));
    return;
  }
  if (REMEMBERED.includes(url.pathname) && !url.search) {
    event.respondWith(page(request, url.pathname));
    return;
  }
  event.respondWith(timed(request, {}, NETWORK_TIMEOUT_MS).catch(async () =>
    (await cachedPage("/offline")) || Response.error()));
});
