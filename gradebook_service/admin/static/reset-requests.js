// The new password's letter is a PDF download, so the page is not reloaded: once the
// request is sent, show its row as resolved (the server has marked it) and drop its buttons.
(function () {
  "use strict";
  document.querySelectorAll("form[data-resolves]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var row = form.closest("tr");
      window.setTimeout(function () {
        row.querySelector("[data-status]").textContent = form.getAttribute("data-resolves");
        row.querySelector("[data-actions]").replaceChildren();
      }, 0);
    });
  });
})();
