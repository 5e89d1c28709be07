"""pytest plugin running the Adadelta conformance suite; inert unless ``--adadelta-impl`` is given."""
