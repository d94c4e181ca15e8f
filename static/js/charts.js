// Draws every chart on the page from its JSON (json_script), with the plotly.js basic bundle.
// Each chart also has a text summary and a data table, so nothing depends on this script.
(function () {
  function draw(root) {
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-chart"));
      if (!source || !window.Plotly) {
        return;
      }
      var figure = JSON.parse(source.textContent);
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
