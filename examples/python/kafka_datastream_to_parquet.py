"""The same Kafka -> bucketed Parquet job in PyFlink's DataStream spelling:
KafkaSource, a Python map, and FileSink with ParquetBulkWriters and a date-time
bucket assigner, exactly once with checkpoints.

    python examples/python/kafka_datastream_to_parquet.py BOOTSTRAP TOPIC OUTPUT_FOLDER [--bounded]

Reads JSON events {"id", "user", "amount", "ts"} from TOPIC, keeps those with an
amount, adds the amount in cents, and writes them into OUTPUT_FOLDER/<yyyy-MM-dd--HH>/
(the processing hour, UTC) as Parquet part files named events-…parquet. Files become
visible when the checkpoint covering them completes. With --bounded it stops at the
offsets the topic has when it starts (for tests); otherwise it runs until Ctrl-C.
The same program runs on PyFlink with `weir` changed to `pyflink` in the imports.
"""

import sys

from weir.common import Row, Types, WatermarkStrategy
from weir.datastream import CheckpointingMode, StreamExecutionEnvironment
from weir.datastream.connectors.file_system import (BucketAssigner, FileSink,
                                                    OutputFileConfig, RollingPolicy)
from weir.datastream.connectors.kafka import KafkaOffsetsInitializer, KafkaSource
from weir.datastream.formats.json import JsonRowDeserializationSchema
from weir.datastream.formats.parquet import ParquetBulkWriters

EVENT = Types.ROW_NAMED(["id", "user", "amount", "ts"],
                        [Types.LONG(), Types.STRING(), Types.INT(), Types.STRING()])
OUT = Types.ROW_NAMED(["id", "user", "cents", "ts"],
                      [Types.LONG(), Types.STRING(), Types.LONG(), Types.STRING()])


def main(bootstrap: str, topic: str, out: str, bounded: bool) -> None:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    env.enable_checkpointing(2000, CheckpointingMode.EXACTLY_ONCE)
    env.get_checkpoint_config().set_checkpoint_storage_dir(f"{out}/_checkpoints")
    builder = (KafkaSource.builder()
               .set_bootstrap_servers(bootstrap)
               .set_topics(topic)
               .set_group_id("weir-datastream-example")
               .set_starting_offsets(KafkaOffsetsInitializer.earliest())
               .set_value_only_deserializer(
                   JsonRowDeserializationSchema.builder().type_info(EVENT).build()))
    if bounded:
        builder = builder.set_bounded(KafkaOffsetsInitializer.latest())
    events = env.from_source(builder.build(), WatermarkStrategy.no_watermarks(), "events")
    cents = (events.filter(lambda e: e.amount is not None)
                   .map(lambda e: Row(id=e.id, user=e.user, cents=e.amount * 100, ts=e.ts),
                        OUT))
    cents.sink_to(FileSink.for_bulk_format(f"{out}/events", ParquetBulkWriters.for_row_type(OUT))
                  .with_bucket_assigner(BucketAssigner.date_time_bucket_assigner())
                  .with_rolling_policy(RollingPolicy.on_checkpoint_rolling_policy())
                  .with_output_file_config(OutputFileConfig.builder()
                                           .with_part_prefix("events")
                                           .with_part_suffix(".parquet").build())
                  .build())
    env.execute("kafka to parquet (DataStream)")
    print("job finished")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--bounded"]
    if len(args) != 3:
        sys.exit(__doc__)
    main(args[0], args[1], args[2], "--bounded" in sys.argv)
