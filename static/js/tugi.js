// Tugi's own script. Every page works without it; these listeners only help.
(function () {
  "use strict";

  // Forms that save as they change hide their plain Save buttons (class nojs) while
  // this script runs; without it, those buttons save.
  document.documentElement.classList.add("js");

  // When a form comes back with mistakes, put the cursor in the first field to fix.
  function focusFirstInvalid() {
    var bad = document.querySelector("main [aria-invalid=true]");
    if (bad && typeof bad.focus === "function") {
      bad.focus();
    }
  }
  document.addEventListener("DOMContentLoaded", focusFirstInvalid);
  document.addEventListener("htmx:afterSettle", focusFirstInvalid);
})();
