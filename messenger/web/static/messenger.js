// Small helpers for the pages; everything works without them.
document.addEventListener("DOMContentLoaded", function () {
  // An error summary takes the focus, so a screen reader reads it first (GOV.UK pattern).
  var summary = document.querySelector("[data-focus]");
  if (summary) {
    summary.focus();
  }

  // Live check: a form with data-live-check sends its fields there as the person types,
  // and shows the answer (an HTML fragment from our own server) in data-live-target.
  document.querySelectorAll("form[data-live-check]").forEach(function (form) {
    var target = document.getElementById(form.dataset.liveTarget);
    var timer = null;
    var latest = 0;
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var asked = ++latest;
        fetch(form.dataset.liveCheck, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
        })
          .then(function (response) { return response.ok ? response.text() : null; })
          .then(function (html) {
            if (html !== null && asked === latest) {
              target.innerHTML = html;
            }
          });
      }, 400);
    });
  });
});
