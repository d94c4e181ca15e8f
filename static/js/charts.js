// Draws every chart on the page from its JSON (json_script), with the plotly.js basic bundle.
// Each chart also has a text summary and a data table, so nothing depends on this script.
(function () {
  var NARROW = 640;

  // Break a long label over lines of about `width` characters.
  function wrap(label, width) {
    var lines = [""];
    String(label).split(" ").forEach(function (word) {
      var last = lines.length - 1;
      if (lines[last] && (lines[last] + " " + word).length > width) {
        lines.push(word);
      } else {
        lines[last] = lines[last] ? lines[last] + " " + word : word;
      }
    });
    return lines.join("<br>");
  }

  // On a phone, grouped bars read better lying down: one row per area, labels on the left.
  function lieDown(figure) {
    var data = figure.data.map(function (trace) {
      var turned = Object.assign({}, trace, {
        orientation: "h",
        x: trace.y,
        y: trace.x.map(function (label) {
          return wrap(label, 14);
        }),
        error_x: trace.error_y,
        insidetextanchor: "start",
      });
      delete turned.error_y;
      return turned;
    });
    var rows = figure.data.length ? figure.data[0].x.length : 0;
    var layout = Object.assign({}, figure.layout, {
      xaxis: Object.assign({}, figure.layout.yaxis, { tickangle: 0 }),
      yaxis: {
        automargin: true,
        autorange: "reversed",
        fixedrange: true,
        tickfont: { size: 12 },
      },
      height: 80 + rows * 26 * Math.max(1, figure.data.length),
      margin: { l: 8, r: 20, t: 8, b: 48 },
      legend: { orientation: "h", y: -0.08 },
    });
    return { data: data, layout: layout };
  }

  function draw(root) {
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-chart"));
      if (!source || !window.Plotly) {
        return;
      }
      var figure = JSON.parse(source.textContent);
      if (figure.layout.barmode && element.clientWidth < NARROW) {
        figure = lieDown(figure);
      }
      window.Plotly.react(element, figure.data, figure.layout, {
        displayModeBar: false,
        responsive: true,
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    draw(event.target);
  });
})();
