"""Running the model for the studio: the worker on its QThread, its client, the document controller, model pickers."""
