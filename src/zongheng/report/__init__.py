"""Reports (报告): the unit brief shared by every document, and the HTML, Word and Excel writers."""
