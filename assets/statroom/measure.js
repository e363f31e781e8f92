/* The measure page's view in the browser: layers, date range, the URL, and clicks on a
 * neighborhood. Mirrors components/measure_panels.py (parse_view, view_query, x_range,
 * y_range, apply_view); keep the two in step. */
(function () {
  "use strict";

  var MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

  function noUpdate() {
    return window.dash_clientside.no_update;
  }

  function params(search) {
    var out = {};
    (search || "").replace(/^\?/, "").split("&").forEach(function (part) {
      if (!part) { return; }
      var i = part.indexOf("=");
      var key = decodeURIComponent(i < 0 ? part : part.slice(0, i));
      var value = i < 0 ? "" : decodeURIComponent(part.slice(i + 1).replace(/\+/g, " "));
      if (!(key in out)) { out[key] = value; }
    });
    return out;
  }

  function parseLayers(text, view) {
    if (text === undefined || text === null) { return view.default_layers.slice(); }
    var named = String(text).split(",").map(function (s) { return s.trim(); });
    return view.layers.filter(function (layer) { return named.indexOf(layer) >= 0; });
  }

  function clip(month, view) {
    if (month < view.first) { return view.first; }
    if (month > view.end) { return view.end; }
    return month;
  }

  function presetFor(start, end, view) {
    var keys = Object.keys(view.presets);
    for (var i = 0; i < keys.length; i++) {
      var months = view.presets[keys[i]];
      if (months[0] === start && months[1] === end) { return keys[i]; }
    }
    return null;
  }

  /* The view a query string asks for (parse_view). */
  function parseView(search, view) {
    var q = params(search);
    var state = { layers: parseLayers(q.layers, view) };
    if (MONTH.test(q.from || "") && MONTH.test(q.to || "")) {
      var months = [q.from, q.to].sort();
      state.start = clip(months[0], view);
      state.end = clip(months[1], view);
      state.preset = presetFor(state.start, state.end, view);
      return state;
    }
    state.preset = view.presets[q.range] ? q.range : view.default_preset;
    state.start = view.presets[state.preset][0];
    state.end = view.presets[state.preset][1];
    return state;
  }

  function withGeography(search, geography) {
    var parts = (search || "").replace(/^\?/, "").split("&").filter(function (part) {
      return part && part.indexOf("geography=") !== 0;
    });
    if (geography && geography !== "citywide") {
      parts.push("geography=" + encodeURIComponent(geography));
    }
    return parts.length ? "?" + parts.join("&") : "";
  }

  /* The query string of a view (view_query). */
  function viewQuery(state, geography) {
    var parts = ["layers=" + state.layers.join(",")];
    if (state.preset) {
      parts.push("range=" + state.preset);
    } else {
      parts.push("from=" + state.start, "to=" + state.end);
    }
    return withGeography("?" + parts.join("&"), geography);
  }

  function linkHrefs(search, view) {
    var ctx = window.dash_clientside.callback_context;
    var outputs = (ctx.outputs_list && ctx.outputs_list[5]) || [];
    return outputs.map(function (output) {
      return view.pathname + withGeography(search, output.id.geo);
    });
  }

  /* ``next``, or no update when it equals ``current`` (values and lists of them). */
  function changed(next, current) {
    var same = JSON.stringify(next === undefined ? null : next) ===
      JSON.stringify(current === undefined ? null : current);
    return same ? noUpdate() : next;
  }

  function isoDay(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }

  /* The x-axis range of [start, end] months (x_range). */
  function xRange(start, end) {
    var s = start.split("-").map(Number);
    var e = end.split("-").map(Number);
    return [isoDay(Date.UTC(s[0], s[1] - 1, 1 - 15)), isoDay(Date.UTC(e[0], e[1], 1))];
  }

  function finite(y) {
    return typeof y === "number" && isFinite(y);
  }

  /* The y extent of the visible traces over [x0, x1] (y_range). */
  function yRange(traces, x0, x1) {
    var low = Infinity;
    var high = -Infinity;
    traces.forEach(function (trace) {
      if (trace.visible === false || trace.visible === "legendonly" || trace.yaxis === "y2") {
        return;
      }
      var xs = Array.isArray(trace.x) ? trace.x : [];
      var ys = Array.isArray(trace.y) ? trace.y : [];
      for (var i = 0; i < Math.min(xs.length, ys.length); i++) {
        if (xs[i] === null || xs[i] === undefined || !finite(ys[i])) { continue; }
        var x = String(xs[i]).slice(0, 10);
        var inside = x0 <= x && x <= x1;
        for (var j = i - 1; !inside && j <= i + 1; j += 2) {
          if (j < 0 || j >= xs.length || xs[j] === null || xs[j] === undefined ||
              ys[j] === null || ys[j] === undefined) { continue; }
          var other = String(xs[j]).slice(0, 10);
          var a = x < other ? x : other;
          var b = x < other ? other : x;
          inside = a <= x1 && b >= x0;
        }
        if (inside) {
          low = Math.min(low, ys[i]);
          high = Math.max(high, ys[i]);
        }
      }
    });
    if (!isFinite(low)) { return null; }
    var span = (high - low) || Math.abs(high) * 0.1 || 1;
    return [low - 0.06 * span, high + 0.06 * span];
  }

  /* The chart's key is HTML beside it (measure_panels.chart_key), which plotly.js's PNG
   * download would leave out. The download is drawn from this copy instead: the chart as
   * it is shown, with plotly.js's own legend below it, and taller by the legend's room. */
  var IMAGE_LEGEND_ROOM = 90;
  function imageFigure(gd) {
    var full = gd._fullLayout || {};
    var layout = Object.assign({}, gd.layout, {
      showlegend: true,
      legend: { orientation: "h", yanchor: "top", y: -0.08, xanchor: "left", x: 0 },
      width: full.width,
      height: (full.height || 460) + IMAGE_LEGEND_ROOM
    });
    return { data: gd.data, layout: layout };
  }

  function imageName() {
    var parts = window.location.pathname.split("/").filter(Boolean);
    var geography = params(window.location.search).geography;
    return parts.concat(geography ? [geography] : []).join("-") || "chart";
  }

  // Capture phase, so plotly.js's own handler on the button never runs.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(
      '#measure-graph .modebar-btn[data-title^="Download plot"]');
    if (!button) { return; }
    var gd = button.closest(".js-plotly-plot");
    if (!gd || !window.Plotly) { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    var figure = imageFigure(gd);
    window.Plotly.downloadImage(figure, {
      format: "png", scale: 2, filename: imageName(),
      width: figure.layout.width, height: figure.layout.height
    });
  }, true);

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    statroom_measure: {
      imageFigure: imageFigure,

      /* Keep the controls, the URL and the neighborhood links in step. */
      sync: function (search, preset, start, end, layers, view, hrefs) {
        var ctx = window.dash_clientside.callback_context;
        var triggered = ctx.triggered.map(function (t) { return t.prop_id; });
        if (!view || !view.end) { return [noUpdate(), noUpdate(), noUpdate(), noUpdate(), noUpdate(), noUpdate()]; }
        var state;
        if (triggered.indexOf("measure-url.search") >= 0) {
          // Back/Forward (or the first render): the URL is the truth. Only what differs
          // is set: on the first render nothing does, and setting the controls anyway
          // would make the view callback draw the chart a second time.
          state = parseView(search, view);
          var fromUrl = viewQuery(state, view.geography);
          return [noUpdate(), changed(state.preset, preset), changed(state.start, start),
                  changed(state.end, end), changed(state.layers, layers),
                  changed(linkHrefs(fromUrl, view), hrefs)];
        }
        state = { layers: layers || [], preset: preset, start: start, end: end };
        if (triggered.indexOf("measure-range-preset.value") >= 0 && view.presets[preset]) {
          state.start = view.presets[preset][0];
          state.end = view.presets[preset][1];
        } else if (start && end) {
          var months = [start, end].sort();
          state.start = months[0];
          state.end = months[1];
          state.preset = presetFor(state.start, state.end, view);
        }
        var next = viewQuery(state, view.geography);
        return [next === search ? noUpdate() : next, state.preset, state.start, state.end,
                noUpdate(), linkHrefs(next, view)];
      },

      /* Show the chosen layers and zoom to the chosen months, without the server. */
      view: function (layers, start, end, figure) {
        if (!figure || !figure.data || !start || !end) { return noUpdate(); }
        var on = layers || [];
        var all = ["history", "target", "forecast", "control", "annotations", "actions"];
        var data = figure.data.map(function (trace) {
          if (all.indexOf(trace.meta) < 0) { return trace; }
          return Object.assign({}, trace, { visible: on.indexOf(trace.meta) >= 0 });
        });
        var layout = Object.assign({}, figure.layout);
        var showNotes = on.indexOf("annotations") >= 0;
        ["shapes", "annotations"].forEach(function (key) {
          layout[key] = (layout[key] || []).map(function (item) {
            return item.name === "annotations" ? Object.assign({}, item, { visible: showNotes }) : item;
          });
        });
        var range = xRange(start, end);
        layout.xaxis = Object.assign({}, layout.xaxis, { range: range, autorange: false });
        var y = yRange(data, range[0], range[1]);
        layout.yaxis = Object.assign({}, layout.yaxis,
          y ? { range: y, autorange: false } : { autorange: true });
        layout.uirevision = start + ":" + end + ":" + on.join(",");
        return Object.assign({}, figure, { data: data, layout: layout });
      },

      /* A click on a neighborhood (bar or map) opens its series, keeping the view. */
      navigate: function (barClick, mapClick, view) {
        var ctx = window.dash_clientside.callback_context;
        var trigger = ctx.triggered.length ? ctx.triggered[0].prop_id : "";
        var point = null;
        if (trigger.indexOf("measure-bars") === 0 && barClick && barClick.points.length) {
          point = barClick.points[0].customdata;
        } else if (trigger.indexOf("measure-map") === 0 && mapClick && mapClick.points.length) {
          point = mapClick.points[0].location;
        }
        if (!point || !view || point === view.geography) { return noUpdate(); }
        return withGeography(window.location.search, point);
      }
    }
  });
})();
