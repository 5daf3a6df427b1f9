// Progressive enhancement only: everything works without this file.
// Queue keyboard shortcuts: j / k move, Enter opens.
(function () {
  var table = document.querySelector('[data-keyboard-list] tbody');
  if (!table) return;
  var rows = Array.prototype.slice.call(table.querySelectorAll('tr'));
  var at = -1;
  function select(i) {
    if (!rows.length) return;
    if (at >= 0) rows[at].classList.remove('selected');
    at = Math.max(0, Math.min(rows.length - 1, i));
    rows[at].classList.add('selected');
    rows[at].setAttribute('tabindex', '-1');
    rows[at].focus({ preventScroll: false });
  }
  document.addEventListener('keydown', function (e) {
    var tag = (e.target.tagName || '').toLowerCase();
    if (tag === 'input' || tag === 'textarea' || tag === 'select' || e.metaKey || e.ctrlKey || e.altKey) return;
    if (e.key === 'j') { select(at + 1); e.preventDefault(); }
    else if (e.key === 'k') { select(at - 1); e.preventDefault(); }
    else if (e.key === 'Enter' && at >= 0) {
      var link = rows[at].querySelector('[data-row-link]');
      if (link) { window.location = link.href; e.preventDefault(); }
    }
  });
})();
