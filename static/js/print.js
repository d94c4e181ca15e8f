// The "Print" button of the personal link slips. Without this script the button stays
// hidden and the page says to use the browser's own Print command.
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();
