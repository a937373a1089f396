/**
 * The page's only script, served from LOCAL_DATE_SCRIPT_PATH (no inline script is
 * allowed): it puts the signatory's own calendar date into the accept form, at load
 * and again when the form is sent, so `dateAgreed` is the date where they are.
 * Without JavaScript the field stays empty and the UTC date is recorded.
 */
export const LOCAL_DATE_SCRIPT = `'use strict';
(function () {
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function fill() {
    var d = new Date();
    var value = d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());
    var fields = document.querySelectorAll('input[name="localDate"]');
    for (var i = 0; i < fields.length; i++) fields[i].value = value;
  }
  fill();
  var form = document.getElementById('accept-form');
  if (form) form.addEventListener('submit', fill);
})();
`;
