// Poll a letter job's progress and reveal the download link when it is done.
(function () {
  "use strict";
  var box = document.getElementById("letter-job");
  if (!box) { return; }
  var statusUrl = box.getAttribute("data-status-url");
  var bar = document.getElementById("letter-job-progress");
  var text = document.getElementById("letter-job-text");
  var done = document.getElementById("letter-job-done");
  var failed = document.getElementById("letter-job-failed");
  function poll() {
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        if (job.total > 0) {
          bar.max = job.total;
          bar.value = job.done;
          text.textContent = Math.floor(100 * job.done / job.total) + "%";
        }
        if (job.status === "done") {
          bar.value = bar.max;
          text.textContent = "100%";
          done.hidden = false;
        } else if (job.status === "failed") {
          failed.hidden = false;
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
