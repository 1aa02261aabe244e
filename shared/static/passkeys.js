// Passkey ceremonies: ask the server for options, let the authenticator answer, post the answer.
(function () {
  "use strict";

  function supported() {
    return window.PublicKeyCredential &&
      typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
      typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";
  }

  function post(url, form, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": form.querySelector("input[name=csrf_token]").value
      },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok || !data) {
          var error = new Error(data.error || form.getAttribute("data-failed"));
          error.fromServer = true;
          throw error;
        }
        return data;
      });
    });
  }

  function show(form, message) {
    var status = form.querySelector(".passkey-status");
    status.textContent = message;
    status.hidden = !message;
  }

  function wire(form, ceremony) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!supported()) { show(form, form.getAttribute("data-unsupported")); return; }
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      show(form, "");
      ceremony(form)
        .then(function (result) { window.location.assign(result.redirect); })
        .catch(function (error) {
          // The register's own words, or why the browser would not use a passkey here.
          var cancelled = error && (error.name === "NotAllowedError" || error.name === "AbortError");
          show(form, error && error.fromServer ? error.message
            : form.getAttribute(cancelled ? "data-cancelled" : "data-failed"));
          button.disabled = false;
        });
    });
  }

  function enrol(form) {
    var name = form.querySelector("input[name=name]").value;
    return post(form.getAttribute("data-options-url"), form, { name: name })
      .then(function (options) {
        return navigator.credentials.create({
          publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options)
        });
      })
      .then(function (credential) {
        return post(form.getAttribute("data-verify-url"), form,
                    { name: name, credential: credential.toJSON() });
      });
  }

  function signIn(form) {
    return post(form.getAttribute("data-options-url"), form)
      .then(function (options) {
        return navigator.credentials.get({
          publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options)
        });
      })
      .then(function (credential) {
        return post(form.getAttribute("data-verify-url"), form, credential.toJSON());
      });
  }

  var enrolForm = document.getElementById("passkey-enrol");
  if (enrolForm) { wire(enrolForm, enrol); }
  ["passkey-signin", "passkey-second-factor"].forEach(function (id) {
    var form = document.getElementById(id);
    if (form) { wire(form, signIn); }
  });
})();
