"""The pure front half: load the notebook, classify cells, analyse names and effects, build the flow graph. Standard library only."""
