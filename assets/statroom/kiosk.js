/* The kiosk's browser side (pages/kiosk.py): its clientside callbacks, and pausing.
 *
 * Served from assets/, so the Content-Security-Policy allows it ('self'); nothing
 * here builds HTML. */
(function () {
  "use strict";

  var ROOT = "kiosk-root";
  var TICK = "kiosk-tick";
  /* Ticks the server may miss before the "Reconnecting" note shows. */
  var MISSED_TICKS = 2;
  /* A paused kiosk resumes by itself after this long, so a wall display someone
     tapped does not stay paused. */
  var PAUSE_LIMIT_MS = 60000;

  /* Always look dash_clientside up when needed: other scripts may replace the object
     after this one has run, and Dash adds set_props to whichever is current. */
  function clientside() {
    return window.dash_clientside || {};
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.statroomKiosk = {
    /* hidden=true while the server answers; false once it has missed ticks. */
    connection: function (tick, answered) {
      fitChartToItsBox();
      return (tick || 0) - (answered || 0) < MISSED_TICKS;
    },
    /* Every few hours: reload the page, but only when the server answers, so a
       kiosk never reloads into a browser error page it cannot leave. */
    reloadWhenServerAnswers: function () {
      reloadWhenServerAnswers();
      return clientside().no_update;
    },
  };

  function reloadWhenServerAnswers() {
    fetch("/healthz", { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.ok) {
          window.location.reload();
        }
      })
      .catch(function () {
        /* the next try comes with the next tick */
      });
  }

  /* A kiosk that could not load at all (its database was down when the page loaded, so
     the app showed its "can't reach its database" banner instead) has no interval to
     recover with: check every half minute and reload once the server is healthy. */
  var LOAD_RETRY_MS = 30000;
  window.setInterval(function () {
    if (window.location.pathname.indexOf("/kiosk") !== 0 || document.getElementById(ROOT)) {
      return;
    }
    reloadWhenServerAnswers();
  }, LOAD_RETRY_MS);

  /* The chart fills the space left under the headline, which changes when web fonts
     arrive or the headline wraps differently; plotly only follows window resizes, so
     tell it when its box changes. One observer per chart box, attached once. */
  var observed = typeof WeakSet === "function" ? new WeakSet() : null;

  function fitChartToItsBox() {
    var box = document.querySelector(".kiosk-chart");
    if (!box || !observed || observed.has(box) || typeof ResizeObserver !== "function") {
      return;
    }
    observed.add(box);
    new ResizeObserver(function () {
      var plot = box.querySelector(".js-plotly-plot");
      if (plot && window.Plotly && window.Plotly.Plots) {
        window.Plotly.Plots.resize(plot);
      }
    }).observe(box);
  }

  /* Pause while the kiosk has focus (a tap, a click, or Tab from the page that
     embeds it), so a reader can take their time (WCAG 2.2.2); resume on blur or
     after PAUSE_LIMIT_MS. Hover is deliberately not used: a mouse pointer parked
     on a wall display would pause it for good. */
  var resumeTimer = null;

  function setPaused(paused) {
    var setProps = clientside().set_props;
    if (!document.getElementById(ROOT) || typeof setProps !== "function") {
      return;
    }
    document.body.classList.toggle("kiosk-paused", paused);
    setProps(TICK, { disabled: paused });
    window.clearTimeout(resumeTimer);
    if (paused) {
      resumeTimer = window.setTimeout(function () {
        var root = document.getElementById(ROOT);
        if (root && root.contains(document.activeElement)) {
          document.activeElement.blur();
        }
        setPaused(false);
      }, PAUSE_LIMIT_MS);
    }
  }

  function insideKiosk(node) {
    return Boolean(node && node.closest && node.closest("#" + ROOT));
  }

  document.addEventListener("focusin", function (event) {
    if (insideKiosk(event.target)) {
      setPaused(true);
    }
  });
  document.addEventListener("focusout", function (event) {
    if (insideKiosk(event.target) && !insideKiosk(event.relatedTarget)) {
      setPaused(false);
    }
  });
})();
