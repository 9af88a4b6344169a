// Staff calendar: drag a booked visit onto another time or practitioner. The drop opens the
// move page, which asks to confirm and checks the time through the booking guard; nothing is
// changed by the drag itself. Without script, "Move" on the visit's page does the same.
(function () {
  "use strict";
  var dragged = null;

  function dropTime(column, event) {
    var grid = column.closest(".pf-grid");
    var step = parseInt(grid.dataset.step, 10);
    var first = parseInt(grid.dataset.firstMinute, 10);
    var perMinute = column.getBoundingClientRect().height / parseFloat(getComputedStyle(grid).getPropertyValue("--minutes"));
    var offset = event.clientY - column.getBoundingClientRect().top - (dragged.grabOffset || 0);
    var minute = first + Math.round(offset / perMinute / step) * step;
    minute = Math.max(0, Math.min(minute, 24 * 60 - step));
    var hh = String(Math.floor(minute / 60)).padStart(2, "0");
    var mm = String(minute % 60).padStart(2, "0");
    return hh + ":" + mm;
  }

  document.addEventListener("dragstart", function (event) {
    var visit = event.target.closest && event.target.closest(".pf-visit[draggable=true]");
    if (!visit) return;
    dragged = { url: visit.dataset.move, grabOffset: event.clientY - visit.getBoundingClientRect().top };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", visit.dataset.move);
  });
  document.addEventListener("dragover", function (event) {
    var column = dragged && event.target.closest && event.target.closest(".pf-col");
    if (!column) return;
    event.preventDefault();
    document.querySelectorAll(".pf-drop").forEach(function (c) { if (c !== column) c.classList.remove("pf-drop"); });
    column.classList.add("pf-drop");
  });
  document.addEventListener("drop", function (event) {
    var column = dragged && event.target.closest && event.target.closest(".pf-col");
    if (!column) return;
    event.preventDefault();
    var query = new URLSearchParams({
      practitioner: column.dataset.practitioner,
      day: column.dataset.day,
      start_time: dropTime(column, event),
    });
    window.location.assign(dragged.url + "?" + query.toString());
  });
  document.addEventListener("dragend", function () {
    dragged = null;
    document.querySelectorAll(".pf-drop").forEach(function (c) { c.classList.remove("pf-drop"); });
  });
})();
