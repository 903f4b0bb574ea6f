/* Imported by the generated service worker (/sw.js) before Workbox's own routes.
 *
 * The only personal things the worker serves are the statements the resident chose to
 * keep on this device (assets/pwa.js puts them in the "doorstep-saved-statements"
 * cache): /saved/<key> comes from that cache and nowhere else. Everything under /api/
 * and the backend's event endpoints goes straight to the network, never into a cache.
 */
/* global self, caches, Response */
self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (url.origin !== self.location.origin || event.request.method !== "GET") return;
  if (url.pathname.indexOf("/saved/") === 0) {
    event.stopImmediatePropagation();
    event.respondWith(
      caches.open("doorstep-saved-statements").then(function (cache) {
        return cache.match(url.pathname).then(function (found) {
          if (found) return found;
          return new Response(
            '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">' +
              '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Statement not on this device</title></head>' +
              '<body><main><h1>This statement is no longer saved on this device</h1>' +
              '<p>Saved statements are removed when you sign out.</p>' +
              '<p><a href="/saved-statements">See the statements saved on this device</a></p></main></body></html>',
            { status: 404, headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } }
          );
        });
      })
    );
    return;
  }
  if (url.pathname.indexOf("/api/") === 0 || url.pathname.indexOf("/_event") === 0 || url.pathname.indexOf("/_upload") === 0) {
    // Network only: stop Workbox's routes from seeing it at all.
    event.stopImmediatePropagation();
  }
});
