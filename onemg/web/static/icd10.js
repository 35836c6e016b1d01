// ICD-10 suggestions for an input with data-suggest="<url>": as the person types, the server's
// suggestions (code + label) fill the input's <datalist>. Without this script the field still
// works: the server checks the code and says how to fix it. No inline script (strict CSP).
(function () {
  "use strict";
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.getAttribute("data-suggest");
    var timer = null;
    var last = "";
    if (!list || !url) { return; }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 2 || q === last) { return; }
        last = q;
        fetch(url + "?q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (body) {
            while (list.firstChild) { list.removeChild(list.firstChild); }
            body.suggestions.forEach(function (s) {
              var option = document.createElement("option");
              option.value = s.code + " " + s.label;  // textContent/value: never parsed as HTML
              option.textContent = s.label;
              list.appendChild(option);
            });
            input.setAttribute("data-suggested", String(body.suggestions.length));
          })
          .catch(function () { /* suggestions are a help; typing a code still works */ });
      }, 150);
    });
  }
  function init() { document.querySelectorAll("input[data-suggest]").forEach(attach); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); }
  else { init(); }
})();
