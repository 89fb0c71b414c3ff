/* The entry grid (填报表格): keyboard moves and pasting a block from Excel.
   Loaded by src= (the CSP forbids inline script). Works on grids htmx swaps in, by delegation. */
(function () {
  "use strict";

  function gridOf(el) {
    return el instanceof HTMLInputElement && el.dataset.col !== undefined ? el.closest("[data-entry-grid]") : null;
  }

  function cellAt(grid, row, col) {
    return grid.querySelector('input[data-row="' + row + '"][data-col="' + col + '"]');
  }

  function move(input, dRow, dCol) {
    var grid = gridOf(input);
    var next = grid && cellAt(grid, Number(input.dataset.row) + dRow, Number(input.dataset.col) + dCol);
    if (!next) { return false; }
    next.focus();
    next.select();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!gridOf(input) || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    var atEnd = input.selectionStart === input.value.length && input.selectionEnd === input.value.length;
    var moved = false;
    if (event.key === "Enter") {
      moved = move(input, event.shiftKey ? -1 : 1, 0);
      event.preventDefault();           // Enter moves down; it never submits the form by accident
    } else if (event.key === "ArrowDown") {
      moved = move(input, 1, 0);
    } else if (event.key === "ArrowUp") {
      moved = move(input, -1, 0);
    } else if (event.key === "ArrowLeft" && atStart) {
      moved = move(input, 0, -1);
    } else if (event.key === "ArrowRight" && atEnd) {
      moved = move(input, 0, 1);
    }
    if (moved) { event.preventDefault(); }
  });

  document.addEventListener("input", function (event) {
    if (gridOf(event.target)) { event.target.classList.add("changed"); }
  });

  // A block copied from Excel is rows separated by newlines, cells by tabs: fill from this cell
  // down and to the right. One plain value pastes as usual.
  document.addEventListener("paste", function (event) {
    var input = event.target;
    var grid = gridOf(input);
    if (!grid || !event.clipboardData) { return; }
    var text = event.clipboardData.getData("text/plain").replace(/\r\n?/g, "\n").replace(/\n$/, "");
    if (text.indexOf("\n") < 0 && text.indexOf("\t") < 0) { return; }
    event.preventDefault();
    var row0 = Number(input.dataset.row), col0 = Number(input.dataset.col);
    var last = input;
    text.split("\n").forEach(function (line, i) {
      line.split("\t").forEach(function (value, j) {
        var cell = cellAt(grid, row0 + i, col0 + j);
        if (cell) {
          cell.value = value.trim();
          cell.classList.add("changed");
          last = cell;
        }
      });
    });
    last.focus();
  });
})();
