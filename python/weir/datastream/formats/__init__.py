"""Record formats for the DataStream connectors (PyFlink's pyflink.datastream.formats)."""
