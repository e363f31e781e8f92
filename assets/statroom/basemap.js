/* The base map plotly.js wants before it draws any map.
 *
 * Statroom's maps draw the city's own boundaries (GeoJSON) on no base map, yet plotly.js
 * fetches a world topology before drawing one; that request lands mid-draw and holds the
 * map back. Handing it the same empty topology the maps' topojsonURL serves
 * (statroom/topojson/world_110m.json, kept for figures drawn without this script) spares
 * the round trip. Runs before plotly.js, which keeps an existing PlotlyGeoAssets. */
(function () {
  "use strict";

  var assets = (window.PlotlyGeoAssets = window.PlotlyGeoAssets || {});
  assets.topojson = assets.topojson || {};
  assets.topojson.world_110m = { type: "Topology", objects: {}, arcs: [] };
})();
