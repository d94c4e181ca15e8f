// The facilitator's board: drag one item onto another to merge them (the tick boxes and
// the merge button do the same without JavaScript). Uses the page's htmx.
(function () {
  "use strict";
  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var item = event.target.closest && event.target.closest(".items .item");
    if (!item) return;
    dragged = item.dataset.item;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged);
  });
  document.addEventListener("dragover", function (event) {
    var item = event.target.closest && event.target.closest(".items .item");
    if (item && dragged && item.dataset.item !== dragged) {
      event.preventDefault();
      item.classList.add("drop-target");
    }
  });
  document.addEventListener("dragleave", function (event) {
    var item = event.target.closest && event.target.closest(".items .item");
    if (item) item.classList.remove("drop-target");
  });
  document.addEventListener("drop", function (event) {
    var item = event.target.closest && event.target.closest(".items .item");
    if (!item || !dragged || item.dataset.item === dragged) return;
    event.preventDefault();
    var list = item.closest(".items");
    htmx.ajax("POST", list.dataset.mergeUrl, {
      source: list,
      target: "#board",
      swap: "outerHTML",
      values: { items: [item.dataset.item, dragged] },
    });
    dragged = null;
  });
  // Ticks survive the 3-second refresh (hx-preserve); after the facilitator's own change
  // (a merge, a tag, a step) they are cleared, so the next merge starts from nothing.
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;
    if (!config || config.verb !== "post") return;
    document.querySelectorAll('input[form="merge-form"]').forEach(function (box) {
      box.checked = false;
    });
  });
})();
