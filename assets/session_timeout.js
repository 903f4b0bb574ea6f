/* The warning before a resident's session ends for want of use, and drafts of forms kept
 * through a sign-in (portal_app/components/session_timeout.py says the rules; WCAG 2.2.1
 * Timing Adjustable). Loaded on every page; does nothing on a kiosk (assets/kiosk.js has
 * its own countdown).
 *
 * The dialog (#session-timeout) carries what the server said: data-ends (when the session
 * ends, ms, the server's clock), data-server-now (the server's clock then), data-limit (the
 * idle limit, seconds), data-warn (how long before the end to warn, seconds), data-checks
 * (counts the server's answers to "still live?"), data-signed-in, data-owner (the draft tag).
 */
(function () {
  "use strict";
  if (window.__doorstepSessionTimeout) { return; }
  window.__doorstepSessionTimeout = true;
  var config = window.doorstep || {};
  if (config.kiosk) { return; }

  var ID = "session-timeout";
  var DRAFTS = "doorstep-draft:";
  var FALLBACK_MS = 6000;
  var seen = { ends: "", now: "", checks: "" };
  var deadline = 0; // Date.now() on this device when the session ends; 0: no session
  var warnMs = 120000;
  var focusBefore = null;
  var asked = 0; // when we last asked the server "still live?" (0: not waiting)
  var askedAtEnd = false;

  function $(id) { return document.getElementById(id); }
  function dialog() { return $(ID); }

  function minutesWords(seconds) {
    if (seconds >= 90) {
      var m = Math.round(seconds / 60);
      return m + " minutes";
    }
    if (seconds >= 60) { return "1 minute"; }
    return seconds + (seconds === 1 ? " second" : " seconds");
  }

  // --- What the server said --------------------------------------------------------------
  function readServer() {
    var d = dialog();
    if (!d) { return; }
    var ends = d.getAttribute("data-ends") || "";
    var now = d.getAttribute("data-server-now") || "";
    var checks = d.getAttribute("data-checks") || "";
    var signedIn = d.getAttribute("data-signed-in") === "1";
    if (ends === seen.ends && now === seen.now && checks === seen.checks) { return; }
    var answered = checks !== seen.checks;
    seen = { ends: ends, now: now, checks: checks };
    var endsMs = Number(ends) || 0;
    var nowMs = Number(now) || 0;
    if (!signedIn || !endsMs || !nowMs) { deadline = 0; closeDialog(false); return; }
    // The time left as the server saw it, counted from now on this device's clock.
    deadline = Date.now() + (endsMs - nowMs);
    var limit = (Number(d.getAttribute("data-limit")) || 1800) * 1000;
    warnMs = Math.min((Number(d.getAttribute("data-warn")) || 120) * 1000, limit / 2);
    if (answered) { asked = 0; }
    if (deadline - Date.now() > warnMs) { closeDialog(true); }
  }

  function ask(atEnd) {
    var check = $(ID + "-check");
    if (!check || asked) { return; }
    asked = Date.now();
    askedAtEnd = atEnd;
    check.click();
  }

  // --- The dialog ---------------------------------------------------------------------------
  function timeText(msLeft) {
    var seconds = Math.max(0, Math.ceil(msLeft / 1000));
    return "You will be signed out in " + minutesWords(seconds) + ".";
  }

  function openDialog() {
    var d = dialog();
    if (!d || d.open) { return; }
    focusBefore = document.activeElement;
    update();
    var live = $(ID + "-live");
    if (live) { live.textContent = ""; }
    try { d.showModal(); } catch (e) { d.setAttribute("open", ""); }
    var stay = $(ID + "-stay");
    if (stay) { stay.focus(); }
  }

  function update() {
    var d = dialog();
    if (!d) { return; }
    var left = deadline - Date.now();
    var text = timeText(left);
    var shown = $(ID + "-time");
    if (shown && shown.textContent !== text) { shown.textContent = text; }
    var seconds = Math.ceil(left / 1000);
    var live = $(ID + "-live");
    // Announce now and then (each half minute, and at 10 seconds), not every second.
    if (live && d.open && (seconds % 30 === 0 || seconds === 10)) { live.textContent = text; }
  }

  function closeDialog(restoreFocus) {
    var d = dialog();
    if (!d || !d.open) { return; }
    try { d.close(); } catch (e) { d.removeAttribute("open"); }
    if (restoreFocus && focusBefore && document.contains(focusBefore) && focusBefore.focus) {
      focusBefore.focus();
    }
    focusBefore = null;
  }

  function stay() {
    // The click itself sends "Stay signed in" to the server (SessionState.stay_signed_in);
    // its answer moves data-ends on.
    closeDialog(true);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.closest) { return; }
    if (target.closest("#" + ID + "-stay")) { stay(); }
  }, true);
  document.addEventListener("cancel", function (event) {
    // Escape on the dialog: the same as "Stay signed in".
    if (event.target && event.target.id === ID) {
      event.preventDefault();
      var button = $(ID + "-stay");
      if (button) { button.click(); } else { closeDialog(true); }
    }
  }, true);

  function leaveFallback() {
    // The server did not answer at the end (no connection): go through the sign-out route
    // anyway; it clears the cookies and the sign-in page says why.
    saveAllDrafts();
    var here = location.pathname + location.search;
    location.assign("/api/signed-out?why=idle&next=" + encodeURIComponent(here));
  }

  function tick() {
    readServer();
    if (asked && Date.now() - asked > FALLBACK_MS) {
      var atEnd = askedAtEnd;
      asked = 0;
      if (atEnd && deadline && Date.now() >= deadline) { leaveFallback(); return; }
    }
    if (!deadline) { return; }
    var left = deadline - Date.now();
    if (left <= 0) {
      saveAllDrafts();
      ask(true);
      return;
    }
    if (left <= warnMs) {
      var d = dialog();
      if (d && !d.open) {
        // Another tab may have been used: ask first (not use of the session), then warn.
        if (!d.hasAttribute("data-asked-warn")) {
          d.setAttribute("data-asked-warn", "1");
          ask(false);
          return;
        }
        if (asked) { return; }
        openDialog();
      }
      update();
    } else {
      var dd = dialog();
      if (dd) { dd.removeAttribute("data-asked-warn"); }
    }
  }
  setInterval(tick, 1000);

  // --- Drafts ------------------------------------------------------------------------------
  function owner() {
    var d = dialog();
    return (d && d.getAttribute("data-owner")) || "";
  }

  function key() { return DRAFTS + location.pathname + location.search; }

  function fieldsOf(form) {
    return (form.getAttribute("data-draft-fields") || "").split(/\s+/).filter(Boolean);
  }

  function controlsOf(form, name) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name === name && el.type !== "password" && el.type !== "hidden" && el.type !== "file";
    });
  }

  function saveDraft(form) {
    var who = owner();
    if (!who) { return; }
    var values = {};
    var any = false;
    fieldsOf(form).forEach(function (name) {
      controlsOf(form, name).forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") { return; } // chosen on the server
        if (el.value) { values[name] = el.value; any = true; }
      });
    });
    try {
      if (any) { sessionStorage.setItem(key(), JSON.stringify({ owner: who, values: values })); }
      else { sessionStorage.removeItem(key()); }
    } catch (e) {}
  }

  function saveAllDrafts() {
    document.querySelectorAll("form[data-draft-fields]").forEach(saveDraft);
  }

  document.addEventListener("input", function (event) {
    var form = event.target && event.target.form;
    if (form && form.hasAttribute("data-draft-fields")) { saveDraft(form); }
  }, true);

  function setValue(el, value) {
    var proto = el.tagName === "TEXTAREA" ? HTMLTextAreaElement.prototype
      : el.tagName === "SELECT" ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
    var setter = Object.getOwnPropertyDescriptor(proto, "value").set;
    setter.call(el, value);
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function restore(form) {
    if (form.getAttribute("data-draft-restored") === key()) { return; }
    var who = owner();
    if (!who) { return; }
    var raw = null;
    try { raw = sessionStorage.getItem(key()); } catch (e) {}
    form.setAttribute("data-draft-restored", key());
    if (!raw) { return; }
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { draft = null; }
    if (!draft || draft.owner !== who) {
      // Another resident's: never shown, and gone.
      try { sessionStorage.removeItem(key()); } catch (e) {}
      return;
    }
    var allowed = fieldsOf(form);
    var put = false;
    Object.keys(draft.values || {}).forEach(function (name) {
      if (allowed.indexOf(name) === -1) { return; }
      controlsOf(form, name).forEach(function (el) {
        if (!el.value && el.type !== "radio" && el.type !== "checkbox") { setValue(el, draft.values[name]); put = true; }
      });
    });
    if (!put) { return; }
    var notice = document.createElement("p");
    notice.className = "notice";
    notice.setAttribute("role", "status");
    notice.setAttribute("data-draft-notice", "");
    notice.textContent = "We kept what you typed before you were signed out. Check it, then send it.";
    form.insertBefore(notice, form.firstChild);
  }

  function watchDrafts() {
    if (location.pathname === (dialog() && dialog().getAttribute("data-signed-out-path"))) {
      // The resident chose to sign out: nothing typed is kept.
      clearAllDrafts();
      return;
    }
    if (document.querySelector("[data-draft-sent]")) {
      try { sessionStorage.removeItem(key()); } catch (e) {}
    }
    document.querySelectorAll("form[data-draft-fields]").forEach(restore);
  }

  function clearAllDrafts() {
    try {
      for (var i = sessionStorage.length - 1; i >= 0; i--) {
        var k = sessionStorage.key(i);
        if (k && k.indexOf(DRAFTS) === 0) { sessionStorage.removeItem(k); }
      }
    } catch (e) {}
  }

  // "Sign out" (the header's, the dialog's): nothing typed is kept.
  document.addEventListener("click", function (event) {
    var target = event.target;
    var button = target && target.closest && target.closest("button");
    if (button && /^\s*sign out\s*$/i.test(button.textContent || "")) { clearAllDrafts(); }
  }, true);

  setInterval(watchDrafts, 500);
})();
