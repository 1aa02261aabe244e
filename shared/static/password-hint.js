// Live hint for password fields: mirrors shared/password_policy.py while the user types.
// The server checks again; this only helps. Inputs opt in with data-password-hint="<id of list>".
(function () {
  "use strict";
  function check(value, policy) {
    return {
      length: value.length >= policy.min_length,
      upper: !policy.require_classes || /\p{Lu}/u.test(value),
      lower: !policy.require_classes || /\p{Ll}/u.test(value),
      digit: !policy.require_classes || /\d/.test(value),
      discouraged: !Array.from(policy.discouraged).some(function (c) { return value.indexOf(c) >= 0; })
    };
  }
  document.querySelectorAll("[data-password-hint]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("data-password-hint"));
    if (!list) { return; }
    var policy = JSON.parse(list.getAttribute("data-policy"));
    function update() {
      var result = check(input.value, policy);
      list.querySelectorAll("[data-rule]").forEach(function (item) {
        var ok = result[item.getAttribute("data-rule")];
        item.classList.toggle("rule-ok", ok);
        item.classList.toggle("rule-missing", !ok);
      });
    }
    input.addEventListener("input", update);
    update();
  });
})();
