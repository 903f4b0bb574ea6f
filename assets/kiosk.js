/* Doorstep kiosk mode: loaded by the boot script (portal_app/components/boot.py) only
 * when window.doorstep.kiosk is true.
 *
 * - After window.doorstep.idleSeconds without input (keys, pointer, touch, scroll,
 *   typing) it signs out: the page's "Finish and sign out" button (#kiosk-finish) ends
 *   the server session and loads /api/signed-out (Clear-Site-Data), which lands on
 *   the start page with a full reload, so nothing typed survives.
 * - warningSeconds before that, a focused alertdialog counts down, with
 *   "I need more time" (WCAG 2.2.1 Timing Adjustable).
 * - While the resident is active it tells the server (#kiosk-keep-alive) every 30
 *   seconds, so reading a long page never lets the server's shorter kiosk idle limit
 *   end the session first.
 * - Links that would leave the portal (other sites, mailto:, tel:) do nothing, and
 *   windows cannot be opened.
 * - window.doorstep.kioskWipe() empties every field and this origin's storage (sign-out
 *   calls it before it leaves the page).
 */
(function () {
  "use strict";
  var config = window.doorstep || {};
  if (!config.kiosk || window.__doorstepKiosk) { return; }
  window.__doorstepKiosk = true;

  var IDLE_MS = Math.max(10, Number(config.idleSeconds) || 180) * 1000;
  var WARN_MS = Math.min(IDLE_MS - 1000, Math.max(5, Number(config.warningSeconds) || 60) * 1000);
  var PING_MS = 30000;
  var FALLBACK_MS = 5000;
  var SIGNED_IN_HINT = "doorstep_signed_in=1"; // the session is an HttpOnly cookie; this only says one exists

  var lastInput = Date.now();
  // A fresh start page with nobody at the screen needs no countdown; any input arms it.
  var armed = location.pathname !== "/";
  var activeSincePing = false;
  var lastPing = 0;
  var dialog = null;
  var leaving = false;
  var focusBefore = null;

  function signedIn() {
    try { return (";" + document.cookie.replace(/ /g, "")).indexOf(";" + SIGNED_IN_HINT) !== -1; } catch (e) { return false; }
  }

  function onInput() {
    if (dialog || leaving) { return; }
    lastInput = Date.now();
    armed = true;
    activeSincePing = true;
  }
  ["keydown", "pointerdown", "touchstart", "scroll", "wheel", "input"].forEach(function (type) {
    window.addEventListener(type, onInput, { capture: true, passive: true });
  });

  function clickById(id) {
    var el = document.getElementById(id);
    if (el) { el.click(); return true; }
    return false;
  }

  // Empty every field (so the browser's "restore the form on Back" has nothing to
  // restore) and this origin's storage (Clear-Site-Data does it again). Also called by
  // the server's sign-out (state/session.py leave_for) before it loads /api/signed-out.
  function wipe() {
    try {
      document.querySelectorAll("input, textarea").forEach(function (e) {
        if (e.type === "checkbox" || e.type === "radio") { e.checked = false; }
        else if (["hidden", "submit", "button", "reset"].indexOf(e.type) === -1) { e.value = ""; }
      });
      sessionStorage.clear(); localStorage.clear();
    } catch (e) {}
  }
  window.doorstep = Object.assign(window.doorstep || {}, { kioskWipe: wipe });

  function leave() {
    if (leaving) { return; }
    leaving = true;
    closeDialog(false);
    // The server ends the session and sends the browser on; if the page is not
    // connected yet, empty this origin's storage here and go anyway.
    clickById("kiosk-finish");
    setTimeout(function () {
      wipe();
      location.assign("/api/signed-out");
    }, FALLBACK_MS);
  }

  function secondsWords(n) { return n + (n === 1 ? " second" : " seconds"); }

  function message(n) {
    return signedIn()
      ? "You will be signed out in " + secondsWords(n)
      : "This screen will be cleared in " + secondsWords(n);
  }

  function setInert(on) {
    Array.prototype.forEach.call(document.body.children, function (el) {
      if (el === dialog || el.tagName === "SCRIPT") { return; }
      if (on) { el.setAttribute("inert", ""); } else { el.removeAttribute("inert"); }
    });
  }

  function openDialog(seconds) {
    focusBefore = document.activeElement;
    var overlay = document.createElement("div");
    overlay.className = "kiosk-timeout";
    overlay.innerHTML =
      '<div class="kiosk-timeout__dialog" role="alertdialog" aria-modal="true" ' +
      'aria-labelledby="kiosk-timeout-title" aria-describedby="kiosk-timeout-text">' +
      '<h2 id="kiosk-timeout-title">Are you still there?</h2>' +
      '<p id="kiosk-timeout-text" class="kiosk-timeout__count"></p>' +
      '<p>This is a shared screen. To keep your details safe, it goes back to the start page ' +
      'when nobody has used it for a while, and anything typed is cleared.</p>' +
      '<p class="visually-hidden" aria-live="polite" data-kiosk-live></p>' +
      '<button type="button" class="button" data-kiosk-more>I need more time</button>' +
      '<button type="button" class="button button--secondary" data-kiosk-finish>Finish and sign out</button>' +
      "</div>";
    document.body.appendChild(overlay);
    dialog = overlay;
    setInert(true);
    update(seconds);
    overlay.querySelector("[data-kiosk-more]").addEventListener("click", moreTime);
    overlay.querySelector("[data-kiosk-finish]").addEventListener("click", leave);
    overlay.addEventListener("keydown", trapKeys);
    overlay.querySelector("[data-kiosk-more]").focus();
  }

  function update(seconds) {
    if (!dialog) { return; }
    var text = message(seconds);
    var visible = dialog.querySelector(".kiosk-timeout__count");
    if (visible.textContent !== text) { visible.textContent = text; }
    // Announce now and then, not every second.
    if (seconds % 15 === 0 || seconds === 10) {
      dialog.querySelector("[data-kiosk-live]").textContent = text;
    }
  }

  function closeDialog(restoreFocus) {
    if (!dialog) { return; }
    setInert(false);
    dialog.remove();
    dialog = null;
    if (restoreFocus && focusBefore && document.contains(focusBefore) && focusBefore.focus) {
      focusBefore.focus();
    }
    focusBefore = null;
  }

  function moreTime() {
    closeDialog(true);
    lastInput = Date.now();
    activeSincePing = false;
    lastPing = Date.now();
    clickById("kiosk-keep-alive");
  }

  function trapKeys(event) {
    if (event.key === "Escape") { event.preventDefault(); moreTime(); return; }
    if (event.key !== "Tab") { return; }
    var buttons = dialog.querySelectorAll("button");
    var first = buttons[0];
    var last = buttons[buttons.length - 1];
    if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
  }

  function tick() {
    if (leaving) { return; }
    var now = Date.now();
    if (activeSincePing && now - lastPing >= PING_MS) {
      activeSincePing = false;
      lastPing = now;
      clickById("kiosk-keep-alive");
    }
    if (!armed) { return; }
    var left = IDLE_MS - (now - lastInput);
    if (left <= 0) { leave(); return; }
    if (left <= WARN_MS) {
      var seconds = Math.ceil(left / 1000);
      if (!dialog) { openDialog(seconds); } else { update(seconds); }
    }
  }
  setInterval(tick, 1000);

  // Nothing leaves the portal: links to other sites, mail and phone links do nothing.
  function leavesPortal(link) {
    var href = link.getAttribute("href") || "";
    if (/^(mailto|tel|sms|ftp|file|javascript):/i.test(href)) { return true; }
    try { return new URL(href, location.href).origin !== location.origin; } catch (e) { return true; }
  }
  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest && event.target.closest("a[href]");
    if (link && leavesPortal(link)) { event.preventDefault(); event.stopPropagation(); }
  }, true);
  window.open = function () { return null; };
})();
