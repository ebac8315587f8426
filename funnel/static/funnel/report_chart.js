// Draw the report's bar chart from the data the page embeds with json_script.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("report-chart-data").textContent);
  const canvas = document.getElementById("report-chart");
  if (!canvas || typeof Chart === "undefined") return;
  new Chart(canvas, {
    type: "bar",
    data: {labels: data.labels, datasets: [{data: data.values, backgroundColor: "rgba(13, 110, 253, 0.6)"}]},
    options: {maintainAspectRatio: false, plugins: {legend: {display: false}}, indexAxis: "y"},
  });
})();
