// Poll the rollover job's progress; when it is done, reload to show the new year.
(function () {
  "use strict";
  var box = document.getElementById("rollover-job");
  if (!box || box.getAttribute("data-status") === "done" || box.getAttribute("data-status") === "failed") { return; }
  var statusUrl = box.getAttribute("data-status-url");
  var bar = document.getElementById("rollover-job-progress");
  var text = document.getElementById("rollover-job-text");
  var failed = document.getElementById("rollover-job-failed");
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
          window.location.reload();
        } else if (job.status === "failed") {
          failed.hidden = false;
        } else {
          window.setTimeout(poll, 500);
        }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  poll();
})();
