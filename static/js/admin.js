// Scrollable read-only regions (the versions inline on a small screen) get keyboard focus,
// so a keyboard user can scroll them (WCAG 2.1.1; axe "scrollable-region-focusable").
document.addEventListener("DOMContentLoaded", () => {
  for (const region of document.querySelectorAll(".inline-group")) {
    if (region.scrollWidth > region.clientWidth || region.scrollHeight > region.clientHeight) {
      region.tabIndex = 0;
      region.setAttribute("role", "region");
      const heading = region.querySelector("h2");
      if (heading) region.setAttribute("aria-label", heading.textContent.trim());
    }
  }
});
