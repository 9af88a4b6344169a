// Beside each time shown in clinic time (<time data-local="<clinic zone>">), the same moment in
// the patient's own time zone when the two clocks differ. It only adds text: the page is
// complete without it, and without JavaScript.
(function () {
  "use strict";
  var times = document.querySelectorAll("time[data-local]");
  if (!times.length || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var ownZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  function format(date, zone, withDay) {
    var options = { hour: "numeric", minute: "2-digit" };
    if (zone) {
      options.timeZone = zone;
    }
    if (withDay) {
      options.weekday = "short";
      options.month = "short";
      options.day = "numeric";
    }
    try {
      return new Intl.DateTimeFormat("en-US", options).format(date);
    } catch (error) {
      return null; // a zone this browser does not know
    }
  }

  var shown = false;
  Array.prototype.forEach.call(times, function (element) {
    var date = new Date(element.getAttribute("datetime"));
    var clinic = format(date, element.getAttribute("data-local"), true);
    var own = format(date, null, true);
    if (isNaN(date.getTime()) || !clinic || !own || clinic === own) {
      return; // the same wall clock here and at the clinic
    }
    var sameDay = clinic.split(",").slice(0, 2).join() === own.split(",").slice(0, 2).join();
    var short = element.hasAttribute("data-short") && sameDay;
    var span = document.createElement("span");
    span.className = "local-time";
    span.textContent = " (" + (short ? format(date, null, false) : own) + " your time)";
    element.parentNode.insertBefore(span, element.nextSibling);
    shown = true;
  });
  var note = document.querySelector(".your-zone");
  if (shown && note) {
    note.textContent = " Your device is set to " + ownZone + ": your own time is in brackets.";
    note.hidden = false;
  }
})();
