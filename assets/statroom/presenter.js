/* Presenter mode's keyboard and full-screen behaviour (pages/present.py).
 *
 * Loaded on every page (assets/), it acts only while #present-root is in the page:
 *   Right, Space, PageDown  next item        Left, PageUp  previous item
 *   1-9                     jump to an item  Home, End     first, last item
 *   F                       full screen      C             capture panel (editors)
 *   Esc                     leave to the meeting page
 * Keys go to Dash through dash_clientside.set_props on the "present-key" store; the
 * page's clientside callback turns them into the current item. While the presenter is
 * shown, <body> carries "chrome-hidden", which hides the navbar and footer.
 * Served from assets/, so the Content-Security-Policy allows it; nothing here builds HTML.
 */
(function () {
  "use strict";

  var ROOT = "present-root";
  var KEY_STORE = "present-key";
  var CAPTURE = "present-capture";
  var shown = false;

  function root() {
    return document.getElementById(ROOT);
  }

  /* Add the class when the presenter appears and remove it when it goes, so other
     full-screen pages (the kiosk) keep control of their own state. */
  function syncChrome() {
    var present = Boolean(root());
    if (present !== shown) {
      document.body.classList.toggle("chrome-hidden", present);
      document.body.classList.toggle("presenting", present);
      shown = present;
    }
  }

  function send(action, n) {
    var clientside = window.dash_clientside || {};
    if (typeof clientside.set_props === "function") {
      clientside.set_props(KEY_STORE, { data: { action: action, n: n || 0, at: Date.now() } });
    }
  }

  function typing(target) {
    if (!target) {
      return false;
    }
    var tag = (target.tagName || "").toLowerCase();
    return (
      tag === "input" ||
      tag === "textarea" ||
      tag === "select" ||
      target.isContentEditable ||
      Boolean(target.closest && target.closest(".offcanvas, .Select, .dash-dropdown"))
    );
  }

  function captureOpen() {
    return Boolean(document.querySelector(".presenter-capture.show, .offcanvas.show"));
  }

  function toggleFullScreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {
        /* the browser refused (not a user gesture, or not allowed); nothing to do */
      });
    }
  }

  document.addEventListener("keydown", function (event) {
    var el = root();
    if (!el || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (typing(event.target) || captureOpen()) {
      return;
    }
    var key = event.key;
    var handled = true;
    if (key === "ArrowRight" || key === " " || key === "Spacebar" || key === "PageDown") {
      send("next");
    } else if (key === "ArrowLeft" || key === "PageUp") {
      send("prev");
    } else if (key === "Home") {
      send("first");
    } else if (key === "End") {
      send("last");
    } else if (/^[1-9]$/.test(key)) {
      send("jump", parseInt(key, 10));
    } else if (key === "Escape" || key === "Esc") {
      window.location.assign(el.getAttribute("data-exit") || "/meetings");
    } else if (key === "f" || key === "F") {
      toggleFullScreen();
    } else if ((key === "c" || key === "C") && el.getAttribute("data-capture") === "1") {
      window.dash_clientside.set_props(CAPTURE, { is_open: true });
    } else {
      handled = false;
    }
    if (handled) {
      event.preventDefault();
    }
  });

  new MutationObserver(syncChrome).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
  document.addEventListener("DOMContentLoaded", syncChrome);
  syncChrome();
})();
