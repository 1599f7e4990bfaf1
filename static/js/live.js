// Tugi's live pages (docs/live.md), on top of htmx's sse extension. What arrives for an
// element the page does not have yet (a new ticket's queue row, another agent's presence)
// is added where it says (data-live-into), what goes is removed; presence lines go when not told again in time
// (data-live-for, in milliseconds); typing a reply tells the other agents on the ticket,
// at most every five seconds. Without JavaScript, pages work as before, without these.
(function () {
  'use strict';
  // Before htmx swaps an answer or an event in, every out-of-band element of it whose
  // target the page lacks gets a placeholder to replace (at the top of data-live-into) or
  // to delete, so that htmx swaps it without an error.
  function prepare(html) {
    if (typeof html !== 'string' || html.indexOf('hx-swap-oob') < 0) {
      return;
    }
    var tpl = document.createElement('template');
    tpl.innerHTML = html;
    tpl.content.querySelectorAll('[hx-swap-oob][id]').forEach(function (el) {
      if (document.getElementById(el.id)) {
        return;
      }
      var into = el.getAttribute('data-live-into') && document.querySelector(el.getAttribute('data-live-into'));
      var placeholder = document.createElement(el.tagName);
      placeholder.id = el.id;
      if (el.getAttribute('hx-swap-oob') === 'delete' || !into) {
        placeholder.hidden = true;
        document.body.appendChild(placeholder);
      } else {
        into.insertBefore(placeholder, into.firstChild);
      }
    });
  }
  document.addEventListener('htmx:beforeSwap', function (e) { prepare(e.detail.serverResponse); });
  // A stream's fetch whose answer arrives after the page moved on (say to the ticket just
  // taken) is dropped: its rows are for a page no longer shown. Its events fire on the
  // detached element, which no longer tells the document.
  document.addEventListener('htmx:beforeRequest', function (e) {
    // Only a stream's own fetches: a form whose row a live update replaced still sends
    // the person where they asked to go.
    if (!e.target.closest || !e.target.closest('[sse-connect]')) {
      return;
    }
    e.target.addEventListener('htmx:beforeSwap', function (ev) {
      if (!document.contains(ev.target)) {
        ev.detail.shouldSwap = false;
      }
    }, {once: true});
  });
  document.addEventListener('htmx:sseBeforeMessage', function (e) { prepare(e.detail && e.detail.data); });
  // A stream that cannot catch up event by event (too far behind, or what it missed is no
  // longer kept) says "reset" unless its page has its own way to catch up: the page loads again.
  document.addEventListener('htmx:sseOpen', function (e) {
    var source = e.detail && e.detail.source;
    if (source && !source.tugiReset) {
      source.tugiReset = true;
      source.addEventListener('reset', function () { window.location.reload(); });
    }
  });

  window.setInterval(function () {
    var now = Date.now();
    document.querySelectorAll('[data-live-for]').forEach(function (el) {
      if (!el.dataset.liveAt) {
        el.dataset.liveAt = String(now);
      } else if (now - Number(el.dataset.liveAt) > Number(el.dataset.liveFor)) {
        el.remove();
      }
    });
  }, 1000);

  var told = 0;
  document.addEventListener('input', function (e) {
    var box = e.target;
    if (!box.matches || !box.matches('#compose-form textarea[name="body"], #reply-form textarea[name="body"]') || !document.getElementById('presence')) {
      return;
    }
    var now = Date.now();
    if (now - told < 5000) {
      return;
    }
    told = now;
    var form = box.form;
    var body = new URLSearchParams();
    body.set('state', 'replying');
    body.set('_csrf', form.querySelector('input[name="_csrf"]').value);
    fetch(form.getAttribute('action').replace(/\/(reply|compose)$/, '/presence'), {method: 'POST', body: body, credentials: 'same-origin'});
  });
})();

// A running SLA clock on an open page (the ticket page's clocks, the queue's due cells)
// turns amber at its warning time and red at its due time (data-warn-at, data-due-at:
// instants the server computed in business time; the same thresholds as the server's,
// app/ticket's dueClass and clockViews). Checked every second; a cell without a warning
// time goes from ok to breach.
(function () {
  'use strict';
  window.setInterval(function () {
    var now = Date.now();
    document.querySelectorAll('[data-due-at]').forEach(function (el) {
      var due = Date.parse(el.dataset.dueAt);
      var warn = el.dataset.warnAt ? Date.parse(el.dataset.warnAt) : NaN;
      if (now >= due) {
        if (!el.classList.contains('breach')) {
          el.classList.remove('ok', 'warn');
          el.classList.add('breach');
        }
      } else if (now >= warn && el.classList.contains('ok')) {
        el.classList.remove('ok');
        el.classList.add('warn');
      }
    });
  }, 1000);
})();
