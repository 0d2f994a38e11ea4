// The print button of printable documents (no inline handlers under the CSP).
document.addEventListener("click", function (e) {
  if (e.target.closest("[data-print]")) window.print();
});
