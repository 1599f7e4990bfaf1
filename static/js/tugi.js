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

// A form marked data-reset-on-send (a chat's message) is emptied once htmx has sent it
// and the server took it (204); what comes back otherwise (a mistake) is swapped in.
(function () {
  "use strict";
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt;
    if (form && form.hasAttribute && form.hasAttribute("data-reset-on-send") && e.detail.xhr && e.detail.xhr.status === 204) {
      form.reset();
    }
  });
})();
