// fieldapp page behaviour that htmx does not cover. No inline scripts (CSP).
(function () {
  "use strict";
  // Move focus to the main region after a full-page navigation from the skip link.
  document.addEventListener("DOMContentLoaded", function () {
    var skip = document.querySelector(".skip-link");
    if (skip) skip.addEventListener("click", function () { document.getElementById("main").focus(); });
  });
})();
