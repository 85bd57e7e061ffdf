// Keyboard shortcuts of the reviewer pages. Everything here has a plain link or form behind it,
// so the pages work the same without JavaScript. Shortcuts never fire while typing in a field
// (except Ctrl+Enter, which sends the verdict from its rationale box).
(function () {
  "use strict";

  function typing(target) {
    if (!(target instanceof Element)) return false;
    if (target.isContentEditable) return true;
    var tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    var type = (target.getAttribute("type") || "text").toLowerCase();
    return ["checkbox", "radio", "button", "submit", "reset", "file", "hidden", "range", "color"].indexOf(type) < 0;
  }

  function help() {
    return document.getElementById("keys-help");
  }

  function toggleHelp(show) {
    var box = help();
    if (!box) return;
    var open = show === undefined ? box.hidden : show;
    box.hidden = !open;
    if (open) {
      var close = box.querySelector("[data-key='close-help']");
      // The list opens at its top on a short screen; Close (and Esc) still has the focus.
      if (close) close.focus({ preventScroll: true });
    }
  }

  function follow(name) {
    var link = document.querySelector("a[data-key='" + name + "']");
    if (link) window.location.assign(link.href);
  }

  function verdict(value) {
    var form = document.querySelector(".verdict-form");
    if (!form) return;
    // The first rating of the newsroom's scale with this summary; the bare verdict when the scale is empty.
    var radio =
      form.querySelector("input[name='rating'][data-summary='" + value + "']") ||
      form.querySelector("input[name='verdict'][value='" + value + "']");
    if (radio) radio.checked = true;
    var rationale = form.querySelector("textarea[name='rationale']");
    if (rationale) {
      rationale.focus();
      rationale.setSelectionRange(rationale.value.length, rationale.value.length);
    }
  }

  function evidenceItems() {
    return Array.prototype.slice.call(document.querySelectorAll(".evidence__item"));
  }

  function focusedEvidence() {
    var active = document.activeElement;
    return active instanceof Element ? active.closest(".evidence__item") : null;
  }

  function nextEvidence() {
    var items = evidenceItems();
    if (!items.length) return;
    var current = items.indexOf(focusedEvidence());
    items[(current + 1) % items.length].focus();
  }

  function decide(name) {
    var item = focusedEvidence();
    if (!item) {
      // Nothing chosen yet: pick the first piece of evidence rather than act on one the reviewer cannot see.
      nextEvidence();
      return;
    }
    var button = item.querySelector("button[data-key='" + name + "']");
    if (button && button.form) button.form.requestSubmit(button);
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target instanceof HTMLTextAreaElement) {
      if (target.form && target.form.classList.contains("verdict-form")) {
        event.preventDefault();
        target.form.requestSubmit();
      }
      return;
    }
    if (event.key === "Escape") {
      var box = help();
      if (box && !box.hidden) {
        toggleHelp(false);
      } else if (typing(target)) {
        target.blur();
      }
      return;
    }
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (typing(target)) return;
    var box = help();
    if (box && !box.hidden && event.key !== "?") return;
    var actions = {
      "?": function () { toggleHelp(); },
      j: function () { follow("next"); },
      k: function () { follow("prev"); },
      c: function () { verdict("corroborated"); },
      x: function () { verdict("contested"); },
      e: nextEvidence,
      y: function () { decide("confirm"); },
      n: function () { decide("reject"); },
      a: function () {
        var assign = document.querySelector("button[data-key='assign-me']");
        if (assign && assign.form) assign.form.requestSubmit(assign);
      },
      m: function () {
        var comment = document.querySelector(".comment-form textarea");
        if (comment) comment.focus();
      },
      "/": function () {
        var search = document.querySelector("input[type='search']");
        if (search) search.focus();
      },
    };
    var action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    if (target.closest("[data-key='close-help']") || target.id === "keys-help") toggleHelp(false);
  });
})();
