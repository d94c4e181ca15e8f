// Saves each answer the moment it is tapped, so a dropped connection later loses nothing.
// The page works the same without this script: every page's button also saves.
// One save at a time, always of the form as it is when sent: quick changes (arrow keys
// move through a group, checking each answer) cannot overtake each other on the way and
// leave an older answer saved.
// Offline, a button press would only reach the browser's own error page, which says
// nothing about the answers: the page says instead that nothing was sent and nothing is
// lost, and stays. Pressed again online, the form's key stores the answers once.
(function () {
  var busy = false;
  var waiting = null;

  function save(form) {
    if (busy) {
      waiting = form;
      return;
    }
    busy = true;
    var data = new FormData(form);
    data.set("nav", "autosave");
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST",
      body: data,
      credentials: "same-origin",
    })
      .catch(function () {
        // Offline: the page's own button saves the answers when the phone is back online.
      })
      .then(function () {
        busy = false;
        if (waiting) {
          var next = waiting;
          waiting = null;
          save(next);
        }
      });
  }

  document.addEventListener("submit", function (event) {
    var note = event.target.querySelector(".offline-note");
    if (!note) {
      return;
    }
    if (navigator.onLine === false) {
      event.preventDefault();
      note.hidden = false;
      note.setAttribute("role", "alert"); // announced now, and counted as an alert only now
    } else {
      note.hidden = true;
      note.removeAttribute("role");
    }
  });

  document.addEventListener("change", function (event) {
    var form = event.target.closest("form.survey-page");
    if (form && event.target.type === "radio") {
      save(form);
    }
  });
})();
