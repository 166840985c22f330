// Small progressive enhancements for the chat page; everything works without them too.
(function () {
  "use strict";

  // Enter sends, Shift+Enter starts a new line. Never while an input method is composing
  // (Chinese IMEs use Enter to confirm a candidate).
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLTextAreaElement) || !field.hasAttribute("data-enter-submits")) {
      return;
    }
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) {
      return;
    }
    event.preventDefault();
    if (field.value.trim() && field.form) {
      field.form.requestSubmit();
    }
  });

  function scrollThread() {
    var thread = document.getElementById("thread");
    if (thread) {
      thread.scrollTop = thread.scrollHeight;
      var last = thread.querySelector(".message:last-of-type");
      if (last && last.scrollIntoView) {
        last.scrollIntoView({ block: "nearest" });
      }
    }
  }

  // After a message was sent with HTMX: clear the composer and keep the focus in it.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (event.detail.successful && form && form.id === "composer") {
      form.reset();
      var field = form.querySelector("textarea");
      if (field) {
        field.focus();
      }
    }
  });
  document.addEventListener("htmx:afterSettle", scrollThread);
  document.addEventListener("DOMContentLoaded", scrollThread);
})();
