/* dashboard.js: the Odin dashboard's behaviour: instant job filtering and the live view.
 * Text from jobs is only ever inserted with textContent. */
(function () {
  "use strict";

  function filterJobs() {
    var form = document.getElementById("job-filter");
    if (!form) { return; }
    var q = form.querySelector("[name=q]"), outcome = form.querySelector("[name=outcome]");
    function apply() {
      var text = q.value.trim().toLowerCase(), want = outcome.value, shown = 0;
      document.querySelectorAll("#jobs tbody tr[data-name]").forEach(function (row) {
        var ok = (!text || row.getAttribute("data-search").indexOf(text) !== -1) &&
          (!want || row.getAttribute("data-outcome") === want);
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      var count = document.getElementById("job-count");
      if (count) { count.textContent = String(shown); }
    }
    q.addEventListener("input", apply);
    outcome.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
    apply();
  }

  function formatTime(us) {
    var d = new Date(us / 1000);
    return d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
  }

  function appendLine(list, event) {
    var li = document.createElement("li");
    li.className = "live-" + event.kind;
    li.setAttribute("data-kind", event.kind);
    li.setAttribute("data-received", String(Date.now()));
    var time = document.createElement("time");
    time.textContent = formatTime(event.time_us);
    li.appendChild(time);
    var body = document.createElement("span");
    body.className = "text";
    if (["output", "note", "start", "warning"].indexOf(event.kind) !== -1) {
      body.textContent = event.text;
    } else {
      var label = event.kind + (event.name ? " " + event.name : "");
      body.textContent = label + (event.value !== null ? " = " + event.value : "") +
        (event.kind === "summary" || event.kind === "result" ? "  " + event.text : "");
    }
    li.appendChild(body);
    list.appendChild(li);
    if (list.children.length > 5000) { list.removeChild(list.firstChild); }
    li.scrollIntoView({ block: "nearest" });
  }

  function liveView() {
    var list = document.getElementById("live-lines");
    if (!list) { return; }
    var state = document.getElementById("live-state");
    var source = new EventSource(list.getAttribute("data-stream"));
    source.addEventListener("open", function () { state.textContent = "following"; state.className = "ok"; });
    source.addEventListener("error", function () { state.textContent = "reconnecting"; state.className = "warn"; });
    source.addEventListener("line", function (message) { appendLine(list, JSON.parse(message.data)); });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  document.addEventListener("DOMContentLoaded", function () { filterJobs(); liveView(); });
})();
