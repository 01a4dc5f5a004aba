"""Rules as data: the model, the loader, the filters and the inline allow markers."""
