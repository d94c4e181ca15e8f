// Saves each answer the moment it is tapped, so a dropped connection later loses nothing.
// The page works the same without this script: every page's button also saves.
document.addEventListener("change", function (event) {
  var form = event.target.closest("form.survey-page");
  if (!form || event.target.type !== "radio") {
    return;
  }
  var data = new FormData(form);
  data.set("nav", "autosave");
  fetch(form.getAttribute("action") || window.location.href, {
    method: "POST",
    body: data,
    credentials: "same-origin",
  }).catch(function () {
    // Offline: the page's own button saves the answers when the phone is back online.
  });
});
