/* Timeline of warranty, maintenance and end-of-life dates on the client card's Equipment tab.
   Data comes from json_script elements; nothing user-provided is written into this script. */
(function () {
  "use strict";

  function draw(canvas) {
    if (canvas.dataset.drawn) { return; }
    canvas.dataset.drawn = "1";
    var rows = JSON.parse(document.getElementById(canvas.dataset.equipmentTimeline).textContent);
    var labels = JSON.parse(document.getElementById(canvas.dataset.labels).textContent);
    function points(key) {
      var result = [];
      rows.forEach(function (row, index) {
        if (row[key]) { result.push({ x: Date.parse(row[key]), y: index, unit: row.label }); }
      });
      return result;
    }
    var lang = document.documentElement.lang || undefined;
    new window.Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          { label: labels.warranty, data: points("warranty"), pointStyle: "rect", pointRadius: 6 },
          { label: labels.maintenance, data: points("maintenance"), pointStyle: "circle", pointRadius: 6 },
          { label: labels.end_of_life, data: points("end_of_life"), pointStyle: "triangle", pointRadius: 7 }
        ]
      },
      options: {
        maintainAspectRatio: false,
        scales: {
          x: { ticks: { callback: function (value) { return new Date(value).toLocaleDateString(lang); } } },
          y: {
            min: -0.5, max: rows.length - 0.5, reverse: true,
            ticks: { stepSize: 1, callback: function (value) { return rows[value] ? rows[value].label : ""; } }
          }
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (ctx) {
                return ctx.raw.unit + ": " + ctx.dataset.label + " " + new Date(ctx.raw.x).toLocaleDateString(lang);
              }
            }
          }
        }
      }
    });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-equipment-timeline]").forEach(draw);
  }

  function start() {
    var canvas = document.querySelector("canvas[data-equipment-timeline]");
    if (!canvas) { return; }
    if (window.Chart) { drawAll(); return; }
    var script = document.createElement("script");
    script.src = canvas.dataset.chartjs;
    script.onload = drawAll;
    document.head.appendChild(script);
  }

  start();
  document.addEventListener("htmx:afterSettle", start);
})();
