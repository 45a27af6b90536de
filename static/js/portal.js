// Site-wide enhancement: mark the page as scripted (CSS folds the mobile menu and the filter
// drawer only then) and open or close the mobile menu. Without JavaScript everything shows.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var toggle = document.querySelector(".menu-toggle");
  var header = document.querySelector(".site-header");
  if (!toggle || !header) { return; }
  toggle.addEventListener("click", function () {
    var open = !header.classList.contains("menu-open");
    header.classList.toggle("menu-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  });
}());
