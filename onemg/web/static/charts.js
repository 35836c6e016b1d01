// Draws every plotly chart on the page from the JSON figure in its data-figure attribute.
// Kept out of the HTML so the Content-Security-Policy can forbid inline scripts.
(function () {
  "use strict";
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var fig = JSON.parse(el.getAttribute("data-figure"));
      var config = { responsive: true, displaylogo: false, displayModeBar: false };
      Plotly.newPlot(el, fig.data, fig.layout || {}, config).then(function () {
        el.setAttribute("data-drawn", "true");
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); }
  else { draw(); }
})();
