/* Dashboard charts (Chart.js, vendored). Redrawn after each htmx refresh of the panel. */
(function () {
  "use strict";
  var charts = [];

  function draw() {
    var source = document.getElementById("chart-data");
    if (!source || !window.Chart) return;
    var data = JSON.parse(source.textContent);
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
    var common = { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: "bottom" } } };
    var perDay = document.getElementById("chart-per-day");
    if (perDay) {
      charts.push(new Chart(perDay, {
        type: "bar",
        data: { labels: data.per_day.labels, datasets: [
          { label: "Assigned", data: data.per_day.assigned, backgroundColor: "#2457c5", stack: "s" },
          { label: "Unassigned", data: data.per_day.unassigned, backgroundColor: "#e8a23b", stack: "s" }
        ] },
        options: Object.assign({}, common, { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } })
      }));
    }
    var response = document.getElementById("chart-response");
    if (response) {
      charts.push(new Chart(response, {
        type: "bar",
        data: { labels: data.response.labels, datasets: [{ label: "Leads", data: data.response.counts, backgroundColor: "#1f7a4d" }] },
        options: Object.assign({}, common, { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } })
      }));
    }
    var perRep = document.getElementById("chart-per-rep");
    if (perRep) {
      charts.push(new Chart(perRep, {
        type: "bar",
        data: { labels: data.per_rep.map(function (r) { return r.name; }), datasets: [
          { label: "Leads in period", data: data.per_rep.map(function (r) { return r.leads; }), backgroundColor: "#2457c5", yAxisID: "y" },
          { label: "Open now", data: data.per_rep.map(function (r) { return r.open; }), backgroundColor: "#9db7f0", yAxisID: "y" },
          { label: "Conversion %", data: data.per_rep.map(function (r) { return r.conversion; }), type: "line", borderColor: "#b42318", backgroundColor: "#b42318", yAxisID: "y1" }
        ] },
        options: Object.assign({}, common, { scales: {
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Leads" } },
          y1: { beginAtZero: true, max: 100, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "Conversion %" } }
        } })
      }));
    }
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "dashboard-panel") draw();
  });
})();
