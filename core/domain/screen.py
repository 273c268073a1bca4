"""The size of the terminal that commands see; the page's terminal is as wide. A module of its own, importing
nothing, because the sandbox also runs from a bare Python without the app's packages."""

ROWS, COLUMNS = 40, 100
