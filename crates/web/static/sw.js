// Offline reading in the hall. A deputy presses "Lưu để đọc khi mất mạng" on
// a session's documents page; that page sends the addresses of the agenda,
// the list and each document it may read, and this worker keeps them. Later
// requests for those addresses go to the network first and fall back to the
// kept copy when the connection is gone. Confidential documents are never
// kept: the server marks them with x-nt-confidential and they are skipped.
// Sign-out empties the cache (app.js, and the server's Clear-Site-Data
// header), and so does the sign-in page, so a shared tablet keeps nothing
// of the previous deputy's documents.
const CACHE = 'nghitruong-ky-hop-v1';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

const keepable = (response) =>
  response.ok && !response.redirected && response.type === 'basic'
  && !response.headers.has('x-nt-confidential');

self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'forget') {
    event.waitUntil(caches.delete(CACHE));
    return;
  }
  if (data.type !== 'keep' || !Array.isArray(data.urls)) return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    let saved = 0;
    for (const url of data.urls.slice(0, 500)) {
      if (typeof url !== 'string' || !url.startsWith('/')) continue;
      try {
        const response = await fetch(url, { credentials: 'same-origin' });
        if (keepable(response)) {
          await cache.put(url, response);
          saved += 1;
        }
      } catch {
        // Offline already; what was kept before stays.
      }
    }
    event.source?.postMessage({ type: 'kept', saved, total: data.urls.length });
  })());
});

const offlinePage = () => new Response(
  '<!doctype html><html lang="vi"><meta charset="utf-8"><title>Mất kết nối</title>'
  + '<p>Mất kết nối với máy chủ và trang này chưa được lưu để đọc khi mất mạng.</p></html>',
  { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' } },
);

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/static/')) {
    // Versioned by content hash: a kept copy is always right.
    event.respondWith((async () => {
      const cache = await caches.open(CACHE);
      const hit = await cache.match(request);
      if (hit) return hit;
      const response = await fetch(request);
      if (keepable(response)) cache.put(request, response.clone());
      return response;
    })());
    return;
  }
  const reading = /^\/(ky-hop\/\d+(\/tai-lieu)?|tai-lieu\/\d+(\/tep)?)$/.test(url.pathname);
  if (!reading || url.search.includes('ve=')) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const path = url.pathname;
    try {
      const response = await fetch(request);
      // Refresh only what the deputy chose to keep.
      if (keepable(response) && await cache.match(path)) cache.put(path, response.clone());
      return response;
    } catch {
      return (await cache.match(path)) || offlinePage();
    }
  })());
});
