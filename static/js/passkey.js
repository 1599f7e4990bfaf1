// The passkey ceremonies (docs/signin.md). A form with data-passkey="get" (the second
// step of sign-in) or data-passkey="create" (adding a passkey on the account page) carries
// the options Tugi made for it (data-options: JSON, binary fields in base64url). Sending
// the form asks the browser for the passkey; its answer goes, as JSON, into the form's
// field "credential", and the form is sent on as any other. These forms are hidden
// unless this script runs in a browser that has passkeys; everything else works without it.
(function () {
  "use strict";

  function bytes(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }

  function text(buf) {
    var b = new Uint8Array(buf);
    var s = "";
    for (var i = 0; i < b.length; i++) {
      s += String.fromCharCode(b[i]);
    }
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // options turns Tugi's options into what navigator.credentials takes.
  function options(form) {
    var p = JSON.parse(form.dataset.options).publicKey;
    p.challenge = bytes(p.challenge);
    if (p.user) {
      p.user.id = bytes(p.user.id);
    }
    (p.excludeCredentials || []).concat(p.allowCredentials || []).forEach(function (c) {
      c.id = bytes(c.id);
    });
    return { publicKey: p };
  }

  // answer turns the browser's PublicKeyCredential into the JSON Tugi reads.
  function answer(cred) {
    var r = cred.response;
    var out = {
      id: cred.id,
      rawId: text(cred.rawId),
      type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults(),
      response: { clientDataJSON: text(r.clientDataJSON) }
    };
    if (cred.authenticatorAttachment) {
      out.authenticatorAttachment = cred.authenticatorAttachment;
    }
    if (r.attestationObject) {
      out.response.attestationObject = text(r.attestationObject);
      if (r.getTransports) {
        out.response.transports = r.getTransports();
      }
    } else {
      out.response.authenticatorData = text(r.authenticatorData);
      out.response.signature = text(r.signature);
      if (r.userHandle) {
        out.response.userHandle = text(r.userHandle);
      }
    }
    return JSON.stringify(out);
  }

  function fail(form, msg) {
    var el = form.querySelector(".passkey-error");
    if (el) {
      el.textContent = msg;
      el.hidden = false;
    }
    form.removeAttribute("aria-busy");
  }

  // Before htmx (or the browser) sends the form: ask for the passkey first.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form[data-passkey]") || form.elements.credential.value) {
      return;
    }
    e.preventDefault();
    e.stopPropagation();
    if (form.getAttribute("aria-busy") === "true" || !form.reportValidity()) {
      return;
    }
    form.setAttribute("aria-busy", "true");
    var ceremony;
    try {
      ceremony = form.dataset.passkey === "create" ? navigator.credentials.create(options(form)) : navigator.credentials.get(options(form));
    } catch (err) {
      fail(form, form.dataset.failed);
      return;
    }
    ceremony.then(function (cred) {
      form.elements.credential.value = answer(cred);
      form.submit();
    }, function () {
      fail(form, form.dataset.failed);
    });
  }, true);

  function reveal() {
    if (!window.PublicKeyCredential) {
      return;
    }
    document.querySelectorAll("form[data-passkey][hidden]").forEach(function (form) {
      form.hidden = false;
    });
  }
  document.addEventListener("DOMContentLoaded", reveal);
  document.addEventListener("htmx:afterSettle", reveal);
})();
