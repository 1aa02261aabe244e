// OAuth 2.0 Form Post Response Mode: submit the authorization response to the client.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("oidc-form-post");
  if (form) { form.submit(); }
});
