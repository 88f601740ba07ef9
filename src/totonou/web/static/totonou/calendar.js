/* Totonou calendar: today's current-time line, and drag a plan to another time to move it (desktop
 * browsers; progressive enhancement).
 *
 * The line (li.cal-now in today's column) is placed by the server at the minute the page was made
 * (data-now-minute, in the reader's time zone) and moved here every half minute by the time elapsed
 * since, so the browser's own time zone does not matter; it hides outside the grid's hours.
 *
 * Only activities the server marked movable carry data-reschedule-url. A drop POSTs the new start to
 * that URL (the same form the activity page uses, with the CSRF token and the version read), asking to
 * come back to this calendar; on success the refreshed calendar replaces the old one. On failure the
 * activity stays where it was and the server's message is shown. Without JavaScript nothing changes:
 * every slot is a link to plan there, and an activity's page moves it. */
(function () {
  "use strict";

  const calendar = document.getElementById("calendar");
  if (!calendar) {
    return;
  }
  // Back from planning (?highlight=ID): the new activity is shown and marked.
  const highlight = new URLSearchParams(window.location.search).get("highlight");
  if (highlight && /^\d+$/.test(highlight)) {
    const item = calendar.querySelector('[data-activity="' + highlight + '"]');
    if (item) {
      item.classList.add("is-highlighted");
      item.scrollIntoView({ block: "center" });
    }
  }
  function placeNow() {
    const line = calendar.querySelector(".cal-now");
    const grid = calendar.querySelector(".cal-grid");
    if (!line || !grid) {
      return;
    }
    if (!line.dataset.seenAt) {
      line.dataset.seenAt = String(Date.now());
    }
    const elapsed = Math.floor((Date.now() - Number(line.dataset.seenAt)) / 60000);
    const minute = Number(line.dataset.nowMinute) + elapsed;
    const first = Number(grid.dataset.firstMinute);
    const last = Number(grid.dataset.lastMinute);
    if (minute < first || minute > last || minute >= 24 * 60) {
      line.hidden = true;
      return;
    }
    line.style.setProperty("--top", String(minute - first));
    line.hidden = false;
  }
  placeNow();
  window.setInterval(placeNow, 30000);

  if (!("draggable" in document.createElement("span"))) {
    return;
  }
  const csrfInput = document.querySelector("#calendar-csrf input[name=csrfmiddlewaretoken]");
  let dragged = null;

  function dropTarget(node) {
    const target = node instanceof Element ? node.closest("[data-drop-date]") : null;
    if (!target || !dragged || !calendar.contains(target)) {
      return null;
    }
    const member = target.dataset.dropMember;
    return member && member !== dragged.dataset.owner ? null : target;
  }

  function newStart(target, item) {
    const minutes = item.dataset.time.slice(3);
    const hour = target.dataset.dropHour;
    const time = hour === undefined ? item.dataset.time : hour.padStart(2, "0") + ":" + minutes;
    return target.dataset.dropDate + "T" + time;
  }

  function clearTargets() {
    calendar.querySelectorAll(".is-drop-target").forEach(function (node) {
      node.classList.remove("is-drop-target");
    });
  }

  function showMessage(text, level) {
    const messages = document.getElementById("messages");
    if (!messages) {
      window.alert(text);
      return;
    }
    const message = document.createElement("p");
    message.className = "message message--" + level;
    message.setAttribute("role", level === "error" ? "alert" : "status");
    message.textContent = text;
    messages.replaceChildren(message);
  }

  function errorText(html) {
    const page = new DOMParser().parseFromString(html, "text/html");
    const found = page.querySelectorAll(
      ".field__errors li, .form-errors li, #messages .message--error, main .message--error"
    );
    const texts = Array.from(found, function (node) {
      return node.textContent.trim();
    }).filter(Boolean);
    return Array.from(new Set(texts)).join(" ");
  }

  async function move(item, startsAt) {
    const body = new FormData();
    body.append("csrfmiddlewaretoken", csrfInput ? csrfInput.value : "");
    body.append("starts_at", startsAt);
    body.append("version", item.dataset.version || "");
    body.append("next", window.location.pathname + window.location.search);
    item.classList.add("is-moving");
    showMessage(calendar.dataset.moving, "info");
    try {
      const response = await fetch(item.dataset.rescheduleUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfInput ? csrfInput.value : "" },
      });
      const html = await response.text();
      const landed = new URL(response.url, window.location.href);
      if (response.ok && response.redirected && landed.pathname === window.location.pathname) {
        const page = new DOMParser().parseFromString(html, "text/html");
        const fresh = page.getElementById("calendar");
        const messages = page.getElementById("messages");
        if (fresh) {
          calendar.replaceChildren(...Array.from(fresh.childNodes, (node) => document.importNode(node, true)));
        }
        if (messages && document.getElementById("messages")) {
          document.getElementById("messages").replaceChildren(
            ...Array.from(messages.childNodes, (node) => document.importNode(node, true))
          );
        }
        return;
      }
      item.classList.remove("is-moving");
      showMessage(errorText(html) || calendar.dataset.moveFailed, "error");
    } catch (error) {
      item.classList.remove("is-moving");
      showMessage(calendar.dataset.moveFailed, "error");
    }
  }

  calendar.addEventListener("dragstart", function (event) {
    const item = event.target instanceof Element ? event.target.closest("[data-reschedule-url]") : null;
    if (!item) {
      return;
    }
    dragged = item;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.activity);
    item.classList.add("is-dragging");
  });

  calendar.addEventListener("dragend", function () {
    if (dragged) {
      dragged.classList.remove("is-dragging");
    }
    dragged = null;
    clearTargets();
  });

  calendar.addEventListener("dragover", function (event) {
    const target = dropTarget(event.target);
    if (!target) {
      return;
    }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!target.classList.contains("is-drop-target")) {
      clearTargets();
      target.classList.add("is-drop-target");
    }
  });

  calendar.addEventListener("dragleave", function (event) {
    const target = dropTarget(event.target);
    if (target && !target.contains(event.relatedTarget)) {
      target.classList.remove("is-drop-target");
    }
  });

  calendar.addEventListener("drop", function (event) {
    const target = dropTarget(event.target);
    if (!target) {
      return;
    }
    event.preventDefault();
    const item = dragged;
    clearTargets();
    item.classList.remove("is-dragging");
    dragged = null;
    const startsAt = newStart(target, item);
    if (startsAt !== item.dataset.start) {
      move(item, startsAt);
    }
  });
})();
