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

  // Show the latest turn from its start (the person's own message, then Aegle's reply), so a
  // long reply is read from the top rather than from its last line.
  function showLatestTurn() {
    var thread = document.getElementById("thread");
    if (!thread) {
      return;
    }
    var mine = thread.querySelectorAll(".message-user");
    var latest = mine.length ? mine[mine.length - 1] : null;
    if (latest && latest.scrollIntoView) {
      latest.scrollIntoView({ block: "start" });
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
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "thread") {
      showLatestTurn();
    }
  });
  document.addEventListener("DOMContentLoaded", showLatestTurn);
})();
