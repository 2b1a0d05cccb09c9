/* Progressive enhancement for the public pages. Everything works without this file:
   it adds seeking without a reload, the highlighted cue, and the copy button. */
(function () {
  "use strict";

  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");

  function parseTime(text) {
    if (!text) return null;
    var value = String(text).trim();
    if (/^\d+(\.\d+)?$/.test(value)) return parseFloat(value);
    var parts = value.split(":");
    if (parts.length < 2 || parts.length > 3) return null;
    var seconds = 0;
    for (var i = 0; i < parts.length; i++) {
      if (!/^\d+(\.\d+)?$/.test(parts[i])) return null;
      seconds = seconds * 60 + parseFloat(parts[i]);
    }
    return seconds;
  }

  function hashTime(hash) {
    var match = /^#t=([\d.:]+)/.exec(hash || "");
    return match ? parseTime(match[1]) : null;
  }

  function setupPlayer(audio) {
    function seek(seconds, play) {
      audio.currentTime = seconds; /* before metadata this sets the start position */
      if (play) {
        var promise = audio.play();
        if (promise && promise.catch) promise.catch(function () {});
      }
    }

    document.addEventListener("click", function (event) {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      var link = event.target.closest && event.target.closest('a[href^="#t="]');
      if (!link) return;
      var seconds = hashTime(link.getAttribute("href"));
      if (seconds === null) return;
      event.preventDefault();
      seek(seconds, true);
      try {
        var url = new URL(window.location.href);
        url.searchParams.set("t", String(Math.floor(seconds)));
        url.hash = "";
        window.history.replaceState(null, "", url.toString());
      } catch (e) { /* an old browser: the seek still happened */ }
    });

    var fromHash = hashTime(window.location.hash);
    var fromQuery = parseTime(audio.getAttribute("data-start"));
    var start = fromHash !== null ? fromHash : fromQuery;
    if (start !== null) {
      /* The src already carries #t=…; setting currentTime too covers browsers that ignore it. */
      if (audio.readyState >= 1) { if (Math.abs(audio.currentTime - start) > 0.5) seek(start, false); }
      else audio.addEventListener("loadedmetadata", function () {
        if (Math.abs(audio.currentTime - start) > 0.5) seek(start, false);
      }, { once: true });
    }
    window.addEventListener("hashchange", function () {
      var seconds = hashTime(window.location.hash);
      if (seconds !== null) seek(seconds, true);
    });

    setupHighlight(audio);
  }

  function setupHighlight(audio) {
    var lists = document.querySelectorAll("[data-transcript]");
    if (!lists.length) return;
    var cues = [];
    lists.forEach(function (list) {
      list.querySelectorAll("li[data-start]").forEach(function (item) {
        var start = parseFloat(item.getAttribute("data-start"));
        var end = item.hasAttribute("data-end") ? parseFloat(item.getAttribute("data-end")) : Infinity;
        cues.push({ start: start, end: end, el: item, list: list });
      });
    });
    if (!cues.length) return;
    var follow = addFollowToggle(lists[0]);
    var current = null;

    function find(t) {
      var found = null;
      for (var i = 0; i < cues.length; i++) {
        if (cues[i].start <= t && t < cues[i].end) found = cues[i];
        else if (cues[i].start > t && found) break;
      }
      return found;
    }

    function update() {
      var cue = find(audio.currentTime);
      if (cue === current) return;
      if (current) current.el.removeAttribute("aria-current");
      current = cue;
      if (!cue) return;
      cue.el.setAttribute("aria-current", "time");
      if (follow.checked && !audio.paused) {
        cue.el.scrollIntoView({ block: "nearest", behavior: reduceMotion && reduceMotion.matches ? "auto" : "smooth" });
      }
    }
    ["timeupdate", "seeked", "play"].forEach(function (name) { audio.addEventListener(name, update); });
  }

  function addFollowToggle(list) {
    var wrapper = document.createElement("div");
    wrapper.className = "checkbox follow";
    var box = document.createElement("input");
    box.type = "checkbox";
    box.id = "follow-transcript";
    var label = document.createElement("label");
    label.htmlFor = box.id;
    label.textContent = "Scroll the transcript to follow the audio";
    wrapper.appendChild(box);
    wrapper.appendChild(label);
    list.parentNode.insertBefore(wrapper, list);
    return box;
  }

  function setupCopy(button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    var status = button.closest(".copy-field").querySelector(".copy-status");
    if (!input) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      function done(ok) {
        if (status) status.textContent = ok ? "Feed address copied." : "Select the address and copy it.";
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(function () { done(true); }, function () {
          input.select(); done(false);
        });
      } else {
        input.select();
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        done(ok);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var audio = document.getElementById("player");
    if (audio) setupPlayer(audio);
    document.querySelectorAll("[data-copy]").forEach(setupCopy);
    var focusTarget = document.querySelector("[data-focus-on-load]");
    if (focusTarget) focusTarget.focus();
  });
})();
