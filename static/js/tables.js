/*
 * Wide tables on small screens (WCAG 1.4.10 and 2.1.1).
 *
 * Without this script a table squeezes its columns to the screen, breaking
 * words wherever it must (the theme's word-break), so it never scrolls. With
 * it, words stay whole (.site-table-container--whole-words) and a table that
 * is then wider than the screen scrolls sideways in its container. Such a
 * container gets the focus (tabindex="0"), so it can be scrolled with the
 * arrow keys, and a name: the table's caption or the heading of its section.
 */
(function () {
  "use strict";

  var MARK = "data-site-scrollable";
  var counter = 0;

  function labelOf(container) {
    var caption = container.querySelector("caption");
    if (caption && caption.textContent.trim()) {
      if (!caption.id) {
        counter += 1;
        caption.id = "site-table-caption-" + counter;
      }
      return caption.id;
    }
    var section = container.closest("[aria-labelledby]");
    return section ? section.getAttribute("aria-labelledby") : null;
  }

  function update(container) {
    container.classList.add("site-table-container--whole-words");
    var overflows = container.scrollWidth > container.clientWidth + 1;
    if (overflows && !container.hasAttribute("tabindex")) {
      // Only what this script adds is taken away again (MARK says what).
      container.setAttribute("tabindex", "0");
      var label = labelOf(container);
      var named = Boolean(label) && !container.hasAttribute("role");
      if (named) {
        container.setAttribute("role", "region");
        container.setAttribute("aria-labelledby", label);
      }
      container.setAttribute(MARK, named ? "named" : "");
    } else if (!overflows && container.hasAttribute(MARK)) {
      if (container.getAttribute(MARK) === "named") {
        container.removeAttribute("role");
        container.removeAttribute("aria-labelledby");
      }
      container.removeAttribute("tabindex");
      container.removeAttribute(MARK);
    }
  }

  function updateAll() {
    document.querySelectorAll(".utrecht-table-container").forEach(update);
  }

  var pending = null;
  function later() {
    if (pending) window.cancelAnimationFrame(pending);
    pending = window.requestAnimationFrame(function () {
      pending = null;
      updateAll();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", updateAll);
  } else {
    updateAll();
  }
  window.addEventListener("resize", later);
  // Parts of a page replaced by htmx (dashboard filters, report status).
  document.addEventListener("htmx:afterSettle", later);
})();
