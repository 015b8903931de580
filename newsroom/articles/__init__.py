"""Articles: seeds, correction notices and source footers, independent of Pelican."""
