/* The pipeline board: drag a card onto another stage's column (native HTML5 drag and drop, desktop).
   An open stage moves the deal at once through the deal page's stage control (deals:deal_stage);
   a won or lost stage opens its form (close date, loss reason) in a dialog. Phones use the stage
   picker on each card, a plain form that works without this script. */
(function () {
  "use strict";
  var board = document.getElementById("pipeline-board");
  if (!board) return;
  var dialog = document.getElementById("pipeline-dialog");
  var dialogBody = document.getElementById("pipeline-dialog-body");
  var boardUrl = board.getAttribute("data-board-url") || window.location.pathname;
  var dragged = null;

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function showForm(html) {
    dialogBody.innerHTML = html;
    if (window.htmx) window.htmx.process(dialogBody);
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
    var first = dialogBody.querySelector("select, input:not([type=hidden]), textarea");
    if (first) first.focus();
  }

  function move(card, column) {
    var stage = column.getAttribute("data-stage");
    var kind = column.getAttribute("data-kind");
    var url = card.getAttribute("data-stage-url");
    var headers = { "HX-Request": "true", "HX-Target": "stage-panel", "X-CSRFToken": csrf() };
    if (kind !== "open") {
      var query = "?stage=" + encodeURIComponent(stage) + "&next=" + encodeURIComponent(boardUrl);
      fetch(url + query, { headers: headers, credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(showForm);
      return;
    }
    var body = new FormData();
    body.append("stage", stage);
    body.append("version", card.getAttribute("data-version"));
    body.append("next", boardUrl);
    column.querySelector(".pipeline-column__cards").appendChild(card);
    card.classList.add("is-moving");
    fetch(url, { method: "POST", body: body, headers: headers, credentials: "same-origin" }).then(
      function (response) {
        var target = response.headers.get("HX-Redirect");
        if (target) { window.location.assign(target); return null; }
        return response.text().then(showForm);
      }
    );
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".pipeline-card") : null;
    if (!card) return;
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-deal"));
    card.classList.add("is-dragging");
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    board.querySelectorAll(".is-drop-target").forEach(function (el) { el.classList.remove("is-drop-target"); });
    dragged = null;
  });
  board.addEventListener("dragover", function (event) {
    var column = event.target.closest ? event.target.closest(".pipeline-column") : null;
    if (!column || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("is-drop-target");
  });
  board.addEventListener("dragleave", function (event) {
    var column = event.target.closest ? event.target.closest(".pipeline-column") : null;
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("is-drop-target");
  });
  board.addEventListener("drop", function (event) {
    var column = event.target.closest ? event.target.closest(".pipeline-column") : null;
    if (!column || !dragged) return;
    event.preventDefault();
    var card = dragged;
    column.classList.remove("is-drop-target");
    if (card.closest(".pipeline-column") === column) return;
    move(card, column);
  });
  dialog.addEventListener("close", function () { dialogBody.innerHTML = ""; });
})();
