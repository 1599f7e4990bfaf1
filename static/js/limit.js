// The counter beside a long text. A text area with data-limit="N" has a hint, id
// "<its id>-limit", saying the limit; this adds to it how much is written, as the server
// will count it, and marks it when over. The server is the judge: a text over the limit is
// refused there with a message beside the field, never cut. Every page works without this.
(function () {
  "use strict";

  // The server counts characters (Unicode code points) of what the browser sends, and the
  // browser sends each line break as two (CR LF).
  function length(text) {
    var breaks = text.match(/\n/g);
    return Array.from(text).length + (breaks ? breaks.length : 0);
  }

  function update(area) {
    var hint = document.getElementById(area.id + "-limit");
    if (!hint) {
      return;
    }
    var counter = hint.querySelector(".counter");
    if (!counter) {
      counter = document.createElement("span");
      counter.className = "counter";
      hint.appendChild(document.createTextNode(" "));
      hint.appendChild(counter);
    }
    var lang = document.documentElement.lang || undefined;
    var limit = Number(area.dataset.limit);
    var used = length(area.value);
    var over = used > limit;
    counter.textContent = (over ? "⚠ " : "") + used.toLocaleString(lang) + " / " + limit.toLocaleString(lang);
    counter.classList.toggle("over", over);
  }

  function updateAll() {
    document.querySelectorAll("textarea[data-limit]").forEach(update);
  }

  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("textarea[data-limit]")) {
      update(e.target);
    }
  });
  document.addEventListener("DOMContentLoaded", updateAll);
  document.addEventListener("htmx:afterSettle", updateAll);
})();
