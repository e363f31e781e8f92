/* The equity page's browser side (pages/equity.py): whether a new URL asks for another
 * view than the one shown, so that only then the server redraws. */
(function () {
  "use strict";

  /* [measure, period] from a query string, as analytics/equity_view.py:parse_query. */
  function asks(search) {
    var params = new URLSearchParams(search || "");
    return [params.get("measure") || null, params.get("period") || null];
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    statroom_equity: {
      /* The search to show, or no update when the view shown is what it asks for: the
       * URL it was drawn for (state.asked) or the view's own (the one a picker writes).
       * A URL this misreads costs a round trip; the server decides (sync). */
      url_asks: function (search, state) {
        var wanted = asks(search);
        if (state && (same(wanted, state.asked) || same(wanted, [state.measure, state.period]))) {
          return window.dash_clientside.no_update;
        }
        // A new object each time, so asking for the same URL twice still reaches the
        // server.
        return { search: search || "", asked_at: Date.now() };
      }
    }
  });
})();
