/* The light/dark theme, applied before the page draws (no flash of the light theme).
 *
 * The choice lives in the "statroom-theme" cookie, so the server renders the navbar's
 * switch in the right position and no callback has to run when a page loads
 * (components/layout.py). The switch's callback writes the cookie. */
(function () {
  "use strict";

  var COOKIE = "statroom-theme";
  var match = document.cookie.match(/(?:^|;\s*)statroom-theme=(dark|light)/);
  var theme = match ? match[1] : null;
  if (!theme) {
    // Earlier versions kept the choice in local storage; carry it over once.
    try {
      var stored = JSON.parse(window.localStorage.getItem("theme-preference"));
      if (stored === "dark" || stored === "light") {
        theme = stored;
        document.cookie = COOKIE + "=" + theme + "; path=/; max-age=31536000; SameSite=Lax";
        // The server rendered the switch without the cookie; the next page shows it.
      }
    } catch (e) {
      theme = null;
    }
  }
  document.documentElement.setAttribute("data-bs-theme", theme || "light");
})();
