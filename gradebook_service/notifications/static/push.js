/* The "turn on notifications" button: registers the service worker and sends the subscription. */
"use strict";

(function () {
  var button = document.getElementById("push-subscribe");
  var status = document.getElementById("push-status");
  if (!button || !status) { return; }
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    status.textContent = status.dataset.unsupported;
    return;
  }
  button.hidden = false;

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  button.addEventListener("click", function () {
    navigator.serviceWorker.register("/sw.js", {scope: "/"})
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: keyBytes(button.dataset.key)});
      })
      .then(function (subscription) {
        return fetch(button.dataset.url, {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRFToken": button.dataset.csrf},
          body: JSON.stringify(subscription.toJSON())});
      })
      .then(function (response) {
        if (!response.ok) { throw new Error("refused"); }
        status.textContent = status.dataset.done;
        button.hidden = true;
      })
      .catch(function () { status.textContent = status.dataset.failed; });
  });
})();
