// Draws every chart of the page from the embedded data. Exposes window.ropescaleViews (chart id ->
// vega View) and window.ropescaleReady (true when every chart has rendered, 'failed' otherwise)
// for the browser test.
(function () {
  'use strict';
  var page = JSON.parse(document.getElementById('ropescale-data').textContent);
  var views = {};
  window.ropescaleViews = views;
  window.ropescaleCharts = page.charts;
  window.ropescaleReady = false;
  var jobs = page.charts.map(function (chart) {
    var spec = chart.spec;
    spec.datasets = {};
    chart.uses.forEach(function (name) { spec.datasets[name] = page.datasets[name]; });
    return vegaEmbed('#' + chart.id, spec, { mode: 'vega-lite', renderer: 'svg', actions: false })
      .then(function (result) { views[chart.id] = result.view; });
  });
  Promise.all(jobs).then(function () {
    window.ropescaleReady = true;
  }, function (error) {
    window.ropescaleReady = 'failed';
    console.error('ropescale report: a chart failed to render: ' + error);
  });
})();
