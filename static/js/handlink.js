// Link by hand: words selected in the article reader (with the mouse, a finger, or the keyboard with caret
// browsing) become the offsets of a "link as evidence" form. Only the offsets go to the server, which reads
// the text from the stored article. Without JavaScript the same form opens at the link URL with ?start=&end=.
(function () {
  "use strict";

  var reader = document.querySelector(".reader");
  var bar = document.getElementById("link-bar");
  var panel = document.getElementById("link-panel");
  if (!reader || !bar || !panel) return;

  // Opened by its address with a selection (?start=&end=): show the marked words first; on a phone the
  // page would open at its top, a screen or more above them, with the form below the article.
  var marked = reader.querySelector("mark.link-selection");
  if (marked) marked.scrollIntoView({ block: "center" });

  // Claim spans are links: a drag that starts on one selects words instead of dragging the link (Firefox
  // reads the attribute, Chromium the CSS in hand_links.css); a plain click still opens the claim.
  Array.prototype.forEach.call(reader.querySelectorAll("a.claim"), function (link) {
    link.draggable = false;
  });

  // Releasing the mouse after selecting words of a claim span is no click on its link: keep the selection.
  // A click that leaves the selection as it was (a plain click, even on selected words) opens the claim.
  var selectedAtPress = "";
  reader.addEventListener("mousedown", function () {
    var selection = window.getSelection();
    selectedAtPress = selection ? selection.toString() : "";
  });
  reader.addEventListener("click", function (event) {
    var target = event.target;
    var selection = window.getSelection();
    if (!(target instanceof Element) || !target.closest("a.claim") || !selection || selection.isCollapsed) return;
    var selected = selection.toString();
    if (selected.trim() && selected !== selectedAtPress) event.preventDefault();
  });

  // Markers and the "+" of a sentence are controls, not article text: they take no offsets.
  var NOT_TEXT = ".markers, .add-claim";

  function textNodes(sentence) {
    var nodes = [];
    var walker = document.createTreeWalker(sentence, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement.closest(NOT_TEXT)) nodes.push(node);
    }
    return nodes;
  }

  // Characters of article text from the start of the sentence to the boundary point (container, offset).
  function offsetIn(sentence, container, offset) {
    var upTo = document.createRange();
    upTo.setStart(sentence, 0);
    upTo.setEnd(container, offset);
    var count = 0;
    textNodes(sentence).forEach(function (node) {
      if (upTo.intersectsNode(node)) count += node === container ? offset : node.length;
    });
    var length = Number(sentence.dataset.end) - Number(sentence.dataset.start);
    return Math.min(count, length);
  }

  function selectedOffsets() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    var range = selection.getRangeAt(0);
    var sentences = Array.prototype.filter.call(reader.querySelectorAll(".sentence[data-start]"), function (s) {
      return range.intersectsNode(s);
    });
    if (!sentences.length) return null;
    var first = sentences[0];
    var last = sentences[sentences.length - 1];
    var start = Number(first.dataset.start);
    if (first.contains(range.startContainer)) start += offsetIn(first, range.startContainer, range.startOffset);
    var end = Number(last.dataset.end);
    if (last.contains(range.endContainer)) end = Number(last.dataset.start) + offsetIn(last, range.endContainer, range.endOffset);
    if (end <= start) return null;
    return { start: start, end: end, text: selection.toString().replace(/\s+/g, " ").trim() };
  }

  // The selection the bar was last filled from: marked in the reader once the form opens, because the
  // browser's own selection fades (or goes) when focus moves to the form.
  var lastRange = null;

  function markRange(range) {
    unmark();
    var nodes = [];
    var walker = document.createTreeWalker(reader, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (range.intersectsNode(node) && node.parentElement.closest(".sentence") && !node.parentElement.closest(NOT_TEXT)) {
        nodes.push(node);
      }
    }
    nodes.forEach(function (text) {
      var start = text === range.startContainer ? range.startOffset : 0;
      var end = text === range.endContainer ? range.endOffset : text.length;
      if (end <= start) return;
      if (start > 0) text = text.splitText(start);
      if (end - start < text.length) text.splitText(end - start);
      var mark = document.createElement("mark");
      mark.className = "link-selection";
      mark.dataset.client = "";
      text.parentNode.insertBefore(mark, text);
      mark.appendChild(text);
    });
  }

  function unmark() {
    Array.prototype.forEach.call(reader.querySelectorAll("mark.link-selection[data-client]"), function (mark) {
      var parent = mark.parentNode;
      while (mark.firstChild) parent.insertBefore(mark.firstChild, mark);
      parent.removeChild(mark);
      parent.normalize();
    });
  }

  function show(picked) {
    bar.elements.start.value = String(picked.start);
    bar.elements.end.value = String(picked.end);
    var quote = bar.querySelector("[data-link-quote]");
    quote.textContent = picked.text.length > 140 ? picked.text.slice(0, 137) + "…" : picked.text;
    bar.hidden = false;
  }

  function hide() {
    bar.hidden = true;
  }

  var pending = 0;
  document.addEventListener("selectionchange", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      // A collapsed selection (a tap on the bar, say) keeps the last one: Cancel or a new selection replaces it.
      var picked = selectedOffsets();
      if (picked) {
        show(picked);
        lastRange = window.getSelection().getRangeAt(0).cloneRange();
      }
    }, 120);
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element) || !target.closest("[data-link-dismiss]")) return;
    event.preventDefault();
    hide();
    unmark();
    panel.innerHTML = "";
    var selection = window.getSelection();
    if (selection) selection.removeAllRanges();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "l" || event.ctrlKey || event.metaKey || event.altKey || bar.hidden) return;
    var target = event.target;
    if (target instanceof Element && target.closest("input, textarea, select, [contenteditable]")) return;
    event.preventDefault();
    bar.requestSubmit();
  });

  // The form arrived: the bar has done its job; take the reviewer to the form (below the article on a phone).
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target !== panel) return;
    hide();
    if (lastRange) {
      markRange(lastRange);
      lastRange = null;
      // The marks say what will be linked; a selection left over would be taken for a new one.
      var selection = window.getSelection();
      if (selection) selection.removeAllRanges();
    }
    var heading = document.getElementById("link-heading");
    if (heading) {
      heading.scrollIntoView({ block: "start" });
      heading.focus({ preventScroll: true });
    }
  });
})();
