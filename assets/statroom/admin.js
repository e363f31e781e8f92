/* Data admin (pages/admin_data.py): say at once when a chosen file is over the size
 * limit. dcc.Upload drops such files silently (its max_size), so without this the
 * admin would see nothing happen. The server checks the total again. */
(function () {
  "use strict";

  var UPLOAD = "admin-data-upload";
  var WARNING = "admin-data-size-warning";

  function limitBytes() {
    var note = document.querySelector("#" + UPLOAD + " [data-max-bytes]");
    return note ? Number(note.getAttribute("data-max-bytes")) : 50 * 1024 * 1024;
  }

  function megabytes(bytes) {
    return (bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0) + " MB";
  }

  function check(files) {
    var clientside = window.dash_clientside || {};
    if (!files || !files.length || typeof clientside.set_props !== "function") {
      return;
    }
    var limit = limitBytes();
    var total = 0;
    var tooBig = [];
    for (var i = 0; i < files.length; i++) {
      total += files[i].size;
      if (files[i].size > limit) {
        tooBig.push(files[i].name + " (" + megabytes(files[i].size) + ")");
      }
    }
    var message = "";
    if (tooBig.length) {
      message = "Too large to upload: " + tooBig.join(", ") + ". One import can take up to " +
        megabytes(limit) + "; split the observations into several files and imports.";
    } else if (total > limit) {
      message = "These files add up to " + megabytes(total) + "; one import can take up to " +
        megabytes(limit) + ". Split the observations into several imports.";
    }
    clientside.set_props(WARNING, { children: message, is_open: Boolean(message) });
  }

  function inUpload(node) {
    return Boolean(node && node.closest && node.closest("#" + UPLOAD));
  }

  document.addEventListener("change", function (event) {
    if (inUpload(event.target) && event.target.files) {
      check(event.target.files);
    }
  }, true);
  document.addEventListener("drop", function (event) {
    if (inUpload(event.target) && event.dataTransfer) {
      check(event.dataTransfer.files);
    }
  }, true);
})();
