/* Totonou activity form: small conveniences on top of a form that works without JavaScript.
 *
 * - With htmx loaded, the customer search runs as you type, so the no-JavaScript "Search" button goes
 *   (it would otherwise be the form's default button: Enter in a field would search instead of save).
 * - Enter in the search box searches instead of saving the form.
 * - Moving the start keeps the length: the end moves with it. */
(function () {
  "use strict";

  const search = document.getElementById("id_customer_q");
  if (window.htmx && search) {
    document.querySelectorAll("[data-no-js]").forEach(function (node) {
      node.remove();
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        window.htmx.trigger(search, "search");
      }
    });
  }

  const start = document.getElementById("id_starts_at");
  const end = document.getElementById("id_ends_at");
  if (!start || !end || start.type !== "datetime-local") {
    return;
  }

  function parse(value) {
    const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
    if (!match) {
      return null;
    }
    return new Date(+match[1], +match[2] - 1, +match[3], +match[4], +match[5]);
  }

  function format(date) {
    const pad = (number) => String(number).padStart(2, "0");
    return (
      date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes())
    );
  }

  let previousStart = parse(start.value);
  start.addEventListener("change", function () {
    const newStart = parse(start.value);
    const oldEnd = parse(end.value);
    if (newStart && previousStart && oldEnd) {
      end.value = format(new Date(oldEnd.getTime() + (newStart.getTime() - previousStart.getTime())));
    }
    previousStart = newStart;
  });
})();
