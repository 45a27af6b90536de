// Fill in the device and viewport the partner is using, when they left them empty.
(function () {
  "use strict";
  var form = document.querySelector("[data-rendering-report]");
  if (!form) { return; }
  var set = function (name, value) {
    var input = form.querySelector("[name=" + name + "]");
    if (input && !input.value) { input.value = value; }
  };
  set("viewport_width", window.innerWidth);
  set("viewport_height", window.innerHeight);
  set("device_class", window.innerWidth < 600 ? "mobile" : window.innerWidth < 1024 ? "tablet" : "desktop");
}());
