// The console works without this file: it only adds conveniences. Print buttons print the
// page (the brief); a filter's select submits its form at once; the sandbox's sign-in page
// (data-auto) signs in without waiting for the button.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var auto = document.querySelector("form[data-auto]");
  if (auto) auto.submit();
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("form.filters select").forEach(function (s) {
    s.addEventListener("change", function () { s.form.requestSubmit(); });
  });
});
