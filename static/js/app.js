/* Routeswit pages: the viewer's timezone, copy buttons, confirmations, and the small editors' row handling. */
(function () {
  "use strict";

  // Times are rendered in the browser's timezone: tell the server once (a cookie, read by routeswit/web.py).
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("tz=" + zone) === -1) {
      document.cookie = "tz=" + zone + ";path=/;max-age=31536000;samesite=lax";
    }
  } catch (e) { /* an old browser: UTC it is */ }

  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var source = document.getElementById(copy.getAttribute("data-copy"));
      var text = source ? (source.value || source.textContent) : "";
      navigator.clipboard.writeText(text).then(function () {
        var old = copy.textContent;
        copy.textContent = "Copied";
        setTimeout(function () { copy.textContent = old; }, 1500);
      });
      return;
    }
    var add = event.target.closest("[data-add-row]");
    if (add) {
      event.preventDefault();
      var template = document.getElementById(add.getAttribute("data-add-row"));
      var target = document.getElementById(add.getAttribute("data-into"));
      var html = template.innerHTML.replace(/__prefix__/g, add.getAttribute("data-prefix") || "");
      target.insertAdjacentHTML("beforeend", html);
      if (window.htmx) htmx.process(target.lastElementChild);
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      event.preventDefault();
      remove.closest(remove.getAttribute("data-remove-row")).remove();
    }
  });

  // <form data-confirm="Revoke this key?">: a last chance before something that cannot be undone.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // Reps: the away-until field only matters when the status is AWAY.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-away-toggle]");
    if (select) {
      var until = document.getElementById(select.getAttribute("data-away-toggle"));
      if (until) until.hidden = select.value !== "AWAY";
    }
  });
})();
