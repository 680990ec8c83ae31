// The console's only script: every HTMX request carries the session's CSRF token (the
// server refuses a state-changing request without it), and a dialog opened by a link
// gets the focus. No inline script anywhere: the Content-Security-Policy forbids it.
"use strict";
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
  }
});
document.addEventListener("htmx:afterSwap", function (event) {
  var target = event.detail.target;
  var focus = target && target.querySelector("[data-focus]");
  if (focus) {
    focus.focus();
  }
});
