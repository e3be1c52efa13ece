// Event admin: pre-fills the PLOVER category and mode from the kind and status as they
// change, as the server does on saving (events/plover.py, suggest). Only on an event
// not yet coded, and never over a choice the editor made. Without it, nothing is lost.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var category = document.getElementById("id_plover_category");
  var mode = document.getElementById("id_plover_mode");
  var kind = document.getElementById("id_kind");
  var status = document.getElementById("id_status");
  if (!category || !mode || !kind || !status || category.value) {
    return;
  }
  var table = JSON.parse(category.getAttribute("data-plover-suggestions") || "{}");
  var suggested = ["", ""];
  function update() {
    if (category.value !== suggested[0] || mode.value !== suggested[1]) {
      return; // The editor chose: leave it.
    }
    suggested = table[kind.value + "|" + status.value] || ["", ""];
    category.value = suggested[0];
    mode.value = suggested[1];
  }
  kind.addEventListener("change", update);
  status.addEventListener("change", update);
  update();
});
