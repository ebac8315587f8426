// The funnel board: drag a card to another column; the server decides (and may ask for fields).
(function () {
  "use strict";
  function modal() {
    const el = document.getElementById("deal-dialog-modal");
    return el ? bootstrap.Modal.getOrCreateInstance(el) : null;
  }
  function refresh() {
    document.body.dispatchEvent(new CustomEvent("funnel:board-changed"));
  }
  function init(root) {
    const board = document.getElementById("board");
    if (!board) return;
    const template = board.dataset.moveUrlTemplate;
    root.querySelectorAll(".funnel-cards").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      Sortable.create(list, {
        group: "funnel",
        draggable: ".funnel-card",
        animation: 150,
        onEnd: function (evt) {
          if (evt.from === evt.to) return;
          const dealId = evt.item.dataset.deal;
          const url = template.replace("/0/", "/" + dealId + "/");
          htmx.ajax("POST", url, {target: "#deal-dialog", swap: "innerHTML", values: {stage: evt.to.dataset.stage}})
            .then(function () {
              const content = document.getElementById("deal-dialog");
              if (content && content.innerHTML.trim()) {
                modal().show();
              }
            });
        },
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.body.addEventListener("htmx:afterSwap", function (evt) { init(evt.target.closest("#board") ? document : evt.target); });
  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    // A successful move answers 204 with an event: close the dialog, the board reloads itself.
    if (evt.detail.xhr.status === 204) {
      const content = document.getElementById("deal-dialog");
      if (content) content.innerHTML = "";
      const m = modal();
      if (m) m.hide();
    }
  });
  document.body.addEventListener("htmx:responseError", refresh);
  document.addEventListener("hidden.bs.modal", function (evt) {
    if (evt.target.id === "deal-dialog-modal") {
      document.getElementById("deal-dialog").innerHTML = "";
      refresh();  // a cancelled dialog puts the card back where the server has it
    }
  });
})();
