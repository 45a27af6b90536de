// Progressive enhancement for the catalog: facets and sort apply at once, and results and
// facet counts refresh in place. Without JavaScript the form's buttons do the same.
(function () {
  "use strict";
  var form = document.getElementById("catalog-filters");
  if (!form || !window.fetch || !window.DOMParser) { return; }

  function refresh(url, push) {
    fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        ["catalog-results", "catalog-facets"].forEach(function (id) {
          var fresh = next.getElementById(id), current = document.getElementById(id);
          if (fresh && current) { current.replaceWith(fresh); }
        });
        if (push) { history.pushState({ catalog: true }, "", url); }
      })
      .catch(function () { window.location.assign(url); });
  }

  function urlOf() {
    var params = new URLSearchParams(new FormData(form));
    Array.from(params.keys()).forEach(function (key) {
      if (!params.get(key)) { params.delete(key); }
    });
    return form.action + (params.toString() ? "?" + params.toString() : "");
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "q" || event.target.form !== form) { return; }
    refresh(urlOf(), true);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    refresh(urlOf(), true);
  });
  window.addEventListener("popstate", function () { refresh(window.location.href, false); });
}());
