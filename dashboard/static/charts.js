/* charts.js: a tiny SVG charting module for the Odin dashboard: sparklines and time-series line charts.
 *
 * Data comes from a <script type="application/json"> element named by the chart's data-source attribute (or, for
 * numbers only, a data-values attribute), so no value from a job is ever parsed as HTML; every label is set with
 * textContent.
 *
 *   <div class="chart" data-chart="line" data-source="durations-data" data-unit="s"></div>
 *   <script type="application/json" id="durations-data">[[1700000000000, 1.5], ...]</script>
 */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  function el(name, attrs) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
    return node;
  }

  function extent(values) {
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    if (lo === hi) { lo -= 1; hi += 1; }
    return [lo, hi];
  }

  function scale(domain, range) {
    return function (v) { return range[0] + (v - domain[0]) / (domain[1] - domain[0]) * (range[1] - range[0]); };
  }

  function formatNumber(v) {
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e6 || a < 1e-2)) { return v.toExponential(2); }
    return String(Math.round(v * 100) / 100);
  }

  function formatTime(ms) {
    var d = new Date(ms);
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  /* A sparkline: a small line through values (oldest first), the last point marked. */
  function sparkline(container, values, opts) {
    opts = opts || {};
    var w = opts.width || 120, h = opts.height || 24, pad = 2;
    var svg = el("svg", { width: w, height: h, viewBox: "0 0 " + w + " " + h, "class": "sparkline", role: "img" });
    var title = el("title");
    var nums = values.filter(function (v) { return typeof v === "number" && isFinite(v); });
    title.textContent = nums.length ? nums.length + " recent runs, last " + formatNumber(nums[nums.length - 1]) +
      (opts.unit || "") : "no runs yet";
    svg.appendChild(title);
    if (nums.length) {
      var x = scale([0, Math.max(nums.length - 1, 1)], [pad, w - pad]);
      var y = scale(extent(nums), [h - pad, pad]);
      var d = nums.map(function (v, i) { return (i ? "L" : "M") + x(i).toFixed(1) + " " + y(v).toFixed(1); });
      svg.appendChild(el("path", { d: d.join(" "), "class": "line" }));
      var last = nums.length - 1;
      svg.appendChild(el("circle", { cx: x(last).toFixed(1), cy: y(nums[last]).toFixed(1), r: 2, "class": "dot" }));
    }
    container.replaceChildren(svg);
    return svg;
  }

  /* A line chart of [timeMs, value] points (any order) with min/max labels, time ticks and point tooltips. */
  function lineChart(container, points, opts) {
    opts = opts || {};
    var w = opts.width || 640, h = opts.height || 180;
    var m = { top: 10, right: 12, bottom: 24, left: 56 };
    var svg = el("svg", { viewBox: "0 0 " + w + " " + h, "class": "linechart", role: "img",
      preserveAspectRatio: "xMidYMid meet" });
    var pts = points.filter(function (p) { return isFinite(p[0]) && isFinite(p[1]); })
      .sort(function (a, b) { return a[0] - b[0]; });
    var title = el("title");
    title.textContent = (opts.label || "values") + ": " + pts.length + " points";
    svg.appendChild(title);
    if (!pts.length) {
      var empty = el("text", { x: w / 2, y: h / 2, "text-anchor": "middle", "class": "empty" });
      empty.textContent = "no data yet";
      svg.appendChild(empty);
      container.replaceChildren(svg);
      return svg;
    }
    var xs = pts.map(function (p) { return p[0]; }), ys = pts.map(function (p) { return p[1]; });
    var yDomain = extent(ys);
    if (opts.zero !== false && yDomain[0] > 0) { yDomain[0] = 0; }
    var x = scale(extent(xs), [m.left, w - m.right]);
    var y = scale(yDomain, [h - m.bottom, m.top]);
    svg.appendChild(el("line", { x1: m.left, y1: h - m.bottom, x2: w - m.right, y2: h - m.bottom, "class": "axis" }));
    svg.appendChild(el("line", { x1: m.left, y1: m.top, x2: m.left, y2: h - m.bottom, "class": "axis" }));
    [yDomain[0], yDomain[1]].forEach(function (v) {
      var t = el("text", { x: m.left - 4, y: y(v) + 4, "text-anchor": "end", "class": "tick" });
      t.textContent = formatNumber(v) + (opts.unit || "");
      svg.appendChild(t);
    });
    [[xs[0], "start"], [xs[xs.length - 1], "end"]].forEach(function (pair) {
      var t = el("text", { x: x(pair[0]), y: h - 6, "text-anchor": pair[1], "class": "tick" });
      t.textContent = formatTime(pair[0]);
      svg.appendChild(t);
    });
    var d = pts.map(function (p, i) { return (i ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1); });
    svg.appendChild(el("path", { d: d.join(" "), "class": "line" }));
    pts.forEach(function (p) {
      var c = el("circle", { cx: x(p[0]).toFixed(1), cy: y(p[1]).toFixed(1), r: 2.5, "class": "dot" });
      var tip = el("title");
      tip.textContent = formatTime(p[0]) + ": " + formatNumber(p[1]) + (opts.unit || "");
      c.appendChild(tip);
      svg.appendChild(c);
    });
    container.replaceChildren(svg);
    return svg;
  }

  function readData(node) {
    var inline = node.getAttribute("data-values");
    if (inline !== null) { return JSON.parse(inline); }
    var source = document.getElementById(node.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : [];
  }

  function renderAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(function (node) {
      var data = readData(node);
      var opts = { unit: node.getAttribute("data-unit") || "", label: node.getAttribute("data-label") || "" };
      if (node.getAttribute("data-chart") === "sparkline") { sparkline(node, data, opts); }
      else { lineChart(node, data, opts); }
      node.setAttribute("data-rendered", "true");
    });
  }

  window.OdinCharts = { sparkline: sparkline, lineChart: lineChart, renderAll: renderAll };
  document.addEventListener("DOMContentLoaded", function () { renderAll(document); });
})();
