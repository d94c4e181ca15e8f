// The warning before a staff session ends for idleness (WCAG 2.2.1, programmes/staff_session.py).
// The page knows how many seconds were left when it was made (data-left). A while before the
// end it asks the server how long is really left (work in another tab keeps the session),
// and if the end is near it opens the dialog: when, and one button to stay logged in. When
// the time is up it says so and leaves the page as it is, so unsaved text can be copied.
(function () {
  "use strict";
  var dialog = document.getElementById("session-timeout");
  if (!dialog || typeof dialog.showModal !== "function" || !window.fetch) {
    return;
  }
  var idle = Number(dialog.dataset.idle);
  var warn = Number(dialog.dataset.warn);
  var slack = Number(dialog.dataset.slack);
  var deadline = Date.now() + 1000 * Number(dialog.dataset.left);
  var form = dialog.querySelector("form");
  var clock = dialog.querySelector("[data-end]");
  var timer = null;
  var ended = false;

  function later(ms) {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, Math.max(0, ms));
  }

  function schedule() {
    later(deadline - Date.now() - 1000 * warn);
  }

  function show(state) {
    dialog.querySelectorAll("[data-when]").forEach(function (part) {
      part.hidden = part.dataset.when !== state;
    });
  }

  function end() {
    ended = true;
    window.clearTimeout(timer);
    show("ended");
    if (!dialog.open) {
      dialog.showModal();
    }
  }

  function warnNow(left) {
    // The time of day, as the page's language writes it: no countdown to keep up to date.
    clock.textContent = new Date(deadline).toLocaleTimeString(document.documentElement.lang, {
      hour: "2-digit",
      minute: "2-digit",
    });
    if (!dialog.open) {
      show("open");
      dialog.showModal();
    }
    later(Math.min(left, 15000));
  }

  // The seconds the session has left, from the server; a redirect (to the login page)
  // rejects: the session has ended.
  function secondsLeft(url, options) {
    var request = { credentials: "same-origin", redirect: "manual" };
    request.headers = { Accept: "application/json" };
    return fetch(url, Object.assign(request, options)).then(function (response) {
      if (!response.ok) {
        throw new Error("ended");
      }
      return response.json().then(function (data) {
        return data.left;
      });
    });
  }

  function check() {
    secondsLeft(dialog.dataset.statusUrl, {})
      .then(function (seconds) {
        deadline = Date.now() + 1000 * seconds;
        var left = deadline - Date.now();
        if (left <= 0) {
          end();
        } else if (left <= 1000 * warn) {
          warnNow(left);
        } else {
          if (dialog.open) {
            dialog.close();
          }
          schedule();
        }
      })
      .catch(function () {
        if (Date.now() >= deadline) {
          end();
        } else {
          later(Math.min(deadline - Date.now(), 15000)); // the network, not the session
        }
      });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    secondsLeft(form.action, { method: "POST", body: new FormData(form) })
      .then(function (seconds) {
        deadline = Date.now() + 1000 * seconds;
        dialog.close();
        schedule();
      })
      .catch(end);
  });

  dialog.querySelector("[data-close]").addEventListener("click", function () {
    dialog.close();
  });

  // Escape closes the dialog without an answer: the warning comes back at the next check.
  dialog.addEventListener("cancel", function () {
    if (!ended) {
      later(Math.min(deadline - Date.now(), 15000));
    }
  });

  // The page's own requests (htmx) count as activity; the server notes them at most a
  // minute late, so the new end is counted from a minute before.
  document.body.addEventListener("htmx:afterRequest", function () {
    if (!ended && !dialog.open) {
      deadline = Math.max(deadline, Date.now() + 1000 * (idle - slack));
      schedule();
    }
  });

  schedule();
})();
