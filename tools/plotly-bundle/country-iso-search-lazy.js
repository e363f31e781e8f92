'use strict';
// Stands in for country-iso-search in the bundle (make plotly-bundle aliases it here).
//
// When the bundle loads, country-iso-search builds a lookup of every country's names and
// aliases for itself, and plotly.js's geo code builds another from COUNTRIES: about 90 ms
// of every page's load on a slow machine, maps or not. They serve only choropleths located
// by country name; Statroom's locate shapes by GeoJSON id. Here the package is loaded,
// and plotly.js's lookup built, the first time a country name is looked up.
//
// plotly.js (src/lib/geo_location_utils.js) calls createLookup([...COUNTRIES, ...extra])
// once, at load; COUNTRIES is empty here, and the real list is put back in front of the
// extra entries when the lookup is built.
var real = null;

function load() {
    // A relative path: the alias applies to the package's name only.
    if(!real) real = require('./node_modules/country-iso-search/dist/index.cjs');
    return real;
}

function createLookup(extra) {
    var built = null;
    function lookup() {
        if(!built) built = load().createLookup(load().COUNTRIES.concat(extra));
        return built;
    }
    return {
        lookup: function(name) { return lookup().lookup(name); },
        lookupAlpha3: function(name) { return lookup().lookupAlpha3(name); },
        get byAlpha3() { return lookup().byAlpha3; },
        get byAlpha2() { return lookup().byAlpha2; },
        get byM49() { return lookup().byM49; }
    };
}

module.exports = {
    COUNTRIES: [],
    createLookup: createLookup,
    lookup: function(name) { return load().lookup(name); },
    lookupAlpha3: function(name) { return load().lookupAlpha3(name); },
    sanitize: function(name) { return load().sanitize(name); },
    get byAlpha3() { return load().byAlpha3; },
    get byAlpha2() { return load().byAlpha2; },
    get byM49() { return load().byM49; }
};
