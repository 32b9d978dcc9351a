// Progress of a running retrain on /webteam/retrain: polls the job's JSON and updates the
// page; reloads it when the job has ended (then the past jobs and the report link show).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var url = box.getAttribute("data-job-url");
  var field = function (name) { return box.querySelector('[data-field="' + name + '"]'); };
  var LABELS = { succeeded: "Gentræningen er færdig.", failed: "Gentræningen fejlede." };

  function show(job) {
    field("stage").textContent = job.stage;
    field("step").textContent = job.step;
    field("steps").textContent = job.steps;
    var bar = field("percent");
    bar.value = job.percent;
    bar.textContent = job.percent + " %";
    var list = field("lines");
    while (list.firstChild) { list.removeChild(list.firstChild); }
    job.lines.forEach(function (line) {
      var item = document.createElement("li");
      var at = document.createElement("span");
      at.className = "muted";
      at.textContent = line.at;
      item.appendChild(at);
      item.appendChild(document.createTextNode(" " + line.text));
      list.appendChild(item);
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { window.setTimeout(poll, 5000); return; }
        show(job);
        if (job.status !== "running") {
          var status = field("status");
          status.hidden = false;
          status.textContent = LABELS[job.status] || job.status;
          window.setTimeout(function () { window.location.assign("/webteam/retrain"); }, 3000);
          return;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
}());
