'use strict';
// The trace types Statroom draws (components/figures.py, components/measure_panels.py):
// scatter (in plotly.js core), bar and choropleth. A figure with any other trace type
// would draw nothing; tests/unit/test_plotly_bundle.py checks the app's figures.
var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/choropleth')]);

module.exports = Plotly;
