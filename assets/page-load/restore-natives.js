// Runs after Dash's scripts and before its renderer starts (components/first_view.py puts
// it there): the browser's own trimming and number parsing, kept by keep-natives.js, take
// the place of the polyfill's slower versions again.
(function (natives) {
    if (!natives) return;
    var strings = String.prototype;
    ['trim', 'trimStart', 'trimEnd', 'trimLeft', 'trimRight'].forEach(function (name) {
        if (natives[name]) {
            Object.defineProperty(strings, name, {
                value: natives[name], writable: true, configurable: true, enumerable: false
            });
        }
    });
    window.parseInt = Number.parseInt = natives.parseInt;
    window.parseFloat = Number.parseFloat = natives.parseFloat;
    delete window.statroomNatives;
})(window.statroomNatives);
