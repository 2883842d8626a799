// Small helpers for the pages; everything works without them.
document.addEventListener("DOMContentLoaded", function () {
  // An error summary takes the focus, so a screen reader reads it first (GOV.UK pattern).
  var summary = document.querySelector("[data-focus]");
  if (summary) {
    summary.focus();
  }
});
