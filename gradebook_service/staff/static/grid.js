// Grade grid: arrow keys move between cells (Enter moves down), like a spreadsheet.
document.addEventListener("keydown", function (event) {
  var cell = event.target;
  if (!cell.matches || !cell.matches("table.grid input[type=text]")) return;
  var td = cell.closest("td"), tr = td.parentElement;
  var col = Array.prototype.indexOf.call(tr.children, td);
  var target = null;
  if (event.key === "ArrowDown" || event.key === "Enter") {
    var next = tr.nextElementSibling; target = next && next.children[col];
  } else if (event.key === "ArrowUp") {
    var prev = tr.previousElementSibling; target = prev && prev.children[col];
  } else if (event.key === "ArrowRight" && cell.selectionStart === cell.value.length) {
    target = td.nextElementSibling;
  } else if (event.key === "ArrowLeft" && cell.selectionStart === 0) {
    target = td.previousElementSibling;
  } else { return; }
  var input = target && target.querySelector("input[type=text]");
  if (input) { event.preventDefault(); input.focus(); input.select(); }
  else if (event.key === "Enter") { event.preventDefault(); }
});
