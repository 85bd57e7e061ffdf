// Deciding several evidence links at once on the claim page. The checkboxes belong to a plain form
// (form="evidence-bulk"), so ticking and sending work without JavaScript; this adds the count of ticked
// links, "tick all", the t key (tick the link that has focus), and the focus on the link a decision
// left the page at (#evidence-N), so y / n / t act on it straight away.
(function () {
  "use strict";

  var form = document.getElementById("evidence-bulk");

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("input[form='evidence-bulk'][name='evidence']"));
  }

  function refresh() {
    if (!form) return;
    var ticked = boxes().filter(function (box) { return box.checked; }).length;
    var count = form.querySelector("[data-bulk-count]");
    if (count) count.textContent = ticked === 1 ? "1 selected" : ticked + " selected";
    var all = form.querySelector("[data-bulk-all]");
    if (all) all.checked = ticked > 0 && ticked === boxes().length;
    Array.prototype.forEach.call(form.querySelectorAll("button[name='decision']"), function (button) {
      button.disabled = ticked === 0;
    });
  }

  function focusFromHash() {
    var id = window.location.hash.slice(1);
    if (!/^evidence-\d+$/.test(id)) return;
    var item = document.getElementById(id);
    if (item) item.focus();
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement) || !form) return;
    if (target.hasAttribute("data-bulk-all")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
    }
    refresh();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "t" || event.ctrlKey || event.metaKey || event.altKey) return;
    var active = document.activeElement;
    var item = active instanceof Element ? active.closest(".evidence__item") : null;
    if (!item || active.closest("input, textarea, select")) return;
    var box = item.querySelector("input[form='evidence-bulk'][name='evidence']");
    if (!box) return;
    event.preventDefault();
    box.checked = !box.checked;
    refresh();
  });

  refresh();
  focusFromHash();
  window.addEventListener("hashchange", focusFromHash);
})();
