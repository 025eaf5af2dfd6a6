// The job page follows its job: it asks for the job's progress every
// second and moves the bar, until the job is finished; then it offers the
// failed rows (the CSV, and the page again to list them).
(function () {
  var box = document.getElementById("progress");
  if (!box || box.dataset.finished === "true") return;
  var url = box.dataset.progressUrl;
  var set = function (id, v) { var e = document.getElementById(id); if (e) e.textContent = v; };
  var tick = function () {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (j) {
        document.getElementById("job-bar").value = j.percent;
        set("job-percent", j.percent);
        set("job-issued", j.issued);
        set("job-failed", j.failed);
        set("job-skipped", j.skipped);
        set("job-total", j.total);
        var st = document.getElementById("job-state");
        // The page carries the states' names in its language.
        var label = box.dataset["state" + j.state.charAt(0).toUpperCase() + j.state.slice(1)];
        st.textContent = label || j.state;
        st.className = "pill job-" + j.state;
        if (j.failed > 0) document.getElementById("failed-csv").hidden = false;
        if (j.finished) {
          set("job-hint", box.dataset.finishedText || "Finished.");
          if (j.failed > 0) document.getElementById("show-failed").hidden = false;
          var c = document.getElementById("cancel-form");
          if (c) c.remove();
          return;
        }
        setTimeout(tick, 1000);
      })
      .catch(function () { setTimeout(tick, 3000); });
  };
  setTimeout(tick, 500);
})();
