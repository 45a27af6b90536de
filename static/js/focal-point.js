// Click-to-set focal point on the staff case page (progressive enhancement: the numeric
// form works without this). A click centres a box of a fifth of the image on the point,
// in pixels of the original, and fills x, y, width and height.
(function () {
  "use strict";
  var source = document.querySelector("[data-focal-source]");
  var form = document.querySelector("[data-focal-form]");
  if (!source || !form) { return; }
  var image = source.querySelector("[data-focal-image]");
  var marker = source.querySelector("[data-focal-marker]");
  var width = parseInt(source.dataset.width, 10);
  var height = parseInt(source.dataset.height, 10);
  var field = function (name) { return form.querySelector("[name=" + name + "]"); };

  function show() {
    var x = parseFloat(field("x").value), y = parseFloat(field("y").value);
    var w = parseFloat(field("w").value), h = parseFloat(field("h").value);
    if ([x, y, w, h].some(isNaN) || !image.clientWidth) { marker.hidden = true; return; }
    var scale = image.clientWidth / width;
    marker.style.left = (x * scale) + "px";
    marker.style.top = (y * scale) + "px";
    marker.style.width = (w * scale) + "px";
    marker.style.height = (h * scale) + "px";
    marker.hidden = false;
  }

  image.addEventListener("click", function (event) {
    var rect = image.getBoundingClientRect();
    var cx = (event.clientX - rect.left) * width / rect.width;
    var cy = (event.clientY - rect.top) * height / rect.height;
    var w = Math.max(1, Math.round(width / 5)), h = Math.max(1, Math.round(height / 5));
    var x = Math.min(Math.max(0, Math.round(cx - w / 2)), width - w);
    var y = Math.min(Math.max(0, Math.round(cy - h / 2)), height - h);
    field("x").value = x; field("y").value = y; field("w").value = w; field("h").value = h;
    show();
  });
  ["x", "y", "w", "h"].forEach(function (name) { field(name).addEventListener("input", show); });
  window.addEventListener("resize", show);
  if (image.complete) { show(); } else { image.addEventListener("load", show); }
}());
