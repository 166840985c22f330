// Lab-report upload in the chat: after a report is read, clear the file field and show the
// new results table from its start. Everything works without this script too.
(function () {
  "use strict";

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (event.detail.successful && form && form.id === "lab-upload") {
      form.reset();
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!form || form.id !== "lab-upload") {
      return;
    }
    var reports = document.querySelectorAll("#thread .lab-report");
    var latest = reports.length ? reports[reports.length - 1] : null;
    if (latest && latest.scrollIntoView) {
      // After the chat's own handler, which shows the latest message the person typed.
      window.setTimeout(function () {
        latest.scrollIntoView({ block: "start" });
      }, 0);
    }
  });
})();
