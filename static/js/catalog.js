// Progressive enhancement for the catalog and asset pages. Without JavaScript the forms'
// buttons do the same work; with it:
// - facets and sort apply at once; results and counts refresh in place, the results dim
//   (aria-busy) meanwhile, and keyboard focus stays on the facet that was toggled;
// - on small screens the facets fold into a "Filters" drawer;
// - the ZIP selection lives in sessionStorage, so it survives facet and page changes, with a
//   count, "select all on this page", "clear", and selected cards highlighted;
// - "← Catalog" on an asset page returns to the last catalog search (filters and page).
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var SELECTION = "catalog-selection", LAST_SEARCH = "catalog-last-search";
  var store = window.sessionStorage;

  function read(key, fallback) {
    try { return JSON.parse(store.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function write(key, value) {
    try { store.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: no memory */ }
  }

  // ------------------------------------------------------------ the asset page
  var back = document.querySelector("[data-back-to-catalog]");
  if (back) {
    var last = read(LAST_SEARCH, "");
    if (last && back.getAttribute("href").indexOf("?") < 0) { back.setAttribute("href", last); }
  }

  var form = document.getElementById("catalog-filters");
  if (!form) { return; }
  write(LAST_SEARCH, window.location.pathname + window.location.search);

  // ------------------------------------------------------------ the selection
  var zipForm = document.getElementById("zip-form");
  var bar = document.getElementById("selection-bar");
  var max = parseInt(bar.getAttribute("data-max"), 10) || 200;

  function selection() { return read(SELECTION, []); }

  function boxes() { return Array.from(document.querySelectorAll("input[data-select]")); }

  function showSelection() {
    var chosen = selection(), count = chosen.length;
    boxes().forEach(function (box) {
      box.checked = chosen.indexOf(box.value) >= 0;
      box.closest(".asset-card").classList.toggle("is-selected", box.checked);
    });
    bar.querySelector("[data-selection-count]").textContent = String(count);
    bar.classList.toggle("has-selection", count > 0);
    bar.querySelector("[data-clear-selection]").hidden = count === 0;
    var page = bar.querySelector("[data-select-page]");
    page.hidden = boxes().length === 0 || boxes().every(function (b) { return b.checked; });
    bar.querySelector("[data-zip-button]").disabled = count === 0;
    bar.querySelector("[data-zip-button]").textContent =
      count > max ? "Select at most " + max : "Download " + (count || "selected") + " as one ZIP";
  }

  function choose(ids, on) {
    var chosen = selection();
    ids.forEach(function (id) {
      var at = chosen.indexOf(id);
      if (on && at < 0) { chosen.push(id); }
      if (!on && at >= 0) { chosen.splice(at, 1); }
    });
    write(SELECTION, chosen);
    showSelection();
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[data-select]")) {
      choose([event.target.value], event.target.checked);
    }
  });
  bar.querySelector("[data-select-page]").addEventListener("click", function () {
    choose(boxes().map(function (b) { return b.value; }), true);
  });
  bar.querySelector("[data-clear-selection]").addEventListener("click", function () {
    write(SELECTION, []);
    showSelection();
  });
  zipForm.addEventListener("submit", function () {
    // Everything selected, on this page or others; the page's boxes already belong to the form.
    Array.from(zipForm.querySelectorAll("input[data-remembered]")).forEach(function (input) {
      input.remove();
    });
    var onPage = boxes().map(function (b) { return b.value; });
    selection().forEach(function (id) {
      if (onPage.indexOf(id) >= 0) { return; }
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "asset"; input.value = id;
      input.setAttribute("data-remembered", "");
      zipForm.appendChild(input);
    });
  });

  // ------------------------------------------------------------ the filter drawer
  var facets = form.querySelector(".facets");
  var toggle = form.querySelector(".filters-toggle");

  function showFilterCount() {
    var chosen = Array.from(document.querySelectorAll("#catalog-facets input:checked"))
      .filter(function (input) { return input.value; }).length;
    toggle.querySelector("[data-filters-count]").textContent = chosen ? "(" + chosen + ")" : "";
  }
  toggle.addEventListener("click", function () {
    var open = !facets.classList.contains("open");
    facets.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
  });

  // ------------------------------------------------------------ refreshing in place
  if (!window.fetch || !window.DOMParser) { showSelection(); showFilterCount(); return; }
  var pending = null;

  function refresh(url, push) {
    var results = document.getElementById("catalog-results");
    results.setAttribute("aria-busy", "true");
    if (pending) { pending.abort(); }
    pending = window.AbortController ? new AbortController() : null;
    fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin",
                 signal: pending ? pending.signal : undefined })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, "text/html");
        var focused = document.activeElement && document.activeElement.id;
        ["catalog-results", "catalog-facets"].forEach(function (id) {
          var fresh = next.getElementById(id), current = document.getElementById(id);
          if (fresh && current) { current.replaceWith(fresh); }
        });
        var nextZip = next.querySelector("#zip-form input[name=next]");
        var zipNext = zipForm.querySelector("input[name=next]");
        if (nextZip && zipNext) { zipNext.value = nextZip.value; }
        // The facet the partner toggled was replaced: give focus back to its successor.
        var again = focused && document.getElementById(focused);
        if (again && again !== document.activeElement) { again.focus({ preventScroll: true }); }
        if (push) { history.pushState({ catalog: true }, "", url); }
        write(LAST_SEARCH, url.replace(window.location.origin, ""));
        showSelection();
        showFilterCount();
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") { return; }
        window.location.assign(url);
      });
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
  showSelection();
  showFilterCount();
}());
