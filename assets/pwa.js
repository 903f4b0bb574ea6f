/* Doorstep on the device: the service worker, the update and install offers, saved
 * statements and the last figures seen (for the offline banner).
 *
 * Loaded with `defer` from the prerendered HTML (portal_app/components/pwa.py), after
 * the kiosk boot script, which sets window.doorstep.kiosk. On a kiosk nothing here is
 * kept on the device and no service worker is registered.
 */
(function () {
  "use strict";
  var d = (window.doorstep = window.doorstep || {});
  var kiosk = d.kiosk === true;
  var SAVED_CACHE = "doorstep-saved-statements";
  var SAVED_INDEX = "doorstep_saved_statements";
  var LAST_SEEN = "doorstep_last_seen";
  // The session itself is an HttpOnly cookie no script can read; this one only says
  // that someone is signed in (services/identity/cookies.py).
  var SIGNED_IN_HINT = "doorstep_signed_in=1";

  function readJSON(key, fallback) {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : fallback;
    } catch (e) {
      return fallback;
    }
  }

  function writeJSON(key, value) {
    if (kiosk) return;
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      /* storage full or blocked: nothing is kept, nothing breaks */
    }
  }

  function signedIn() {
    try {
      return (";" + document.cookie.replace(/ /g, "")).indexOf(";" + SIGNED_IN_HINT) !== -1;
    } catch (e) {
      return false;
    }
  }

  /* Change React's elements only after React has claimed them (hydration), or React
   * finds a mismatch and throws the page away. React marks a claimed element with a
   * __reactFiber… property. */
  function whenHydrated(el, fn, tries) {
    tries = tries || 0;
    var claimed = Object.keys(el).some(function (k) {
      return k.indexOf("__reactFiber") === 0;
    });
    if (claimed || tries > 100) fn(el);
    else setTimeout(function () { whenHydrated(el, fn, tries + 1); }, 50);
  }

  function announce(id, text) {
    var el = document.getElementById(id);
    if (el) el.textContent = text;
  }

  /* ---------- saved statements ---------- */

  d.savedStatements = function () {
    return readJSON(SAVED_INDEX, []);
  };

  d.saveStatement = function (meta) {
    if (kiosk || !("caches" in window) || !meta || !meta.url || !meta.key) return Promise.resolve(false);
    return fetch(meta.url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) return false;
        return response.text().then(function (body) {
          var copy = new Response(body, { headers: { "Content-Type": "text/html; charset=utf-8" } });
          return caches.open(SAVED_CACHE).then(function (cache) {
            return cache.put("/saved/" + encodeURIComponent(meta.key), copy).then(function () {
              var list = d.savedStatements().filter(function (s) {
                return s.key !== meta.key;
              });
              list.unshift({ key: meta.key, title: meta.title, period: meta.period, asAt: meta.asAt });
              writeJSON(SAVED_INDEX, list.slice(0, 20));
              return true;
            });
          });
        });
      })
      .catch(function () {
        return false;
      });
  };

  d.removeSavedStatements = function () {
    var forget = function () {
      try {
        window.localStorage.removeItem(SAVED_INDEX);
        window.localStorage.removeItem(LAST_SEEN);
      } catch (e) {
        /* nothing to remove */
      }
      renderSaved();
      return true;
    };
    // The copies first, then the list: an empty list means the copies are gone.
    var done = "caches" in window ? caches.delete(SAVED_CACHE) : Promise.resolve(true);
    return done.then(forget, forget);
  };

  /* ---------- the last figures seen (offline banner) ---------- */

  d.rememberBalance = function (seen) {
    if (kiosk || !seen || !seen.ref) return;
    var all = readJSON(LAST_SEEN, {});
    all[seen.ref] = seen.text;
    writeJSON(LAST_SEEN, all);
  };

  d.lastSeenText = function () {
    var all = readJSON(LAST_SEEN, {});
    return Object.keys(all)
      .map(function (k) {
        return all[k];
      })
      .join(" ");
  };

  /* Signed out (here or in another tab), or on the signed-out page: nothing personal stays. */
  function forgetIfSignedOut() {
    if (!signedIn() || window.location.pathname === "/signed-out") {
      var had = readJSON(SAVED_INDEX, null) || readJSON(LAST_SEEN, null);
      if (had || window.location.pathname === "/signed-out") d.removeSavedStatements();
    }
  }

  /* ---------- the "Saved on this device" list ---------- */

  function renderSaved() {
    var host = document.getElementById("saved-statements-list");
    if (host) whenHydrated(host, fillSaved);
  }

  function fillSaved(host) {
    var list = d.savedStatements();
    host.textContent = "";
    var empty = document.getElementById("saved-statements-empty");
    var remove = document.getElementById("saved-statements-remove");
    if (empty) empty.hidden = list.length > 0;
    if (remove) remove.hidden = list.length === 0;
    list.forEach(function (s) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "/saved/" + encodeURIComponent(s.key);
      a.textContent = s.title + ": " + s.period;
      var p = document.createElement("p");
      p.className = "hint";
      p.textContent = "Produced at " + s.asAt + ".";
      li.appendChild(a);
      li.appendChild(p);
      host.appendChild(li);
    });
  }
  d.renderSaved = renderSaved;

  /* ---------- the service worker and the update offer ---------- */

  function showUpdate(worker) {
    d.waitingWorker = worker;
    var box = document.getElementById("pwa-update");
    if (!box) return;
    whenHydrated(box, function () {
      box.hidden = false;
      document.documentElement.dataset.updateReady = "1";
    });
  }

  function reloadToUpdate() {
    d.updateRequested = true;
    if (d.waitingWorker) d.waitingWorker.postMessage({ type: "SKIP_WAITING" });
    else window.location.reload();
  }

  if (!kiosk && "serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (d.updateRequested && !d.reloading) {
        d.reloading = true;
        window.location.reload();
      }
    });
    var register = function () {
      navigator.serviceWorker
        .register("/sw.js", { scope: "/" })
        .then(function (reg) {
          d.registration = reg;
          if (reg.waiting && navigator.serviceWorker.controller) showUpdate(reg.waiting);
          reg.addEventListener("updatefound", function () {
            var worker = reg.installing;
            if (!worker) return;
            worker.addEventListener("statechange", function () {
              if (worker.state === "installed" && navigator.serviceWorker.controller) showUpdate(worker);
            });
          });
          document.addEventListener("visibilitychange", function () {
            if (document.visibilityState === "visible") reg.update().catch(function () {});
          });
        })
        .catch(function () {
          /* no worker: the portal still works online */
        });
    };
    // Not while the page itself is loading: on a slow connection the first visit comes
    // first; the app shell is fetched a few seconds later, in the background.
    var later = function () {
      setTimeout(function () {
        if ("requestIdleCallback" in window) window.requestIdleCallback(register, { timeout: 5000 });
        else register();
      }, 4000);
    };
    if (document.readyState === "complete") later();
    else window.addEventListener("load", later);
  }

  /* ---------- installing the app ---------- */

  window.addEventListener("beforeinstallprompt", function (event) {
    if (kiosk) return;
    event.preventDefault();
    d.installPrompt = event;
    document.documentElement.dataset.canInstall = "1";
  });
  window.addEventListener("appinstalled", function () {
    d.installPrompt = null;
    delete document.documentElement.dataset.canInstall;
    announce("install-status", "The app is installed. You can open it from your home screen.");
  });
  var standalone =
    (window.matchMedia && window.matchMedia("(display-mode: standalone)").matches) || window.navigator.standalone === true;
  if (standalone) document.documentElement.dataset.installed = "1";
  var ios = /iphone|ipad|ipod/i.test(window.navigator.userAgent) ||
    (window.navigator.platform === "MacIntel" && window.navigator.maxTouchPoints > 1);
  if (ios && !standalone) document.documentElement.dataset.ios = "1";

  /* ---------- buttons (delegated: React owns the elements) ---------- */

  document.addEventListener("click", function (event) {
    var target = event.target && event.target.closest ? event.target.closest("button") : null;
    if (!target) return;
    if (target.id === "pwa-reload") reloadToUpdate();
    if (target.id === "install-app" && d.installPrompt) {
      var prompt = d.installPrompt;
      d.installPrompt = null;
      prompt.prompt();
      prompt.userChoice.then(function (choice) {
        if (choice.outcome !== "accepted") {
          announce("install-status", "The app was not installed. You can still use the portal in your browser.");
        }
        delete document.documentElement.dataset.canInstall;
      });
    }
    if (target.id === "saved-statements-remove") {
      d.removeSavedStatements().then(function () {
        announce("saved-statements-status", "Saved statements have been removed from this device.");
      });
    }
  });

  /* ---------- page changes inside the app (issue 13 item 16, WCAG 4.1.3) ---------- */
  /* A page opened without a page load (a sign-in moving on, any redirect) is not noticed
   * by a screen reader: say its title in the polite live region the app keeps on every
   * page (components/pwa.py, #page-announcer), once the new page has its state (its
   * title follows the state: "Rent account 12345678 · ..."). A hash alone is no new page. */
  var lastPage = window.location.pathname + window.location.search;
  var pageTimer = null;
  function pageChanged() {
    var now = window.location.pathname + window.location.search;
    if (now === lastPage) return;
    lastPage = now;
    if (pageTimer) clearTimeout(pageTimer);
    pageTimer = setTimeout(function () {
      pageTimer = null;
      announce("page-announcer", document.title);
    }, 1000);
  }
  ["pushState", "replaceState"].forEach(function (name) {
    var original = window.history[name];
    window.history[name] = function () {
      var result = original.apply(this, arguments);
      pageChanged();
      return result;
    };
  });
  window.addEventListener("popstate", pageChanged);

  /* The offline banner says "offline" or "can't reach the portal" by this flag. */
  function markOnline() {
    if (navigator.onLine === false) document.documentElement.dataset.offline = "1";
    else delete document.documentElement.dataset.offline;
  }
  markOnline();
  window.addEventListener("online", markOnline);
  window.addEventListener("offline", markOnline);

  window.addEventListener("storage", forgetIfSignedOut);
  var start = function () {
    forgetIfSignedOut();
    renderSaved();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  /* React renders the list's container after navigation inside the app. */
  var checking = false;
  var observer = new MutationObserver(function () {
    // Sign-out inside the app (no page load) clears the token: forget soon after.
    if (!checking) {
      checking = true;
      setTimeout(function () {
        checking = false;
        forgetIfSignedOut();
      }, 250);
    }
    var host = document.getElementById("saved-statements-list");
    if (host && host !== d.savedHost) {
      d.savedHost = host;
      renderSaved();
    }
  });
  var watch = function () {
    if (document.body) observer.observe(document.body, { childList: true, subtree: true });
  };
  if (document.body) watch();
  else document.addEventListener("DOMContentLoaded", watch);
})();
