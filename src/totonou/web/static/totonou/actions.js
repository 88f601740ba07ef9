// Small page actions, wired by data attributes instead of inline handlers (the Content-Security-Policy
// allows no inline script, docs/adr/0028): one listener on the document, so content htmx swaps in works
// too.
//   [data-copy="#id"]      copy the value of #id to the clipboard; show a child .copied, or the
//                          button's data-done text
//   [data-select-all]      a read-only field selects its whole value when clicked or focused
//   [data-print]           print the page
//   .mention-hints button  add "@username " to the textarea of the same form
//   a[href="#id"]          a link to a closed <details> opens it (a weekly report's figure opens the
//                          records behind it, which htmx then loads)
(function () {
  "use strict";
  function copy(button) {
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) return;
    field.select();
    if (navigator.clipboard) navigator.clipboard.writeText(field.value);
    var mark = button.querySelector(".copied");
    if (mark) mark.hidden = false;
    else if (button.hasAttribute("data-done")) button.textContent = button.getAttribute("data-done");
  }
  function mention(hint) {
    var form = hint.closest("form");
    var text = form && form.querySelector("textarea");
    if (!text) return;
    text.value += (text.value && !/\s$/.test(text.value) ? " " : "") + "@" + hint.value + " ";
    text.focus();
  }
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var button = target.closest("[data-copy]");
    if (button) return copy(button);
    if (target.closest("[data-print]")) return window.print();
    var hint = target.closest(".mention-hints .mention-hint");
    if (hint) return mention(hint);
    var link = target.closest('a[href^="#"]');
    var goal = link && link.getAttribute("href").length > 1 && document.getElementById(link.getAttribute("href").slice(1));
    if (goal && goal.tagName === "DETAILS") goal.open = true;
    var field = target.closest("[data-select-all]");
    if (field) field.select();
  });
  document.addEventListener("focusin", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (target && target.matches("[data-select-all]")) target.select();
  });
})();
