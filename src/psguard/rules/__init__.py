"""Rules as data: the model, the loader and the filters."""
