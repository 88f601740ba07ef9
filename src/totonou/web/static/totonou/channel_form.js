// The channel form: show only the address fields the chosen kind uses (data-kinds). Without this
// script every field shows, and the server ignores the ones the kind does not use.
(function () {
  "use strict";
  function update(form) {
    var kind = form.querySelector('[name="kind"]');
    if (!kind) return;
    form.querySelectorAll("[data-kinds]").forEach(function (wrapper) {
      var used = wrapper.getAttribute("data-kinds").split(" ").indexOf(kind.value) !== -1;
      wrapper.hidden = !used;
    });
    var help = form.querySelector("[data-kind-help]");
    if (help) help.hidden = true; // each shown field says what it is; the all-kinds hint is for no-JS
  }
  document.querySelectorAll("form").forEach(function (form) {
    var kind = form.querySelector('[name="kind"]');
    if (!kind || !form.querySelector("[data-kinds]")) return;
    kind.addEventListener("change", function () { update(form); });
    update(form);
  });
})();
