// Runs before Dash's scripts (components/first_view.py puts it there). Dash loads
// @babel/polyfill 7 (core-js 2), which tests the browser's string trimming and number
// parsing against an outdated list of whitespace characters (U+180E, no longer a space
// since Unicode 6.3), finds them "wrong" in every current browser, and replaces them with
// slower script versions that plotly.js then calls thousands of times per chart. The
// browser's own are kept here; restore-natives.js puts them back once Dash's scripts ran.
window.statroomNatives = {
    trim: String.prototype.trim,
    trimStart: String.prototype.trimStart,
    trimEnd: String.prototype.trimEnd,
    trimLeft: String.prototype.trimLeft,
    trimRight: String.prototype.trimRight,
    parseInt: window.parseInt,
    parseFloat: window.parseFloat
};
