/* The upload form with a progress bar. Without this file the form posts normally and the
   browser shows its own progress; with it, the page stays and reports how far it has got. */
(function () {
  "use strict";

  function announce(status, text) { if (status) status.textContent = text; }

  function replaceMain(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.querySelector("main");
    var main = document.querySelector("main");
    if (!fresh || !main) return false;
    main.innerHTML = fresh.innerHTML;
    if (doc.title) document.title = doc.title;
    setup();
    var focus = main.querySelector("[data-focus-on-load]") || main;
    focus.focus();
    return true;
  }

  function setupUpload(form) {
    if (!window.FormData || !window.XMLHttpRequest) return;
    var wrapper = form.querySelector(".upload-progress");
    var bar = form.querySelector("progress");
    var status = form.querySelector(".upload-status");
    var button = form.querySelector('button[type="submit"]');
    form.addEventListener("submit", function (event) {
      var file = form.querySelector('input[type="file"]');
      if (!file || !file.files || !file.files.length) return; /* let the server explain */
      event.preventDefault();
      var data = new FormData(form);
      var xhr = new XMLHttpRequest();
      var lastAnnounced = -1;
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRF-Token", form.querySelector('input[name="csrf_token"]').value);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var percent = Math.floor((e.loaded / e.total) * 100);
        bar.value = percent;
        bar.textContent = percent + "%";
        var step = Math.floor(percent / 25) * 25; /* speak at 0, 25, 50, 75 and 100% only */
        if (step !== lastAnnounced) { lastAnnounced = step; announce(status, "Uploaded " + step + "%"); }
      });
      xhr.upload.addEventListener("load", function () {
        bar.value = 100;
        announce(status, "Uploaded. Reading the audio file…");
      });
      xhr.addEventListener("load", function () {
        if (xhr.status < 400 && xhr.responseURL && xhr.responseURL.indexOf("/admin/episodes/new") === -1) {
          window.location.assign(xhr.responseURL);
          return;
        }
        if (!replaceMain(xhr.responseText)) finish("The upload failed (" + xhr.status + "). Try again.");
      });
      xhr.addEventListener("error", function () {
        finish("The upload failed: the connection was lost. Check it and try again.");
      });
      function finish(message) {
        button.disabled = false;
        wrapper.hidden = true;
        announce(status, message);
      }
      wrapper.hidden = false;
      bar.value = 0;
      button.disabled = true;
      announce(status, "Uploading…");
      xhr.send(data);
    });
  }

  function setup() {
    document.querySelectorAll("form[data-upload]").forEach(setupUpload);
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
