/* The base map plotly.js wants before it draws any map.
 *
 * Statroom's maps draw the city's own boundaries (GeoJSON) on no base map, yet plotly.js
 * fetches a world topology (from its CDN, which the CSP forbids) before drawing one, unless
 * it already holds it. Hand it an empty one: no request, and no wait in the middle of
 * drawing a map. plotly.js looks the topology up when it draws, so the order in which
 * this and plotly.js load does not matter. */
(function () {
  "use strict";

  var assets = (window.PlotlyGeoAssets = window.PlotlyGeoAssets || {});
  assets.topojson = assets.topojson || {};
  assets.topojson.world_110m = { type: "Topology", objects: {}, arcs: [] };
})();
