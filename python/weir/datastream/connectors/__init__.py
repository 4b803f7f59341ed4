"""Connectors as PyFlink spells them (pyflink.datastream.connectors): FileSource,
FileSink, KafkaSource and KafkaSink. Each becomes a table of weir's filesystem or
kafka connector under the hood, joined to the DataStream job by
`env.from_source(...)` and `stream.sink_to(...)`, so they have those connectors'
exactly-once behaviour and options."""

from weir.datastream.connectors.base import DeliveryGuarantee

__all__ = ["DeliveryGuarantee"]
