// Time-zone pickers: move the browser's zone into the "Suggested" group at the top, marked as this
// device's. The choice stays the user's; without JavaScript the list still starts with the likely zones.
(function () {
  "use strict";
  function suggest(select) {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    var group = select.querySelector("optgroup");
    if (!zone || !group) return;
    var option = Array.prototype.find.call(select.options, function (item) {
      return item.value === zone;
    });
    if (!option) return;
    if (option.parentNode !== group) group.appendChild(option);
    option.textContent = zone + " (" + (select.getAttribute("data-tz-device") || "") + ")";
  }
  function init() {
    document.querySelectorAll("select[data-tz-picker]").forEach(suggest);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
