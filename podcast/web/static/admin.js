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

  /* The transcript editor. Without this the form posts as it is (a typed || marks a split);
     with it: keyboard commands, Play buttons, and splitting where the cursor is. */
  function seconds(text) {
    var parts = String(text || "").trim().replace(",", ".").split(":");
    var total = 0;
    for (var i = 0; i < parts.length; i++) {
      var value = parseFloat(parts[i]);
      if (isNaN(value)) return null;
      total = total * 60 + value;
    }
    return parts.length && parts[0] !== "" ? total : null;
  }

  function setupEditor(form) {
    var audio = document.getElementById("editor-audio");
    var status = document.getElementById("editor-status");
    var current = null;
    var touched = {};
    document.querySelectorAll("[data-js-only], [data-play-cue]").forEach(function (el) { el.hidden = false; });

    function textareas() { return Array.prototype.slice.call(form.querySelectorAll("textarea[data-cue]")); }
    function cueOf(area) { return area.getAttribute("data-cue"); }
    function choose(area) {
      if (current) current.closest(".cue-edit").classList.remove("is-current");
      current = area;
      area.closest(".cue-edit").classList.add("is-current");
    }
    function say(text) { announce(status, text); }
    function play(number) {
      if (!audio) return;
      var start = seconds((form.querySelector('[name="cue-' + number + '-start"]') || {}).value);
      if (start === null) { say("Cue " + number + " has no valid start time."); return; }
      audio.currentTime = start;
      var playing = audio.play();
      if (playing && playing.catch) playing.catch(function () {});
      say("Playing cue " + number + ".");
    }
    function move(step) {
      var all = textareas();
      var index = current ? all.indexOf(current) : -1;
      var next = all[index + step];
      if (!next) { say(step > 0 ? "This is the last cue on this page." : "This is the first cue on this page."); return; }
      next.focus();
      next.setSelectionRange(0, 0);
    }
    function split(area) {
      var number = cueOf(area);
      var button = form.querySelector('button[value="split:' + number + '"]');
      touched[number] = true;
      if (button) form.requestSubmit(button);
    }

    form.addEventListener("focusin", function (event) {
      var area = event.target.closest(".cue-edit");
      if (!area) return;
      var text = area.querySelector("textarea[data-cue]");
      if (text) choose(text);
      if (event.target === text) touched[cueOf(text)] = true;
    });
    form.addEventListener("submit", function (event) {
      var value = event.submitter && event.submitter.value || "";
      if (value.indexOf("split:") !== 0) return;
      var number = value.slice(6);
      var area = form.querySelector('textarea[data-cue="' + number + '"]');
      var hidden = form.querySelector('[name="cue-' + number + '-split"]');
      /* A typed || wins; else the cursor, if the producer was ever in this cue's text. */
      if (area && hidden && touched[number] && area.value.indexOf("||") === -1) hidden.value = String(area.selectionStart);
    });
    form.querySelectorAll("[data-play-cue]").forEach(function (button) {
      button.addEventListener("click", function () { play(button.getAttribute("data-play-cue")); });
    });
    document.addEventListener("keydown", function (event) {
      var key = event.code;
      if ((event.ctrlKey || event.metaKey) && !event.altKey && key === "KeyS") {
        event.preventDefault();
        form.requestSubmit(form.querySelector('button[value="save"]'));
        return;
      }
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      if (key === "KeyK" && audio) {
        event.preventDefault();
        if (audio.paused) { var p = audio.play(); if (p && p.catch) p.catch(function () {}); say("Playing."); }
        else { audio.pause(); say("Paused."); }
      } else if (key === "KeyJ" && current) {
        event.preventDefault();
        play(cueOf(current));
      } else if (key === "ArrowDown" || key === "ArrowUp") {
        event.preventDefault();
        move(key === "ArrowDown" ? 1 : -1);
      } else if (key === "KeyS" && current) {
        event.preventDefault();
        split(current);
      }
    });
    var wanted = /^#cue-(\d+)-text$/.exec(window.location.hash);
    var first = wanted && form.querySelector('textarea[data-cue="' + wanted[1] + '"]');
    if (first) { first.focus(); first.setSelectionRange(0, 0); }
  }

  function setup() {
    document.querySelectorAll("form[data-upload]").forEach(setupUpload);
    document.querySelectorAll("form[data-transcript-editor]").forEach(setupEditor);
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
