// Roster console: small enhancements only. Every page works without this file.
(function () {
  "use strict";

  // A form with errors: the summary takes the focus, so a screen reader reads it first.
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();

  // A task's page polls its progress every second, backing off to five, pausing while the
  // tab is hidden, and reloads when the task ends.
  var task = document.querySelector("[data-progress-url]");
  if (task) {
    var url = task.getAttribute("data-progress-url");
    var bar = task.querySelector("progress");
    var text = task.querySelector("[data-progress-text]");
    var live = document.querySelector("[data-progress-live]");
    var announced = 0, delay = 1000;
    var poll = function () {
      if (document.hidden) { setTimeout(poll, delay); return; }
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (p) {
          if (p.final) { window.location.reload(); return; }
          if (bar && p.total > 0) { bar.max = p.total; bar.value = p.done; }
          if (text) text.textContent = p.text;
          var step = Math.floor(p.percent / 25) * 25;
          if (live && step > announced && step < 100) { announced = step; live.textContent = p.text; }
          delay = Math.min(5000, delay + 500);
          setTimeout(poll, delay);
        })
        .catch(function () { delay = 5000; setTimeout(poll, delay); });
    };
    setTimeout(poll, delay);
  }
})();
